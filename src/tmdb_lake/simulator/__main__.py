"""Run the simulator: ``python -m tmdb_lake.simulator --help``."""

from __future__ import annotations

import sys

from tmdb_lake.simulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
