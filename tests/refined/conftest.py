"""Fixtures of the refined-zone tests: a small lake made by the real CLI (ingest, transform).

Three collection days of the trusted tests' catalog (a few hundred titles), in JSON Lines:

- DAY1: every title, with details;
- DAY2: the top 60 per media type, with details;
- DAY3: the top 80 per media type, discover only (no details): the day that tests the
  latest-attribute rule for details-only columns, and the incremental day.

The template has DAY1 and DAY2 transformed; DAY3 is ingested but not transformed, so a test
transforms it to add an incremental day.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tmdb_lake.settings import EngineSettings, RefineSettings, TransformSettings
from trusted.conftest import (  # type: ignore[import-not-found]  # noqa: F401  (fixtures)
    DAY1,
    DAY2,
    Cli,
    cli,
    trusted_catalog,
    trusted_simulator,
)

DAY3 = "2024-05-03"
INGESTS = (
    ("--date", DAY1, "--details", "--genres", "", "--format", "jsonl"),
    ("--date", DAY2, "--details", "--genres", "", "--format", "jsonl", "--limit", "60"),
    ("--date", DAY3, "--genres", "", "--format", "jsonl", "--limit", "80"),
)


@pytest.fixture(scope="session")
def refined_lake_template(request, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Raw DAY1-DAY3, trusted DAY1-DAY2; made once: copy it before changing it."""
    where = tmp_path_factory.mktemp("refined-template")
    run = Cli(request.getfixturevalue("trusted_simulator"), where)
    for args in INGESTS:
        result = run("ingest", "--lake", "lake", "--quiet", *args)
        assert result.code == 0, result.stderr
    result = run("transform", "--lake", "lake", "--until", DAY2, "--quiet")
    assert result.code == 0, result.stderr
    return where / "lake"


@pytest.fixture
def lake(refined_lake_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template, as ./lake under the test's cwd."""
    target = tmp_path / "lake"
    shutil.copytree(refined_lake_template, target)
    return target


def engine_settings(lake: Path) -> EngineSettings:
    """Settings for in-process runs on a local lake (small memory, two threads)."""
    return EngineSettings(
        lake=str(lake), work_dir=lake.parent / ".work", memory_limit="512MB", threads=2
    )


def refine_settings(lake: Path, **changes: object) -> RefineSettings:
    base = {
        name: getattr(engine_settings(lake), name) for name in EngineSettings.__dataclass_fields__
    }
    return RefineSettings(**{**base, **changes})  # type: ignore[arg-type]


def transform_settings(lake: Path, **changes: object) -> TransformSettings:
    base = {
        name: getattr(engine_settings(lake), name) for name in EngineSettings.__dataclass_fields__
    }
    return TransformSettings(**{**base, **changes})  # type: ignore[arg-type]
