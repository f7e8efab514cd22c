"""DuckDB SQL to Spark SQL: `sqlglot`, and where it falls short, small named fixes.

Every table, model and check is declared once, in DuckDB's dialect; the Spark engine runs
`to_spark(sql)`. sqlglot (`transpile(sql, read="duckdb", write="spark")`) does the
translation; `unsupported_level=RAISE` makes anything it cannot express an error here
rather than wrong SQL there. What sqlglot translates but Spark would read differently is
fixed on the parsed tree, one function per difference, each tested
(tests/trusted/test_spark_sql.py):

- `naive_timestamps`: DuckDB's `TIMESTAMP` has no time zone, which is Spark's
  `TIMESTAMP_NTZ`, not Spark's `TIMESTAMP` (session-zone). sqlglot 30 already writes
  `TIMESTAMP_NTZ`; the fix pins it, so a sqlglot upgrade cannot silently turn lineage
  times into zoned timestamps (a different Parquet type).
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

from tmdb_lake.errors import ConfigError


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """Give the Spark SQL for one DuckDB statement; `ConfigError` if sqlglot cannot say it."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"sqlglot cannot parse a table's SQL: {_first_line(exc)}") from None
    tree = naive_timestamps(tree)
    try:
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise ConfigError(f"sqlglot cannot write a table's SQL for Spark: {exc}") from None


@lru_cache(maxsize=64)
def spark_type(duckdb_type: str) -> str:
    """Give the Spark SQL type of a declared (DuckDB) column type: `INTEGER[]` -> `ARRAY<INT>`."""
    try:
        tree = exp.DataType.build(duckdb_type, dialect="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"sqlglot cannot parse a column type: {_first_line(exc)}") from None
    return naive_timestamps(tree).sql(dialect="spark")


def naive_timestamps(tree: exp.Expr) -> exp.Expr:
    """Make every DuckDB `TIMESTAMP` (no time zone) Spark's `TIMESTAMP_NTZ`."""

    def fix(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.TIMESTAMP):
            return exp.DataType.build("TIMESTAMP_NTZ", dialect="spark")
        return node

    return tree.transform(fix)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
