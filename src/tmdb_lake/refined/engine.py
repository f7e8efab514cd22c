"""The engine seam of the refined zone: what an engine (DuckDB or Spark) provides.

The refined SQL (`tmdb_lake.refined.tables`) reads *source views*: the trusted tables of
the dts being built (named after them, with `dt`), the previous build of each current table
(`previous_<table>`), and the published dimensions a dated fact is checked against. An
engine makes a view over exactly the Parquet files a manifest lists (`view_files`), runs
the SQL and the checks, and writes Parquet; the build publishes through `Storage`, the same
for every engine. `DuckDBEngine` (`tmdb_lake.trusted.duckdb_engine`) and `SparkRelations`
(`tmdb_lake.trusted.spark_engine`) are the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tmdb_lake.trusted.contract import Column
from tmdb_lake.trusted.engine import WrittenFile


class RefinedEngine(Protocol):
    """A refined-zone engine. One instance builds one unit at a time, then `reset`s."""

    name: str

    def view_files(
        self, name: str, columns: Sequence[Column], keys: Sequence[str], *, dated: bool
    ) -> None:
        """Make `name` a view over these Parquet files (lake keys); `dt` from the path if dated."""
        ...

    def materialize(self, name: str, sql: str) -> int:
        """Run DuckDB-dialect `sql` into a relation `name` that later SQL can read; give rows."""
        ...

    def scalars(self, sqls: Sequence[str]) -> list[int]:
        """Run DuckDB-dialect queries each giving one integer (check queries)."""
        ...

    def write_parquet(self, name: str, prefix: str, stem: str) -> list[WrittenFile]:
        """Write relation `name` as Parquet files `<prefix><stem>_<n>.parquet` (keys)."""
        ...

    def reset(self) -> None:
        """Drop every relation of the current unit."""
        ...
