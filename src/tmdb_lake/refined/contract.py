"""The refined zone's contract: one declaration per table of the dimensional model.

A refined table is declared like a trusted one (`TrustedTable`: columns, grain, the SQL
that selects it, the checks that guard every build), plus its key and whether it is
*dated*:

- **current** tables (`dated=False`: dimensions, bridges, `fact_credit`, `fact_release`,
  `dim_date`) hold the current state of the model. Their SQL merges the previous build
  (`previous_<table>`, empty on a full build) with the trusted dts not reflected yet (the
  trusted tables as source views named after them, `dt` a column), so that one statement
  serves the full build (previous empty, every dt) and the incremental one.
- **dated** tables (`fact_title_snapshot`) have one partition per trusted dt, built from
  that dt's trusted tables alone.

The SQL is DuckDB SQL in the subset `sqlglot` translates to Spark SQL (a test translates
every statement). Keys are TMDB's ids (stable across re-runs); no surrogate is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmdb_lake.trusted.contract import Column, TrustedTable

__all__ = [
    "AnalystView",
    "Column",
    "RefinedTable",
    "date_key",
    "decade",
    "from_trusted",
    "previous",
]


@dataclass(frozen=True)
class RefinedTable(TrustedTable):
    """One refined table: a trusted-style declaration, its key, current or dated."""

    key: tuple[str, ...] = ()
    """The columns that identify a row (within a dt, for a dated table)."""
    dated: bool = False
    """Partitioned by `dt` (one partition per trusted dt); else one current table."""


@dataclass(frozen=True)
class AnalystView:
    """A view over the refined tables, for analysts: the same in every engine."""

    name: str
    description: str
    sql: str
    """A DuckDB SELECT over the refined tables (translated for Athena and Spark)."""


def from_trusted(
    trusted: TrustedTable, names: tuple[str, ...], source: str | None = None
) -> tuple[Column, ...]:
    """Give trusted columns as refined ones: same name, type, meaning; nullable.

    `source` names where they come from (default: the trusted table).
    """
    return tuple(
        Column(c.name, c.type, True, f"{source or trusted.name}.{c.name}", c.description)
        for c in (trusted.column(name) for name in names)
    )


def previous(table: str) -> str:
    """Name the view of a current table's previous build (empty on a full build)."""
    return f"previous_{table}"


def date_key(expression: str) -> str:
    """Give the SQL of the `yyyymmdd` integer key of a DATE (NULL stays NULL)."""
    e = expression
    return f"CAST(year({e}) * 10000 + month({e}) * 100 + day({e}) AS INTEGER)"


def decade(year: str) -> str:
    """Give the SQL of the decade (1990 for 1994) of an integer year."""
    return f"CAST(FLOOR({year} / 10) * 10 AS INTEGER)"
