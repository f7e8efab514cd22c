"""The trusted zone's raw reading on Spark: the files the manifests list, typed, audited.

Per source (movie, series, genre), for one dt:

1. one text DataFrame of raw records: a JSON-array file (`--format json`) is read whole
   and split into its records (`from_json(..., 'ARRAY<STRING>')` keeps each record's
   JSON text), a JSONL file line by line; each record carries its file's lake key and
   the lineage constants of its raw dataset;
2. `tmdb_lake.trusted.spark_reading.record_select` types it (persisted: one parse);
3. the audit runs over the persisted rows (records and rejected records per dataset,
   unknown fields, the sample's nested unknown fields, values that did not fit); a read
   that does not give the record count the raw manifest lists fails the build, since
   Spark's JSON functions turn an unreadable file into NULL instead of an error;
4. when the records carry unknown top-level fields, the select runs again with their
   names, to keep their values in `_extra` (a drift day reads its raw files twice);
5. the source view is the persisted rows with a usable id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tmdb_lake.errors import StorageError
from tmdb_lake.trusted.engine import RawInput, SourceAudit
from tmdb_lake.trusted.reading import literal
from tmdb_lake.trusted.sources import SOURCES, SPECS, SourceName, top_scalars
from tmdb_lake.trusted.spark_reading import BAD_PREFIX, ident, record_select

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from tmdb_lake.trusted.spark_engine import SparkRelations

REJECTED_KEYS_SHOWN = 3
_CONSTANTS: dict[SourceName, tuple[str, ...]] = {
    "movie": ("_source", "_run_id", "_ingested_at"),
    "series": ("_source", "_run_id", "_ingested_at"),
    "genre": ("_source", "_run_id", "_ingested_at", "media", "language"),
}


def load_sources(engine: SparkRelations, inputs: Sequence[RawInput]) -> SourceAudit:
    """Read every input of one dt into the three source views; give what the audit found."""
    audit = SourceAudit()
    for source in SOURCES:
        mine = [i for i in inputs if i.source == source]
        text_view = f"_{source}_text"
        engine.view(text_view, _text(engine, source, mine))
        constants = _CONSTANTS[source]
        loaded = f"_{source}_loaded"
        select = record_select(SPECS[source], text_view, constants)
        engine.register(loaded, engine.spark.sql(select))
        _count_records(engine, loaded, mine, audit)
        extra = _audit_fields(engine, source, loaded, audit)
        if extra:
            select = record_select(SPECS[source], text_view, constants, extra)
            engine.register(loaded, engine.spark.sql(select))
        flags = [ident(BAD_PREFIX + name) for name, _ in top_scalars(SPECS[source])]
        view = engine.spark.table(loaded).where("id IS NOT NULL").drop(*flags)
        engine.view(f"{source}_record", view)
    return audit


def _text(engine: SparkRelations, source: SourceName, items: Sequence[RawInput]) -> DataFrame:
    """Give one row per raw record: `json`, `_source_key` and the lineage constants."""
    from pyspark.sql import functions as F

    schema = "json STRING, _source_key STRING, " + ", ".join(
        f"{c} {'TIMESTAMP_NTZ' if c == '_ingested_at' else 'STRING'}" for c in _CONSTANTS[source]
    )
    frame = engine.spark.createDataFrame([], schema)
    for item in items:
        if not item.files:
            continue
        urls = [engine.url(key) for key in item.files]
        whole = item.format == "json"
        read = engine.spark.read.text(urls, wholetext=whole).select(
            "value", F.col("_metadata.file_path").alias("path")
        )
        if whole:
            records = read.select(
                F.explode(F.from_json("value", "ARRAY<STRING>")).alias("json"), "path"
            )
        else:
            records = read.where(F.trim("value") != "").select(F.col("value").alias("json"), "path")
        root = len(engine.spark_root)
        constants = {
            "_source": F.lit(item.kind),
            "_run_id": F.lit(item.run_id),
            "_ingested_at": F.expr(
                f"CAST(CAST({literal(item.ingested_at)} AS TIMESTAMP) AS TIMESTAMP_NTZ)"
            ),
            "media": F.lit(item.media),
            "language": F.lit(item.language).cast("string"),
        }
        frame = frame.unionByName(
            records.select(
                "json",
                F.expr(f"substring(path, {root + 1})").alias("_source_key"),
                *(constants[c].alias(c) for c in _CONSTANTS[source]),
            )
        )
    return frame


def _count_records(
    engine: SparkRelations, loaded: str, items: Sequence[RawInput], audit: SourceAudit
) -> None:
    """Count records and rejected ones per dataset; check them against the raw manifests."""
    per_file = {
        str(key): (int(total), int(rejected))
        for key, total, rejected in engine.spark.sql(
            f"SELECT _source_key, count(*), count_if(id IS NULL) FROM {loaded} GROUP BY _source_key"
        ).collect()
    }
    listed = {key for item in items for key in item.files}
    if stray := sorted(set(per_file) - listed):
        raise StorageError(f"Spark names a raw file outside the manifests: {stray[0]}")
    for item in items:
        counts = [per_file[key] for key in item.files if key in per_file]
        total, rejected = sum(c[0] for c in counts), sum(c[1] for c in counts)
        if total != item.records:
            raise StorageError(
                f"Spark read {total} records of {item.dataset} ({item.manifest_key}), whose "
                f"raw manifest lists {item.records}: a raw file could not be read as JSON"
            )
        audit.records[item.dataset] = audit.records.get(item.dataset, 0) + total
        if rejected:
            audit.rejected[item.dataset] = audit.rejected.get(item.dataset, 0) + rejected
            keys = sorted(key for key in item.files if per_file.get(key, (0, 0))[1])
            audit.rejected_keys[item.dataset] = keys[:REJECTED_KEYS_SHOWN]


def _audit_fields(
    engine: SparkRelations, source: SourceName, loaded: str, audit: SourceAudit
) -> list[str]:
    """Record unknown fields and values that did not fit; give the unknown top-level names."""
    kept = f"{loaded} WHERE id IS NOT NULL"
    top = _sightings(engine, "_unknown", kept)
    audit.unknown += [(source, name, count, first) for name, count, first in top]
    nested = _sightings(engine, "_unknown_nested", f"{kept} AND _sampled")
    audit.unknown_sampled += [(source, name, count, first) for name, count, first in nested]
    fields = [name for name, _ in top_scalars(SPECS[source])]
    counts = ", ".join(f"count_if({ident(BAD_PREFIX + name)})" for name in fields)
    row = engine.spark.sql(f"SELECT count_if(_sampled), {counts} FROM {kept}").first()
    values = list(row) if row is not None else [0] * (len(fields) + 1)
    audit.sampled_records += int(values[0] or 0)
    for name, count in zip(fields, values[1:], strict=True):
        if count:
            audit.mismatched.append((source, name, int(count)))
    return [name for name, _, _ in top]


def _sightings(engine: SparkRelations, column: str, rows: str) -> list[tuple[str, int, str]]:
    """Give (field, records, first file) per field name listed in `column` of `rows`."""
    found = engine.spark.sql(
        f"SELECT f, count(*), min(_source_key) FROM (SELECT explode({column}) AS f, "
        f"_source_key FROM {rows}) GROUP BY f ORDER BY f"
    ).collect()
    return [(str(name), int(count), str(first)) for name, count, first in found]
