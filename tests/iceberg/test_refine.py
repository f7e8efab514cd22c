"""`refine --table-format iceberg`: the refined zone as Iceberg tables, read from the trusted
Iceberg tables; the same rows as the Parquet build, one snapshot per replace, a crash
mid-commit leaves whole snapshots, time travel, and `maintain` between refines."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import signal
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from iceberg.icelake import (  # type: ignore[import-not-found]
    REFINED_NAMESPACE,
    catalog,
    duckdb_connection,
    refined_columns,
    refined_parquet_rows,
    refined_pyiceberg_rows,
    refined_snapshots,
    unreachable_data_files,
)
from iceberg.test_maintain import split_into_small_files  # type: ignore[import-not-found]
from refined.conftest import (  # type: ignore[import-not-found]
    DAY3,
    engine_settings,
    refine_settings,
    refined_lake_template,  # noqa: F401  (a fixture)
    transform_settings,
)
from tmdb_lake.errors import StorageError
from tmdb_lake.lake.storage import open_storage
from tmdb_lake.refined.iceberg import read_plan
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.refined.tables import CURRENT, TABLES
from tmdb_lake.settings import EngineSettings, MaintainSettings
from tmdb_lake.trusted.session import maintain_lake, open_sink, query_lake, transform_lake
from tmdb_lake.trusted.transform import read_trusted_manifests
from trusted.conftest import DAY1, DAY2, Cli  # type: ignore[import-not-found]

ICEBERG = ("--table-format", "iceberg")
NAMES = [t.name for t in TABLES]
CURRENT_NAMES = [t.name for t in CURRENT]


def both_formats(lake: Path, until: str = DAY2, **changes: object) -> None:
    """Transform to Iceberg (the template has the Parquet trusted zone), refine both formats.

    In-process, for speed: the crash tests run the CLI as a process.
    """
    day = {"until": date.fromisoformat(until)}
    transform_lake(transform_settings(lake, table_format="iceberg", **day, **changes))
    transform_lake(transform_settings(lake, **day, **changes))
    for table_format in ("parquet", "iceberg"):
        report = refine_lake(refine_settings(lake, table_format=table_format, **changes))
        assert not report.failed, report.as_dict()


def maintain_settings(lake: Path, **changes: object) -> MaintainSettings:
    base = {n: getattr(engine_settings(lake), n) for n in EngineSettings.__dataclass_fields__}
    return MaintainSettings(**{**base, "table_format": "iceberg", **changes})  # type: ignore[arg-type]


def rows(lake: Path, sql: str, as_of: str | None = None) -> list[tuple[Any, ...]]:
    """What `query --table-format iceberg` gives (in-process)."""
    settings = dataclasses.replace(engine_settings(lake), table_format="iceberg")
    return query_lake(settings, sql, as_of)[1]


@pytest.fixture(scope="module")
def built(refined_lake_template: Path, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]  # noqa: F811
    """Both formats refined from DAY1-DAY2, made once: tests here only read it (the sql
    catalog holds absolute paths, so a copy would still point at these tables)."""
    where = tmp_path_factory.mktemp("refined-iceberg")
    shutil.copytree(refined_lake_template, where / "lake")
    both_formats(where / "lake")
    return where / "lake"


@pytest.fixture
def lake(refined_lake_template: Path, cli: Cli) -> Path:  # noqa: F811
    """A private lake, both formats refined from DAY1-DAY2 (for a test that changes it)."""
    shutil.copytree(refined_lake_template, cli.cwd / "lake")
    both_formats(cli.cwd / "lake")
    return cli.cwd / "lake"


def assert_same_as_parquet(lake: Path) -> None:
    for name in NAMES:
        assert refined_pyiceberg_rows(lake, name) == refined_parquet_rows(lake, name), name


def test_refined_iceberg_tables_match_the_parquet_build_row_for_row(built: Path) -> None:
    assert_same_as_parquet(built)
    assert all(refined_parquet_rows(built, name) for name in NAMES)  # nothing compared empty
    for name in NAMES:
        table = catalog(built).load_table((REFINED_NAMESPACE, name))
        assert [f.name for f in table.schema().fields] == refined_columns(name)
        assert table.location() == str((built / f"refined/TMDB/ICEBERG/{name}").resolve())
        partitioning = [(f.name, str(f.transform)) for f in table.spec().fields]
        assert partitioning == ([("dt", "identity")] if name == "fact_title_snapshot" else [])
    # one snapshot per replace: each current table once, the dated fact once per dt
    counts = {name: len(s) for name, s in refined_snapshots(built).items()}
    assert counts == {name: 1 if name in CURRENT_NAMES else 2 for name in NAMES}
    # DuckDB's own Iceberg reader agrees with pyiceberg
    fact = catalog(built).load_table((REFINED_NAMESPACE, "fact_title_snapshot"))
    with duckdb_connection() as db:
        scanned = db.execute(
            f"SELECT dt, count(*) FROM iceberg_scan('{fact.metadata_location}') GROUP BY dt"
        ).fetchall()
    per_dt = {}
    for row in refined_parquet_rows(built, "fact_title_snapshot"):
        per_dt[row[-1]] = per_dt.get(row[-1], 0) + 1
    assert dict(scanned) == per_dt and sorted(d.isoformat() for d in per_dt) == [DAY1, DAY2]
    current = json.loads((built / "refined/TMDB/ICEBERG/_manifests/current.json").read_text())
    assert current["table_format"] == "iceberg" and current["namespace"] == REFINED_NAMESPACE
    assert current["mode"] == "full"
    assert [i["manifest_key"] for i in current["inputs"]] == [
        f"trusted/TMDB/ICEBERG/_manifests/dt={day}.json" for day in (DAY1, DAY2)
    ]
    assert not list(built.glob("refined/TMDB/ICEBERG/_commits/*"))
    assert not list(built.glob("refined/TMDB/_staging/**/*.parquet"))


def test_query_sees_the_refined_iceberg_tables_and_views(built: Path, trusted_simulator) -> None:
    sql = (
        "SELECT (SELECT count(*) FROM movie_current) AS movies, "
        "(SELECT count(*) FROM series_current WHERE len(genres) > 0) AS series_with_genres, "
        "(SELECT count(*) FROM fact_title_snapshot) AS facts, "
        "(SELECT count(*) FROM movie WHERE dt = DATE '2024-05-02') AS trusted_movies"
    )
    parquet = query_lake(engine_settings(built), sql)[1]
    assert rows(built, sql) == parquet
    movies, with_genres, facts, trusted_movies = parquet[0]
    assert movies == len(refined_parquet_rows(built, "dim_movie")) and with_genres > 0
    assert facts == len(refined_parquet_rows(built, "fact_title_snapshot"))
    assert trusted_movies == 60
    again = Cli(trusted_simulator, built.parent)("refine", "--lake", "lake", *ICEBERG)
    assert again.code == 0 and "nothing to do" in again.stdout


@pytest.mark.spark
def test_refine_on_spark_with_iceberg_runs_from_the_cli(built: Path, trusted_simulator):  # type: ignore[no-untyped-def]
    """The CLI takes Spark with Iceberg (tests/iceberg/test_spark.py builds with it)."""
    run = Cli(trusted_simulator, built.parent)
    done = run("refine", "--lake", "lake", "--engine", "spark", *ICEBERG, "--threads", "1")
    assert done.code == 0, done.stderr
    assert "nothing to do" in done.stdout


def test_a_new_day_merges_in_one_snapshot_per_table_even_after_crashes(
    cli: Cli, lake: Path
) -> None:
    before = refined_snapshots(lake)
    old = {name: refined_pyiceberg_rows(lake, name) for name in NAMES}
    for table_format in ("iceberg", "parquet"):
        transform_lake(transform_settings(lake, table_format=table_format))  # adds DAY3

    # Killed between the first and the second current table's commits, every table's files
    # written: the first table is on its new snapshot, every other on its previous one.
    env = {"TMDB_LAKE_REFINED_CRASH_AT": "iceberg-committed"}
    killed = cli("refine", "--lake", "lake", *ICEBERG, env=env)
    assert killed.code == -signal.SIGKILL, killed.stderr
    now = refined_snapshots(lake)
    assert [n for n in NAMES if len(now[n]) != len(before[n])] == ["dim_movie"]
    for name in NAMES[1:]:
        assert refined_pyiceberg_rows(lake, name) == old[name], name
    uncommitted = unreachable_data_files(lake, "dim_series", REFINED_NAMESPACE)
    assert uncommitted and list(lake.glob("refined/TMDB/ICEBERG/_commits/current.json"))
    # `query` reads the current tables as their manifest published them: the old build
    assert rows(lake, "SELECT count(*) FROM dim_movie") == [(len(old["dim_movie"]),)]

    merged = refine_lake(refine_settings(lake, table_format="iceberg")).as_dict()
    assert merged["current"]["mode"] == "incremental" and merged["current"]["added"] == [DAY3]
    assert merged["built"] == [DAY3] and merged["up_to_date"] == 2
    refine_lake(refine_settings(lake))  # the Parquet oracle
    assert_same_as_parquet(lake)
    after = refined_snapshots(lake)
    for name in NAMES:  # one more snapshot each (dim_movie: plus the crashed run's)
        grown = len(after[name]) - len(before[name])
        assert grown == (2 if name == "dim_movie" else 1), name
        if name != "dim_movie":
            assert after[name][-1].parent_snapshot_id == before[name][-1].snapshot_id
    assert not list(lake.glob("refined/TMDB/ICEBERG/_commits/*"))
    assert not any(unreachable_data_files(lake, name, REFINED_NAMESPACE) for name in NAMES)
    assert refine_lake(refine_settings(lake, table_format="iceberg")).units == []

    # Time travel: the refined tables as the first refine left them (its last commit).
    earlier = before["fact_title_snapshot"][-1]
    sql = "SELECT count(*), count(DISTINCT dt) FROM fact_title_snapshot"
    assert rows(lake, sql) == [(len(refined_parquet_rows(lake, "fact_title_snapshot")), 3)]
    assert rows(lake, sql, str(earlier.snapshot_id)) == [(len(old["fact_title_snapshot"]), 2)]
    count = "SELECT count(*) FROM movie_current"
    assert rows(lake, count, str(earlier.snapshot_id)) == [(len(old["dim_movie"]),)]
    moment = datetime.fromtimestamp(earlier.timestamp_ms / 1000 + 0.0005, UTC).isoformat()
    assert rows(lake, count, moment) == [(len(old["dim_movie"]),)]


def test_maintain_between_refines_keeps_them_exact(lake: Path) -> None:
    # Small trusted files of DAY1 (as a Spark writer leaves), then compaction and expiry:
    # the files and snapshot the trusted manifest of DAY1 names are gone.
    split_into_small_files(lake, "movie", DAY1)
    manifest = json.loads((lake / f"trusted/TMDB/ICEBERG/_manifests/dt={DAY1}.json").read_text())
    listed = [Path(f["key"]) for f in manifest["tables"]["movie"]["files"]]
    done = maintain_lake(maintain_settings(lake, retention_days=0.0))
    by_table = {item["table"]: item for item in done}
    assert by_table["movie"]["compacted"] == {DAY1: [3, 1]}
    assert set(by_table) >= {"movie", *NAMES}  # the refined tables are maintained too
    assert not any(path.exists() for path in listed)
    assert all(by_table[name]["snapshots_left"] == 1 for name in NAMES)

    # Every trusted dt read again (DAY1's movies from the compacted file), every refined
    # table replaced again after its history was expired: the same rows.
    full = refine_lake(refine_settings(lake, table_format="iceberg", full=True)).as_dict()
    assert full["current"]["mode"] == "full" and full["built"] == [DAY1, DAY2]
    assert_same_as_parquet(lake)
    counts = {name: len(s) for name, s in refined_snapshots(lake).items()}
    assert counts == {name: 2 if name in CURRENT_NAMES else 3 for name in NAMES}  # 1 kept


def test_a_trusted_dt_gone_removes_its_refined_partition_in_both_formats(lake: Path) -> None:
    # A user deleted DAY2 from the trusted zone (its manifest is the commit point).
    for folder in ("trusted/TMDB/_manifests", "trusted/TMDB/ICEBERG/_manifests"):
        (lake / folder / f"dt={DAY2}.json").unlink()
    before = refined_snapshots(lake)["fact_title_snapshot"]
    for table_format in ("iceberg", "parquet"):
        report = refine_lake(refine_settings(lake, table_format=table_format)).as_dict()
        assert report["removed"] == [DAY2], table_format
    assert_same_as_parquet(lake)
    facts = refined_pyiceberg_rows(lake, "fact_title_snapshot")
    assert facts and {row[-1].isoformat() for row in facts} == {DAY1}
    after = refined_snapshots(lake)["fact_title_snapshot"]
    assert len(after) == len(before) + 1  # the removal is one snapshot
    assert not (lake / f"refined/TMDB/ICEBERG/_manifests/dt={DAY2}.json").exists()
    assert not (lake / f"refined/TMDB/_manifests/dt={DAY2}.json").exists()
    again = refine_lake(refine_settings(lake, table_format="iceberg"))
    assert again.units == [] and again.removed == []


def test_a_dt_replaced_by_a_build_without_its_manifest_is_read_at_the_manifests_snapshot(
    cli: Cli, lake: Path
) -> None:
    # A transform of DAY1 killed after its first table's commit: `genre`'s DAY1 partition
    # holds that build's rows, the dt's manifest still names the previous build.
    env = {"TMDB_LAKE_TRUSTED_CRASH_AT": "iceberg-committed"}
    killed = cli("transform", "--lake", "lake", *ICEBERG, "--date", DAY1, "--full", env=env)
    assert killed.code == -signal.SIGKILL, killed.stderr
    settings = dataclasses.replace(engine_settings(lake), table_format="iceberg")
    sink = open_sink(settings, "trusted")
    manifests = asyncio.run(read_trusted_manifests(open_storage(str(lake)), sink.layout))
    day1, day2 = date.fromisoformat(DAY1), date.fromisoformat(DAY2)
    genre = sink.existing("genre")
    assert genre is not None and genre.current_snapshot() is not None
    named = sink.snapshots(manifests[day1])["genre"]
    assert genre.current_snapshot().snapshot_id != named
    plan = read_plan(genre, "genre", [manifests[day1], manifests[day2]], sink)
    assert dict(plan) == {named: (day1,), genre.current_snapshot().snapshot_id: (day2,)}

    full = refine_lake(refine_settings(lake, table_format="iceberg", full=True)).as_dict()
    assert full["built"] == [DAY1, DAY2] and not full["failed"]
    assert_same_as_parquet(lake)

    # Once that snapshot is expired, the manifest's rows cannot be read: said in one line.
    genre.maintenance.expire_snapshots().by_id(named).commit()
    with pytest.raises(StorageError, match="run transform --table-format iceberg, then refine"):
        read_plan(sink.existing("genre"), "genre", [manifests[day1]], sink)
