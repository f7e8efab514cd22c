"""Issue 10 F: odd but valid data over real HTTP from the simulator, through the CLI.

A lone surrogate escape, a byte that is not UTF-8 and an integer beyond 64 bits in a few
titles, and a `total_pages` that contradicts the pages: the lake still holds every record,
each field as TMDB sent it (the bad code units as escape text), and says what it repaired.
"""

from __future__ import annotations

from typing import Any

import pytest

from faults.lakecheck import LocalLake, assert_lake_exact  # type: ignore[import-not-found]
from faults.matrix import (  # type: ignore[import-not-found]
    ALL_GENRES,
    DAY,
    DRAMA_DETAILS,
    RECORDS_PER_FILE,
    base_args,
    summary,
)
from tmdb_lake.simulator import SimulatorConfig
from tmdb_lake.simulator.oddities import BIG_INT


def made_odd(record: dict[str, Any]) -> dict[str, Any]:
    """The record the lake must hold for an odd title: what the simulator sent, repaired."""
    odd = dict(record)
    for key in ("original_title", "original_name"):
        if key in odd:
            odd[key] = "\\ud800" + odd[key]
    odd["overview"] += "\\xff"
    odd["big_int"] = BIG_INT
    return odd


def test_undecodable_strings_and_big_integers_land_exactly(simulators, cli, expected):
    want = expected("drama_details")
    odd = set(sorted(want.ids["movies"])[::97] + sorted(want.ids["series"])[::61])
    sim = simulators(SimulatorConfig(odd_ids=frozenset(odd)))
    cli.api_url = sim.api_url
    result = cli.run(base_args(DRAMA_DETAILS))
    assert result.code == 0, result.stderr  # was exit 1: "HTTP 200 with an undecodable body"
    report = summary(result)
    content = assert_lake_exact(
        LocalLake(cli.cwd / "lake"), DAY, want.ids, records_per_file=RECORDS_PER_FILE
    )
    odd_records = 0
    for dataset, by_id in content.records.items():
        for tmdb_id, record in by_id.items():
            reference = want.reference[dataset][tmdb_id]
            if tmdb_id in odd and not dataset.startswith("genres"):
                assert record == made_odd(reference), (dataset, tmdb_id)
                odd_records += 1
            else:
                assert record == reference, (dataset, tmdb_id)
    assert odd_records >= 8  # in discover pages and in details, movies and series
    # Two repairs per odd record (its title, its overview), none retried.
    assert content.manifest["requests"]["strings_repaired"] == 2 * odd_records
    assert content.manifest["counters"]["strings_repaired"] == 2 * odd_records  # per shard
    assert report["retries"] == 0
    raw = b"".join(p.read_bytes() for p in (cli.cwd / "lake").rglob("movie_details_*.json"))
    assert raw.count(b'"big_int": 123456789012345678901234567890') >= 2  # never a float
    print(f"odd data: {odd_records} odd records, {report['requests']} requests")


@pytest.mark.parametrize("claim", [0, 3])
def test_total_pages_contradicted_by_full_pages_is_paged_past(simulators, cli, expected, claim):
    want = expected("all")
    sim = simulators(SimulatorConfig(claim_total_pages=claim))
    cli.api_url = sim.api_url
    result = cli.run(base_args(ALL_GENRES))
    assert result.code == 0, result.stderr
    report = summary(result)
    content = assert_lake_exact(  # was: 0 records (claim 0) or 60 a media (claim 3), exit 0
        LocalLake(cli.cwd / "lake"),
        DAY,
        want.ids,
        records_per_file=RECORDS_PER_FILE,
        reference=want.reference,
    )
    assert content.manifest["counters"]["total_pages_contradicted"] == 2  # movies, series
    warnings = [line for line in result.stderr.splitlines() if "TMDB said total_pages" in line]
    assert len(warnings) == 2, result.stderr
    assert f" warning: movie-start-20231231: TMDB said total_pages {claim}, but page " in (
        "\n".join(warnings)
    )
    assert all("paging on while pages are full (up to page 500)" in line for line in warnings)
    # Past the claim, at most one look-ahead (16) of pages past the end of each media.
    assert want.clean_requests <= report["requests"] <= want.clean_requests + 2 * 16
    print(f"claim {claim}: {report['requests']} requests for {want.clean_requests} clean")
