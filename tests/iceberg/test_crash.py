"""An Iceberg build killed (SIGKILL) anywhere, even between a snapshot's manifests and its
commit: every table keeps its previous snapshot, whole; the next transform ends exact."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from iceberg.icelake import (  # type: ignore[import-not-found]
    NAMES,
    parquet_rows,
    pyiceberg_rows,
    snapshots,
    unreachable_data_files,
)
from tmdb_lake.trusted.faults import ICEBERG_POINTS
from trusted.conftest import DAY2  # type: ignore[import-not-found]

ICEBERG = ("--table-format", "iceberg")
NEW_DAY2 = ("--date", DAY2, "--details", "--genres", "", "--format", "jsonl", "--limit", "25")


@pytest.mark.parametrize("point", ICEBERG_POINTS)
def test_sigkill_while_replacing_a_day_keeps_the_previous_snapshots(
    cli, raw_lake: Path, point: str
) -> None:
    assert cli("transform", "--lake", "lake", *ICEBERG, "--quiet").code == 0
    before = {name: s[-1].snapshot_id for name, s in snapshots(raw_lake).items()}
    old_rows = {name: pyiceberg_rows(raw_lake, name) for name in NAMES}
    assert cli("ingest", "--lake", "lake", "--quiet", *NEW_DAY2, "--replace").code == 0

    killed = cli("transform", "--lake", "lake", *ICEBERG, env={"TMDB_LAKE_TRUSTED_CRASH_AT": point})
    assert killed.code == -signal.SIGKILL
    now = {name: s[-1].snapshot_id for name, s in snapshots(raw_lake).items()}
    moved = [name for name in NAMES if now[name] != before[name]]
    if point == "iceberg-committed":
        assert moved == [NAMES[0]]  # the first table's commit landed, no other
    elif point == "committed":
        assert moved == NAMES  # every table committed; the dt's manifest is what is left
    else:
        assert moved == []
    for name in NAMES:
        if name not in moved:  # the previous snapshot, whole and readable
            assert pyiceberg_rows(raw_lake, name) == old_rows[name], name

    rerun = cli("transform", "--lake", "lake", *ICEBERG, "--json")
    assert rerun.code == 0, rerun.stderr
    assert cli("transform", "--lake", "lake", "--quiet").code == 0  # the Parquet oracle
    for name in NAMES:
        assert pyiceberg_rows(raw_lake, name) == parquet_rows(raw_lake, name), name
        assert unreachable_data_files(raw_lake, name) == [], name
    assert not list(raw_lake.glob("trusted/TMDB/ICEBERG/_commits/*"))
    assert "nothing to do" in cli("transform", "--lake", "lake", *ICEBERG).stdout


def test_sigkill_in_a_first_build_then_rerun(cli, raw_lake: Path) -> None:
    killed = cli(
        "transform", "--lake", "lake", *ICEBERG, env={"TMDB_LAKE_TRUSTED_CRASH_AT": "staged"}
    )
    assert killed.code == -signal.SIGKILL
    assert list(raw_lake.glob("trusted/TMDB/ICEBERG/_commits/*"))  # the intent names the folders
    assert cli("transform", "--lake", "lake", *ICEBERG, "--quiet").code == 0
    assert cli("transform", "--lake", "lake", "--quiet").code == 0
    for name in NAMES:
        assert pyiceberg_rows(raw_lake, name) == parquet_rows(raw_lake, name), name
        assert unreachable_data_files(raw_lake, name) == [], name
