"""A contract change (a new column) evolves the Iceberg table in place: same table, old
files untouched and still readable, the new column filled from the next build on."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from pathlib import Path

import pytest

import tmdb_lake.trusted.build as build_module
from iceberg.icelake import catalog, duckdb_connection  # type: ignore[import-not-found]
from tmdb_lake.iceberg.reading import AsOf, ViewGroup, create_views
from tmdb_lake.lake.lease import Holder
from tmdb_lake.run import open_lake
from tmdb_lake.settings import EngineSettings, TransformSettings
from tmdb_lake.trusted.contract import Column, contract_id
from tmdb_lake.trusted.lease import LeasePolicy
from tmdb_lake.trusted.session import open_engine, open_sink
from tmdb_lake.trusted.tables import INTERMEDIATE, TABLES
from tmdb_lake.trusted.transform import Selection, transform
from trusted.conftest import DAY1, DAY2  # type: ignore[import-not-found]


def build(lake: Path, work: Path) -> list[str]:
    settings = TransformSettings(
        lake=str(lake), table_format="iceberg", work_dir=work, threads=2, memory_limit="512MB"
    )
    policy = LeasePolicy(Holder(secrets.token_hex(6), "test-evolution", "transform"))
    storage, engine = open_lake(settings), open_engine(settings)
    sink = open_sink(settings, "trusted")

    async def job() -> list[str]:
        try:
            report = await transform(storage, engine, Selection(), policy, sink=sink)
            return [d.dt for d in report.days]
        finally:
            await storage.close()

    try:
        return asyncio.run(job())
    finally:
        engine.close()


def test_a_new_column_evolves_the_table_in_place(
    raw_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build(raw_lake, tmp_path / "work") == [DAY1, DAY2]
    table = catalog(raw_lake).load_table(("tmdb_trusted", "movie"))
    uuid, location = table.metadata.table_uuid, table.location()
    old_ids = {f.name: f.field_id for f in table.schema().fields}
    old_snapshot = table.current_snapshot().snapshot_id
    old_files = {t.file.file_path for t in table.scan().plan_files()}

    movie = next(t for t in TABLES if t.name == "movie")
    extra = Column("title_length", "INTEGER", True, "<len(title)>", "Characters in the title")
    evolved = dataclasses.replace(
        movie,
        columns=(*movie.columns, extra),
        sql=f"SELECT *, length(title) AS title_length FROM ({movie.sql}) AS m",
    )
    tables = tuple(evolved if t.name == "movie" else t for t in TABLES)
    monkeypatch.setattr(build_module, "TABLES", tables)
    monkeypatch.setattr(build_module, "CONTRACT_ID", contract_id(tables, INTERMEDIATE))

    assert build(raw_lake, tmp_path / "work") == [DAY1, DAY2]  # a new contract: rebuilt
    table = catalog(raw_lake).load_table(("tmdb_trusted", "movie"))
    assert table.metadata.table_uuid == uuid and table.location() == location
    ids = {f.name: f.field_id for f in table.schema().fields}
    assert {n: ids[n] for n in old_ids} == old_ids  # no column renumbered
    assert ids["title_length"] > max(old_ids.values())
    assert len(table.metadata.schemas) == 2  # one schema change, in place
    assert all(Path(f).is_file() for f in old_files)  # nothing rewritten

    with duckdb_connection() as db:
        now = db.execute(
            "SELECT count(*), count(*) FILTER (title_length = length(title)) "
            f"FROM iceberg_scan('{table.metadata_location}') WHERE title IS NOT NULL"
        ).fetchone()
        then = db.execute(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM iceberg_scan("
            f"'{table.metadata_location}', snapshot_from_id => {old_snapshot}))"
        ).fetchall()
    assert now is not None and now[0] > 0 and now[0] == now[1]
    assert ("title_length",) not in then and ("title",) in then  # read with its own schema

    # `query --as-of` that old snapshot: the view has the declared column, NULL in old files.
    settings = EngineSettings(lake=str(raw_lake), table_format="iceberg", work_dir=tmp_path)
    engine, sink = open_engine(settings), open_sink(settings, "trusted")
    try:
        at = AsOf(snapshot_id=old_snapshot)
        groups = [ViewGroup(sink.namespace, tables)]
        create_views(engine, sink.catalog, groups, sink.config.s3, at)
        _, rows = engine.query("SELECT count(*), count(title_length) FROM movie")
    finally:
        engine.close()
    assert rows[0][0] > 0 and rows[0][1] == 0
