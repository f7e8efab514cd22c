"""A transform killed (SIGKILL, Ctrl-C) anywhere, then run again: the trusted zone ends exact.

Manifest readers never see a partial dt: at every point, each trusted manifest lists
files that exist. Glob readers see one snapshot once the re-run has ended.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tmdb_lake.trusted.faults import POINTS
from tmdb_lake.trusted.tables import TABLES
from trusted.conftest import DAY1, DAY2, DAY2_ARGS  # type: ignore[import-not-found]
from trusted.test_transform_local import assert_day_matches_raw  # type: ignore[import-not-found]


def manifests(lake: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        p.name[3:-5]: json.loads(p.read_text())
        for p in (lake / "trusted/TMDB/_manifests").glob("dt=*.json")
    }


def assert_manifest_readers_consistent(lake: Path) -> None:
    for manifest in manifests(lake).values():
        for table in manifest["tables"].values():
            for item in table["files"]:
                assert (lake / item["key"]).is_file(), item["key"]


def assert_exact(lake: Path, days: tuple[str, ...]) -> None:
    found = manifests(lake)
    assert sorted(found) == sorted(days)
    for day in days:
        assert_day_matches_raw(lake, day)
        assert found[day]["cleanup_pending"] is False
        for table in TABLES:
            folder = lake / f"trusted/TMDB/PARQUET/{table.name}/dt={day}"
            listed = {f["key"] for f in found[day]["tables"][table.name]["files"]}
            assert {str(p.relative_to(lake)) for p in folder.iterdir()} == listed
    staging = lake / "trusted/TMDB/_staging"
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_point_of_a_first_build_then_rerun(cli, raw_lake: Path, point: str) -> None:
    killed = cli("transform", "--lake", "lake", env={"TMDB_LAKE_TRUSTED_CRASH_AT": point})
    assert killed.code == -signal.SIGKILL
    assert_manifest_readers_consistent(raw_lake)
    if point in ("loaded", "staged", "copied"):
        assert manifests(raw_lake) == {}  # nothing committed yet
    rerun = cli("transform", "--lake", "lake")
    assert rerun.code == 0, rerun.stderr
    assert_exact(raw_lake, (DAY1, DAY2))
    assert "nothing to do" in cli("transform", "--lake", "lake").stdout


def test_sigkill_while_replacing_a_day_keeps_the_old_build_then_rerun(cli, raw_lake: Path) -> None:
    assert cli("transform", "--lake", "lake").code == 0
    old = manifests(raw_lake)[DAY2]
    assert cli("ingest", "--lake", "lake", "--quiet", *DAY2_ARGS).code == 0
    killed = cli("transform", "--lake", "lake", env={"TMDB_LAKE_TRUSTED_CRASH_AT": "copied"})
    assert killed.code == -signal.SIGKILL
    # manifest readers still see the old build, whole; glob readers would see both now
    assert manifests(raw_lake)[DAY2] == old
    assert_manifest_readers_consistent(raw_lake)
    movie = raw_lake / f"trusted/TMDB/PARQUET/movie/dt={DAY2}"
    assert len(list(movie.iterdir())) == 2
    rerun = cli("transform", "--lake", "lake", "--json")
    assert rerun.code == 0, rerun.stderr
    assert rerun.json()["built"] == [DAY2]
    assert_exact(raw_lake, (DAY1, DAY2))
    assert manifests(raw_lake)[DAY2]["build_id"] != old["build_id"]


def test_ctrl_c_then_rerun(cli, raw_lake: Path) -> None:
    stopped = cli("transform", "--lake", "lake", env={"TMDB_LAKE_TRUSTED_INTERRUPT_AT": "staged"})
    assert stopped.code == 130
    assert "interrupted" in stopped.stderr
    assert cli("transform", "--lake", "lake").code == 0
    assert_exact(raw_lake, (DAY1, DAY2))


def test_external_sigkill_during_the_build_then_rerun(cli, raw_lake: Path) -> None:
    """A real kill from outside, the moment the first staged file of the second day appears."""
    run = cli.spawn("transform", "--lake", "lake")
    staging = raw_lake / f"trusted/TMDB/_staging/dt={DAY2}"
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        if staging.exists() and any(staging.rglob("*.parquet")):
            run.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    run.communicate(timeout=60)
    assert_manifest_readers_consistent(raw_lake)
    assert cli("transform", "--lake", "lake").code == 0
    assert_exact(raw_lake, (DAY1, DAY2))
