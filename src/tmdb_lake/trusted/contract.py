"""The trusted zone's contract: one declaration per table, read by the code, the docs and the DDL.

A table is a `TrustedTable`: its name, grain, columns (name, type, nullable, where the value
comes from in TMDB's record, what it means), the SQL that selects it from the source views,
and the checks that guard every build (dbt's `unique` / `not_null` / `relationships`,
declared beside the table they guard).

The SQL is DuckDB SQL over *source views* that an engine adapter provides (see
`tmdb_lake.trusted.engine`), kept to a subset that `sqlglot` translates to Spark SQL.
Column types come from this declaration, never from the data: the engine casts every
selected value to its declared type, so a column's type does not change with what TMDB sent.

Example::

    Column("runtime", "INTEGER", True, "runtime", "Length in minutes; 0 when unknown")
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

import orjson

ColumnType = Literal[
    "BIGINT",
    "INTEGER",
    "DOUBLE",
    "BOOLEAN",
    "VARCHAR",
    "DATE",
    "TIMESTAMP",
    "INTEGER[]",
    "VARCHAR[]",
]
"""The types a trusted column may have (DuckDB names; `X[]` is Spark's ARRAY<X>)."""

SPARK_TYPES: dict[str, str] = {
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "VARCHAR": "STRING",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "INTEGER[]": "ARRAY<INT>",
    "VARCHAR[]": "ARRAY<STRING>",
}


@dataclass(frozen=True)
class Column:
    """One column of a trusted table.

    `source` is the path of the value in TMDB's record (`credits.cast[].character`), or a
    description in angle brackets for derived values (`<the raw file's key>`).
    """

    name: str
    type: ColumnType
    nullable: bool
    source: str
    description: str


LINEAGE: tuple[Column, ...] = (
    Column("_run_id", "VARCHAR", False, "<manifest run_id>", "The raw run that published it"),
    Column(
        "_ingested_at",
        "TIMESTAMP",
        False,
        "<manifest finished_at>",
        "When that raw run was committed (UTC)",
    ),
    Column("_source_key", "VARCHAR", False, "<raw file key>", "The raw file the row comes from"),
)
"""Lineage columns every trusted table ends with (`dt` comes from the partition path)."""


@dataclass(frozen=True)
class Unique:
    """No two rows of one `dt` share these columns."""

    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        """Name the check as reports show it."""
        return f"unique({', '.join(self.columns)})"


@dataclass(frozen=True)
class NotNull:
    """These columns are never NULL."""

    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        """Name the check as reports show it."""
        return f"not_null({', '.join(self.columns)})"


@dataclass(frozen=True)
class Relationship:
    """Every row's `columns` exist as `to_columns` in table `to` of the same `dt`.

    `to_where` restricts the target (e.g. `media = 'movie'` on the genre list), `where`
    the rows checked (e.g. `media = 'tv'` of a fact that holds both media).
    """

    columns: tuple[str, ...]
    to: str
    to_columns: tuple[str, ...]
    to_where: str = ""
    skip_when_target_empty: bool = False
    """Reference data may be missing on a day (a run without genre lists): skip, and say so."""
    where: str = ""

    @property
    def name(self) -> str:
        """Name the check as reports show it."""
        to_where = f" where {self.to_where}" if self.to_where else ""
        where = f" where {self.where}" if self.where else ""
        return f"relationship(({', '.join(self.columns)}){where} -> {self.to}{to_where})"


Check = Unique | NotNull | Relationship


@dataclass(frozen=True)
class TrustedTable:
    """One trusted table: the single declaration its code, docs and DDL come from."""

    name: str
    description: str
    grain: str
    columns: tuple[Column, ...]
    sql: str
    """DuckDB SQL over the source views; selects exactly `columns`, in order."""
    checks: tuple[Check, ...] = ()
    reads: tuple[str, ...] = field(default_factory=tuple)
    """The source views and intermediate models the SQL reads."""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Give the column names, in order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """Give one column by name."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    def typed_sql(self) -> str:
        """Give the SQL with every column cast to its declared type, in declared order."""
        casts = ",\n  ".join(
            f"CAST({_quote(c.name)} AS {c.type}) AS {_quote(c.name)}" for c in self.columns
        )
        return f"SELECT\n  {casts}\nFROM (\n{self.sql.strip()}\n) AS selected"


@dataclass(frozen=True)
class IntermediateModel:
    """A model that tables read but that is not written (dbt's ephemeral model)."""

    name: str
    description: str
    sql: str
    unique_shortcut: tuple[str, str] | None = None
    """(relation, key): when `key` is already unique in `relation`, the model *is* that
    relation, and an engine may use it as is instead of running `sql` (same rows)."""


def _quote(name: str) -> str:
    return f'"{name}"'


def contract_id(tables: tuple[TrustedTable, ...], models: tuple[IntermediateModel, ...]) -> str:
    """Give a short hash of every declaration: a build made under another contract is stale."""
    body = [
        {
            "name": t.name,
            "columns": [(c.name, c.type, c.nullable, c.source) for c in t.columns],
            "sql": t.sql,
        }
        for t in tables
    ] + [{"model": m.name, "sql": m.sql} for m in models]
    return hashlib.sha256(orjson.dumps(body)).hexdigest()[:16]
