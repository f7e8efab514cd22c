"""A refine killed (SIGKILL, Ctrl-C) anywhere, then run again: the refined zone ends exact.

At every point, each refined manifest lists files that exist (manifest readers never see a
partial table or partition).
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from refined.checks import assert_model_matches_trusted  # type: ignore[import-not-found]
from refined.conftest import DAY3, refine_settings, transform_settings  # type: ignore[import-not-found]
from tmdb_lake.refined.session import refine_lake
from tmdb_lake.trusted.faults import POINTS
from tmdb_lake.trusted.session import transform_lake


def assert_manifest_readers_consistent(lake: Path) -> None:
    for path in (lake / "refined/TMDB/_manifests").glob("*.json"):
        for table in json.loads(path.read_text())["tables"].values():
            for item in table["files"]:
                assert (lake / item["key"]).is_file(), item["key"]


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_point_of_a_first_refine_then_rerun(cli, lake: Path, point: str) -> None:
    killed = cli("refine", "--lake", "lake", env={"TMDB_LAKE_REFINED_CRASH_AT": point})
    assert killed.code == -signal.SIGKILL
    assert_manifest_readers_consistent(lake)
    if point in ("loaded", "staged", "copied"):
        assert not (lake / "refined/TMDB/_manifests").exists()  # nothing committed yet
    rerun = cli("refine", "--lake", "lake")
    assert rerun.code == 0, rerun.stderr
    assert_model_matches_trusted(lake)
    assert "nothing to do" in cli("refine", "--lake", "lake").stdout


@pytest.mark.parametrize("point", ["copied", "committed"])
def test_sigkill_while_merging_a_day_then_rerun(cli, lake: Path, point: str) -> None:
    refine_lake(refine_settings(lake))
    from datetime import date

    transform_lake(transform_settings(lake, day=date.fromisoformat(DAY3)))
    old = json.loads((lake / "refined/TMDB/_manifests/current.json").read_text())
    killed = cli("refine", "--lake", "lake", env={"TMDB_LAKE_REFINED_CRASH_AT": point})
    assert killed.code == -signal.SIGKILL
    assert_manifest_readers_consistent(lake)
    now = json.loads((lake / "refined/TMDB/_manifests/current.json").read_text())
    assert (now == old) is (point == "copied")  # before the commit point: the old build, whole
    rerun = cli("refine", "--lake", "lake", "--json")
    assert rerun.code == 0, rerun.stderr
    assert rerun.json()["built"] == [DAY3]
    assert_model_matches_trusted(lake)


def test_ctrl_c_then_rerun(cli, lake: Path) -> None:
    stopped = cli("refine", "--lake", "lake", env={"TMDB_LAKE_REFINED_INTERRUPT_AT": "staged"})
    assert stopped.code == 130 and "interrupted" in stopped.stderr
    assert cli("refine", "--lake", "lake").code == 0
    assert_model_matches_trusted(lake)
