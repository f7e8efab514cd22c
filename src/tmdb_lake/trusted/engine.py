"""The engine seam: what a trusted-zone engine (DuckDB today, Spark later) must provide.

The table SQL (`tmdb_lake.trusted.tables`) is written once, in DuckDB SQL, over *source
views* the engine provides. The engine owns everything engine-specific:

- reading raw files with the declared raw schema (`tmdb_lake.trusted.sources`) into the
  source views `movie_record`, `series_record` and `genre_record`, with the contract's
  typing rules, and auditing them (unknown fields, values that do not fit, records
  without a usable id);
- running SQL (intermediate models, tables, checks), translated to its dialect;
- writing a table to Parquet files (zstd, `dt` only in the path).

Source view columns: every declared field of the source that is not `KNOWN` (top-level
names; objects as structs, lists as lists), then `_source` (`discover`, `details`,
`changes`, `genres`), `_run_id`, `_ingested_at` (TIMESTAMP), `_source_key`, `_extra`
(JSON text of unknown top-level fields, or NULL). `genre_record` has `media`, `id`,
`name`, `language` and the lineage columns.

The build (`tmdb_lake.trusted.build`) drives an engine one `dt` at a time, and does the
publishing (staging, trusted manifest, cleanup) itself through `Storage`, so an engine
never decides what readers see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tmdb_lake.lake.layout import FileFormat
from tmdb_lake.trusted.contract import IntermediateModel
from tmdb_lake.trusted.sources import SourceName

RecordKind = Literal["discover", "details", "changes", "genres"]
Media = Literal["movie", "tv"]


@dataclass(frozen=True)
class RawInput:
    """One raw (dataset, day) to read: the files its newest manifest lists, and its lineage."""

    source: SourceName
    kind: RecordKind
    media: Media
    dataset: str
    run_id: str
    manifest_key: str
    ingested_at: str
    """The raw manifest's `finished_at` (ISO 8601, UTC)."""
    format: FileFormat
    files: tuple[str, ...]
    """Lake-relative keys."""
    records: int
    language: str | None = None


@dataclass
class SourceAudit:
    """What loading the source views found, for the drift and quality report."""

    records: dict[str, int] = field(default_factory=dict)
    """Records read per dataset."""
    rejected: dict[str, int] = field(default_factory=dict)
    """Records without a usable id per dataset (not loaded)."""
    rejected_keys: dict[str, list[str]] = field(default_factory=dict)
    """A few raw file keys holding rejected records, per dataset."""
    unknown: list[tuple[SourceName, str, int, str]] = field(default_factory=list)
    """(source, field path, records carrying it, first file key) per unknown field."""
    unknown_sampled: list[tuple[SourceName, str, int, str]] = field(default_factory=list)
    """Unknown nested fields, found in the first record of every raw file."""
    sampled_records: int = 0
    mismatched: list[tuple[SourceName, str, int]] = field(default_factory=list)
    """(source, field, values set to NULL) per field whose values did not fit the type."""


@dataclass(frozen=True)
class WrittenFile:
    """One Parquet file an engine wrote: its lake-relative key and row count."""

    key: str
    rows: int


class Engine(Protocol):
    """A trusted-zone engine. One instance builds one `dt` at a time, then `reset`s."""

    name: str

    def load_sources(self, inputs: Sequence[RawInput]) -> SourceAudit:
        """Read `inputs` (one dt) into the three source views, audited."""
        ...

    def materialize_model(self, model: IntermediateModel) -> int:
        """Build an intermediate model (an engine may take its `unique_shortcut`); give rows."""
        ...

    def materialize(self, name: str, sql: str) -> int:
        """Run DuckDB-dialect `sql` into a relation `name` that later SQL can read; give rows."""
        ...

    def scalar(self, sql: str) -> int:
        """Run DuckDB-dialect `sql` giving one integer (check queries)."""
        ...

    def scalars(self, sqls: Sequence[str]) -> list[int]:
        """Run several `scalar` queries at once (Spark plans and schedules them together)."""
        ...

    def write_parquet(self, name: str, prefix: str, stem: str) -> list[WrittenFile]:
        """Write relation `name` as Parquet files `<prefix><stem>_<n>.parquet` (keys)."""
        ...

    def reset(self) -> None:
        """Drop every relation of the current dt."""
        ...

    def close(self) -> None:
        """Release the engine."""
        ...


class ScalarQueries(Protocol):
    """The one engine method the shared helpers below need."""

    def scalar(self, sql: str) -> int:
        """Run DuckDB-dialect `sql` giving one integer."""
        ...


def unique_shortcut(engine: ScalarQueries, model: IntermediateModel) -> str | None:
    """Give the relation `model` may be taken as (its key is already unique there), or None."""
    if model.unique_shortcut is None:
        return None
    relation, key = model.unique_shortcut
    duplicated = engine.scalar(f"SELECT count(*) - count(DISTINCT {key}) FROM {relation}")
    return relation if duplicated == 0 else None
