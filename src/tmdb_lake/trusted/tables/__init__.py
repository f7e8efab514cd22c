"""Every trusted table, in build order (a table comes after every table it reads)."""

from __future__ import annotations

from tmdb_lake.trusted.contract import IntermediateModel, TrustedTable, contract_id
from tmdb_lake.trusted.tables import genre, movie, series
from tmdb_lake.trusted.tables.credits import MOVIE_CAST, MOVIE_CREW, SERIES_CAST, SERIES_CREW
from tmdb_lake.trusted.tables.keywords import MOVIE_KEYWORD, SERIES_KEYWORD
from tmdb_lake.trusted.tables.merged import MODELS
from tmdb_lake.trusted.tables.production import MOVIE_COMPANY, MOVIE_COUNTRY, MOVIE_LANGUAGE
from tmdb_lake.trusted.tables.ratings import MOVIE_RELEASE_DATE, SERIES_CONTENT_RATING
from tmdb_lake.trusted.tables.title_genre import MOVIE_GENRE, SERIES_GENRE

TABLES: tuple[TrustedTable, ...] = (
    genre.TABLE,
    movie.TABLE,
    series.TABLE,
    MOVIE_GENRE,
    SERIES_GENRE,
    MOVIE_CAST,
    MOVIE_CREW,
    SERIES_CAST,
    SERIES_CREW,
    MOVIE_KEYWORD,
    SERIES_KEYWORD,
    MOVIE_RELEASE_DATE,
    SERIES_CONTENT_RATING,
    MOVIE_COMPANY,
    MOVIE_COUNTRY,
    MOVIE_LANGUAGE,
)
INTERMEDIATE: tuple[IntermediateModel, ...] = MODELS
CONTRACT_ID = contract_id(TABLES, INTERMEDIATE)

BY_NAME: dict[str, TrustedTable] = {table.name: table for table in TABLES}
