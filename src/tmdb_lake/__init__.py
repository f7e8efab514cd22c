"""tmdb-lake: TMDB (The Movie Database API v3) into the raw zone of a data lake."""

from __future__ import annotations

__version__ = "0.1.0"
