"""The report's aggregates, each on a small lake written by hand with known answers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import orjson
from bench.report_size import declared

from tmdb_lake.lake.commit import CommitIntent
from tmdb_lake.lake.layout import LakeLayout, TablesLayout
from tmdb_lake.lake.lease import Holder, LeaseRecord
from tmdb_lake.lake.manifest import DatasetManifest, ManifestFile, RunManifest
from tmdb_lake.lake.staging import RunRecord
from tmdb_lake.lake.storage import open_storage
from tmdb_lake.refined.query import read_refined
from tmdb_lake.report.data import refined_aggregates
from tmdb_lake.report.health import findings, freshness
from tmdb_lake.report.refined import create_refined_views
from tmdb_lake.report.runs import RunsReader
from tmdb_lake.report.sections import per_run
from tmdb_lake.settings import EngineSettings
from tmdb_lake.trusted.manifest import TableFiles, TrustedManifest
from tmdb_lake.trusted.session import open_duckdb

LAYOUT = LakeLayout()
D1, D2, D3 = date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)


def manifest(run_id: str, day: date, records: dict[str, int], **extra: Any) -> RunManifest:
    superseded = extra.pop("superseded_by", None)
    datasets = {
        name: DatasetManifest(name, "snapshot", n, (ManifestFile(f"k/{name}", n, 10),),
                              lease_generation=1, superseded_by=superseded)
        for name, n in records.items()
    }  # fmt: skip
    return RunManifest(run_id, day, True, f"{day}T06:00:00+00:00", f"{day}T06:02:30+00:00",
                       datasets, extra=extra)  # fmt: skip


def put(lake: Path, key: str, data: bytes) -> None:
    (lake / key).parent.mkdir(parents=True, exist_ok=True)
    (lake / key).write_bytes(data)


def test_runs_from_manifests_intents_staging_and_leases(tmp_path: Path) -> None:
    stats = {"requests": 40, "retries": 3, "rate_limited": 2}
    runs = {
        "r1": manifest("r1", D1, {"movies": 100, "genres_movie": 19}, requests=stats),
        "r2": manifest("r2", D2, {"movies": 50}, superseded_by="r3", requests=stats),
        "r3": manifest("r3", D2, {"movies": 60}, attempts=2, requests=stats),
    }
    for run_id, m in runs.items():
        put(tmp_path, LAYOUT.manifest_key(m.partition_date, run_id), m.to_json())
    intent = CommitIntent("20240503-discover-aa", manifest("r4", D3, {"series": 7}), ())
    put(tmp_path, LAYOUT.commit_key(D3, "r4"), intent.to_json())
    for run_key, run_id in (("20240503-details-bb", "r5"), ("20240503-catalog-cc", "r6")):
        record = RunRecord(run_key, run_id, D3, f"{D3}T07:00:00+00:00", ("movie_details",), ("t1",))
        put(tmp_path, LAYOUT.run_record_key(run_key), record.to_json())
    live = LeaseRecord("movie_details/2024-05-03", 1, Holder("t1", "r6", "20240503-catalog-cc"),
                       "", time.time() + 600)  # fmt: skip
    put(tmp_path, LAYOUT.lease_key("movie_details", D3, 1), live.to_json())
    # A committed run's staging left behind (cleanup pending) is not an unfinished run.
    left = RunRecord("20240501-discover-dd", "r1", D1, "", ("movies",), ("t0",))
    put(tmp_path, LAYOUT.run_record_key(left.run_key), left.to_json())

    rows, committed = asyncio.run(RunsReader(open_storage(str(tmp_path))).rows())
    found = {(r.run_id, r.dataset): (r.status, r.records, r.requests) for r in rows}
    assert found == {
        ("r1", "genres_movie"): ("ok", 19, 40),
        ("r1", "movies"): ("ok", 100, 40),
        ("r2", "movies"): ("superseded", 50, 40),
        ("r3", "movies"): ("resumed", 60, 40),
        ("r4", "series"): ("failed", 7, None),
        ("r5", "movie_details"): ("failed", None, None),
        ("r6", "movie_details"): ("running", None, None),
    }
    assert len(committed) == 3
    assert {r.run_id: r.key for r in rows}["r4"] == LAYOUT.commit_key(D3, "r4")
    summary = {r["run_id"]: r for r in per_run(rows)}
    assert summary["r1"]["records"] == 119 and summary["r1"]["seconds"] == 150.0
    assert summary["r1"]["rate_limited"] == 2 and summary["r1"]["retries"] == 3
    assert [summary[r]["status"] for r in ("r2", "r3", "r4", "r6")] == [
        "superseded", "resumed", "failed", "running"]  # fmt: skip


def test_runs_of_a_day_are_in_commit_order_not_run_id_order(tmp_path: Path) -> None:
    # Two runs started in the same second: their ids tie on time and sort by a random suffix.
    first = manifest("20240502T060000Z-ffff", D2, {"movies": 50}, superseded_by="x")
    later = manifest("20240502T060000Z-0000", D2, {"movies": 60})
    later = replace(later, datasets={"movies": replace(later.datasets["movies"],
                                                       lease_generation=2)})  # fmt: skip
    unfinished = RunRecord("20240502-discover-aa", "20240502T050000Z-aaaa", D2, "",
                           ("movies",), ("t1",))  # fmt: skip
    for m in (first, later):
        put(tmp_path, LAYOUT.manifest_key(D2, m.run_id), m.to_json())
    put(tmp_path, LAYOUT.run_record_key(unfinished.run_key), unfinished.to_json())

    rows, _ = asyncio.run(RunsReader(open_storage(str(tmp_path))).rows())
    order = [first.run_id, later.run_id, unfinished.run_id]
    assert [r.run_id for r in rows] == order
    assert [(r["run_id"], r["status"]) for r in per_run(rows)] == list(
        zip(order, ["superseded", "ok", "failed"], strict=True)
    )


def trusted_manifest(dt: date, report_key: str | None) -> TrustedManifest:
    return TrustedManifest(dt, "b1", "", "c", "duckdb", (), {"movie": TableFiles(1, ())},
                           report_key=report_key, cleanup_pending=False)  # fmt: skip


def test_findings_come_from_each_dts_build_report_and_the_newest_failure(tmp_path: Path) -> None:
    tables = TablesLayout()
    old, new = tables.report_key("t1", D1), tables.report_key("t2", D2)
    put(tmp_path, old, orjson.dumps({"days": [{
        "dt": "2024-05-01", "status": "built-with-warnings",
        "unknown_fields": [{"field": "mood", "table": "movie", "records": 4, "sampled": False,
                            "kept_in": "movie._extra", "first_seen": {"key": "raw/x.json"}}],
        "type_mismatches": [{"table": "movie", "column": "budget", "set_to_null": 2}],
        "rejected": [{"dataset": "movies", "records": 1, "reason": "no usable id",
                      "files": ["raw/y.json"]}],
        "checks": [{"table": "movie", "check": "unique(id)", "status": "passed", "offending": 0},
                   {"table": "movie_genre", "check": "relationship", "status": "skipped",
                    "offending": 0, "note": "no genre list"}],
    }]}))  # fmt: skip
    failed = {"table": "movie", "check": "unique(id)", "status": "failed", "offending": 3}
    put(tmp_path, new, orjson.dumps({"days": [{"dt": "2024-05-02", "status": "failed",
                                               "checks": [failed]}]}))  # fmt: skip
    manifests = [trusted_manifest(D1, old)]
    rows = asyncio.run(findings(open_storage(str(tmp_path)), manifests))
    assert [(f.dt, f.kind, f.table, f.count, f.key) for f in rows] == [
        ("2024-05-02", "check failed", "movie", 3, new),
        ("2024-05-01", "unknown field", "movie", 4, "raw/x.json"),
        ("2024-05-01", "type mismatch", "movie", 2, old),
        ("2024-05-01", "rejected", "movies", 1, "raw/y.json"),
        ("2024-05-01", "check skipped", "movie_genre", 0, old),
    ]
    assert rows[-1].detail == "relationship (no genre list)"


def test_freshness_counts_raw_days_not_transformed(tmp_path: Path) -> None:
    from tmdb_lake.lake.manifest import current_snapshots

    m1 = manifest("r1", D1, {"movies": 10})
    m2 = manifest("r2", D2, {"movies": 12, "genres_movie": 19})
    snapshots = current_snapshots([("k1", m1), ("k2", m2)])
    rows = freshness(snapshots, [trusted_manifest(D1, None)], [])
    found = {(f.zone, f.dataset): (f.last_day, f.days, f.behind, f.key) for f in rows}
    assert found[("raw", "movies")] == (D2, 2, 0, "k2")
    assert found[("raw", "genres_movie")] == (D2, 1, 0, "k2")
    assert found[("trusted", "all tables")] == (
        D1,
        1,
        2,
        "trusted/TMDB/_manifests/dt=2024-05-01.json",
    )
    assert found[("refined", "all tables")] == (None, 0, 0, None)


REFINED_ROWS = {
    "dim_movie": "SELECT * FROM (VALUES (1, 'Alpha', 1990), (2, 'Beta', 1990), (3, 'Gamma', 2000)) "
                 "AS t(movie_id, title, decade)",
    "dim_series": "SELECT * FROM (VALUES (10, 'Serial', 2000)) AS t(series_id, name, decade)",
    "dim_genre": "SELECT * FROM (VALUES ('movie', 28, 'Action'), ('movie', 35, 'Comedy'), "
                 "('tv', 35, 'Comedy')) AS t(media, genre_id, name)",
    "bridge_movie_genre": "SELECT * FROM (VALUES (1, 28), (2, 28), (2, 35), (3, 35)) "
                          "AS t(movie_id, genre_id)",
    "bridge_series_genre": "SELECT * FROM (VALUES (10, 35)) AS t(series_id, genre_id)",
    "dim_date": "SELECT * FROM (VALUES (20240501, DATE '2024-05-01'), (20240502, DATE "
                "'2024-05-02')) AS t(date_key, date)",
    "dim_person": "SELECT * FROM (VALUES (7, 'Ana'), (8, 'Bo')) AS t(person_id, name)",
    "fact_credit": "SELECT * FROM (VALUES ('movie', 1, 7, 'cast'), ('movie', 1, 7, 'crew'), "
                   "('movie', 2, 7, 'cast'), ('tv', 1, 7, 'cast'), ('movie', 3, 8, 'crew')) "
                   "AS t(media, title_id, person_id, role)",
}  # fmt: skip


def write_refined_by_hand(lake: Path, tables: dict[str, str]) -> None:
    """Write the refined zone's files and manifests as `refine` lays them out."""
    db = duckdb.connect()
    layout = TablesLayout(zone="refined")
    files = {}
    for name, sql in tables.items():
        key = f"refined/TMDB/PARQUET/{name}/{name}_b1_0.parquet"
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        db.execute(f"COPY ({declared(db, name, sql)}) TO '{lake / key}' (FORMAT parquet)")
        files[name] = TableFiles(0, ((key, 0),))
    current = TrustedManifest(None, "b1", "", "c", "duckdb", (), files, cleanup_pending=False)
    put(lake, layout.manifest_key(None), current.to_json())
    for dt, key_day in ((D1, 20240501), (D2, 20240502)):
        key = f"refined/TMDB/PARQUET/fact_title_snapshot/dt={dt}/fact_title_snapshot_b1_0.parquet"
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        # 12 movies; on the last day movie i has popularity i (the top 10 are 3..12).
        snapshot = (
            f"SELECT 'movie' AS media, i AS title_id, {key_day} AS date_key, "
            f"CAST(i * {1 if dt == D2 else 2} AS DOUBLE) AS popularity FROM range(1, 13) AS r(i)"
        )
        db.execute(
            f"COPY ({declared(db, 'fact_title_snapshot', snapshot)}) TO '{lake / key}' "
            "(FORMAT parquet)"
        )
        listed = {"fact_title_snapshot": TableFiles(12, ((key, 12),))}
        body = TrustedManifest(dt, "b1", "", "c", "duckdb", (), listed, cleanup_pending=False)
        put(lake, layout.manifest_key(dt), body.to_json())
    db.close()


def aggregates(lake: Path) -> dict[str, Any]:
    engine = open_duckdb(EngineSettings(lake=str(lake), work_dir=lake / ".work", threads=1))
    try:
        manifests = asyncio.run(read_refined(open_storage(str(lake))))
        return refined_aggregates(engine, create_refined_views(engine, manifests))
    finally:
        engine.close()


def test_refined_aggregates_over_a_refined_shaped_lake(tmp_path: Path) -> None:
    write_refined_by_hand(tmp_path, REFINED_ROWS)
    found = aggregates(tmp_path)
    assert found["genres"].rows == [
        ("movie", "Action", 1990, 2),
        ("movie", "Comedy", 1990, 1),
        ("movie", "Comedy", 2000, 1),
        ("tv", "Comedy", 2000, 1),
    ]
    popularity = found["popularity"].records()
    assert sorted({p["title_id"] for p in popularity}) == list(range(3, 13))
    assert len(popularity) == 20  # 10 titles x 2 days
    first = popularity[:2]
    assert [(p["title"], p["day"], p["popularity"]) for p in first] == [
        ("movie 12 (movie 12)", "2024-05-01", 24.0),  # no dim_movie row: named by its key
        ("movie 12 (movie 12)", "2024-05-02", 12.0),
    ]
    alpha = next(p for p in popularity if p["title_id"] == 3)
    assert alpha["title"] == "Gamma (movie 3)"
    assert found["people"].rows == [(7, "Ana", 3, 3, 1), (8, "Bo", 1, 0, 1)]


def test_a_lake_without_refined_tables_says_so(tmp_path: Path) -> None:
    write_refined_by_hand(tmp_path, {k: v for k, v in REFINED_ROWS.items() if k != "dim_person"})
    found = aggregates(tmp_path)
    assert found["people"] == "the lake has no refined dim_person yet (tmdb-lake refine)"
    assert not isinstance(found["genres"], str)
    empty = aggregates(tmp_path / "none")
    assert all(isinstance(v, str) for v in empty.values())
    assert "fact_title_snapshot" in empty["popularity"]
