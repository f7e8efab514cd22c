"""Every refined table, in build order (a table comes after every table it reads), and views.

The trusted tables the current tables read (`SOURCES`) are given to them as source views
over the trusted dts being added; the dated tables read their one dt's.
"""

from __future__ import annotations

from tmdb_lake.refined.contract import AnalystView, RefinedTable
from tmdb_lake.refined.tables.bridges import (
    BRIDGE_MOVIE_GENRE,
    BRIDGE_MOVIE_KEYWORD,
    BRIDGE_SERIES_GENRE,
    BRIDGE_SERIES_KEYWORD,
)
from tmdb_lake.refined.tables.calendar import DIM_DATE
from tmdb_lake.refined.tables.facts import FACT_CREDIT, FACT_RELEASE, FACT_TITLE_SNAPSHOT
from tmdb_lake.refined.tables.members import DIM_COUNTRY, DIM_GENRE, DIM_KEYWORD, DIM_PERSON
from tmdb_lake.refined.tables.titles import DIM_MOVIE, DIM_SERIES
from tmdb_lake.refined.tables.views import MOVIE_CURRENT, SERIES_CURRENT
from tmdb_lake.trusted.contract import contract_id

CURRENT: tuple[RefinedTable, ...] = (
    DIM_MOVIE,
    DIM_SERIES,
    BRIDGE_MOVIE_GENRE,
    BRIDGE_SERIES_GENRE,
    BRIDGE_MOVIE_KEYWORD,
    BRIDGE_SERIES_KEYWORD,
    FACT_CREDIT,
    FACT_RELEASE,
    DIM_GENRE,
    DIM_PERSON,
    DIM_KEYWORD,
    DIM_COUNTRY,
    DIM_DATE,
)
DATED: tuple[RefinedTable, ...] = (FACT_TITLE_SNAPSHOT,)
TABLES: tuple[RefinedTable, ...] = CURRENT + DATED
VIEWS: tuple[AnalystView, ...] = (MOVIE_CURRENT, SERIES_CURRENT)
CONTRACT_ID = contract_id(TABLES, ())

BY_NAME: dict[str, RefinedTable] = {table.name: table for table in TABLES}

SOURCES: tuple[str, ...] = (
    "movie",
    "series",
    "genre",
    "movie_genre",
    "series_genre",
    "movie_cast",
    "movie_crew",
    "series_cast",
    "series_crew",
    "movie_keyword",
    "series_keyword",
    "movie_release_date",
    "movie_country",
)
"""The trusted tables the refined zone reads."""
