"""The page's three sections, from what was read and aggregated: runs, health, data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from tmdb_lake.lake.manifest import RawSnapshot
from tmdb_lake.report import charts
from tmdb_lake.report.data import Rows
from tmdb_lake.report.health import Finding, Freshness
from tmdb_lake.report.page import Figure, Link, Section, Table
from tmdb_lake.report.runs import RunRow, Status

LinkTo = Callable[[str], str | None]
"""A lake key to the address the page links it with (None: shown, not linked)."""

RUN_LEVEL_ORDER: tuple[Status, ...] = ("failed", "running", "resumed", "ok")


def _figure(
    id: str, title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str],
    chart: Callable[[Sequence[dict[str, Any]]], dict[str, Any]], caption: str = "",
    links: Sequence[Link] | None = None,
) -> Figure:  # fmt: skip
    values = [[row[c] for c in columns] for row in rows]
    if links is not None:
        values = [[*v, link] for v, link in zip(values, links, strict=True)]
        columns = [*columns, "file"]
    table = Table(columns, values, id)
    if not rows:
        return Figure(id, title, table, missing="the lake has nothing to show here yet")
    return Figure(id, title, table, spec=chart(rows), caption=caption)


def _run_level(rows: Sequence[RunRow]) -> Status:
    statuses = {r.status for r in rows}
    if statuses == {"superseded"}:
        return "superseded"
    return next(s for s in RUN_LEVEL_ORDER if s in statuses or s == "ok")


def per_run(rows: Sequence[RunRow]) -> list[dict[str, Any]]:
    """Give one row per run: its day, status, records, requests, retries, 429s, seconds."""
    runs: dict[str, list[RunRow]] = {}
    for row in rows:
        runs.setdefault(row.run_id, []).append(row)
    found = []
    for run_id, mine in runs.items():
        first = mine[0]
        records = [r.records for r in mine if r.records is not None]
        found.append(
            {
                "day": first.day.isoformat(), "run_id": run_id, "mode": first.mode,
                "status": _run_level(mine), "datasets": len(mine),
                "records": sum(records) if records else None, "requests": first.requests,
                "retries": first.retries, "rate_limited": first.rate_limited,
                "seconds": first.seconds, "key": first.key,
            }
        )  # fmt: skip
    # Commit order, not run id: two runs started in the same second have ids that tie on time.
    order = {run_id: max(r.order for r in mine) for run_id, mine in runs.items()}
    return sorted(found, key=lambda r: (r["day"], order[r["run_id"]]))


def runs_section(rows: Sequence[RunRow], link: LinkTo) -> Section:
    """Give the runs: a timeline per dataset and day, and where the time went per run."""
    timeline = [{**asdict(r), "day": r.day.isoformat()} for r in rows]
    runs = per_run(rows)
    return Section(
        "runs",
        "Runs",
        "Every run the raw zone shows: committed (a manifest), superseded by a later run of "
        "the same day, or without a manifest (an interrupted commit or an unfinished staged "
        "run: running while it holds its lease, failed otherwise).",
        figures=[
            _figure("timeline", "Runs per dataset and day", timeline,
                    ["day", "dataset", "run_id", "status", "records", "note"],
                    charts.runs_timeline, links=[Link(r.key, link(r.key)) for r in rows]),
            _figure("seconds", "Where time went: seconds per run (start to commit)", runs,
                    ["day", "run_id", "mode", "status", "datasets", "records", "requests",
                     "retries", "rate_limited", "seconds"], charts.run_seconds,
                    caption="rate_limited counts the 429 answers; requests, retries and "
                    "429s are those of the run that committed.",
                    links=[Link(r["key"], link(r["key"])) for r in runs]),
        ],
    )  # fmt: skip


def health_section(
    fresh: Sequence[Freshness], findings: Sequence[Finding], link: LinkTo
) -> Section:
    """Give freshness per dataset and the newest drift and quality findings."""
    freshness = Table(
        ["zone", "dataset", "last complete day", "days", "raw days not transformed", "manifest"],
        [
            [f.zone, f.dataset, f.last_day.isoformat() if f.last_day else "none yet", f.days,
             f.behind, Link(f.key, link(f.key)) if f.key else None]
            for f in fresh
        ],
        "freshness",
    )  # fmt: skip
    found = Table(
        ["dt", "finding", "table", "detail", "count", "file"],
        [[f.dt, f.kind, f.table, f.detail, f.count, Link(f.key, link(f.key))] for f in findings],
        "findings",
    )
    return Section(
        "health",
        "Health",
        "How fresh each dataset is (from the manifests), and what the trusted zone's drift "
        "and quality reports found in the current build of each of the newest dts (passed "
        "checks are not listed). Each row links to the file that holds it.",
        tables=[("Freshness", freshness), ("Drift and quality findings", found)],
    )


def data_section(
    snapshots: Sequence[RawSnapshot],
    trusted_rows: Rows,
    refined: dict[str, Rows | str],
) -> Section:
    """Give the data: records per day, genres per decade, popularity, credited people."""
    records = [
        {"day": s.day.isoformat(), "dataset": s.dataset, "records": s.content.records}
        for s in snapshots
    ]
    figures = [
        _figure("records", "Records per day per raw dataset", records,
                ["day", "dataset", "records"], charts.records_per_day,
                caption="The current snapshot of each dataset and day (its newest manifest)."),
    ]  # fmt: skip
    specs: list[tuple[str, str, Callable[[Sequence[dict[str, Any]]], dict[str, Any]], str]] = [
        ("genres", "Titles per genre per decade (refined)", charts.genres_by_decade,
         "Current titles (dim_movie, dim_series) by release decade, through the genre bridges."),
        ("popularity", "Popularity over time of the 10 most popular titles (refined)",
         charts.popularity, "The 10 most popular titles of the last snapshot day, every day "
         "of fact_title_snapshot."),
        ("people", "Most credited people (refined)", charts.top_people,
         "Distinct titles each person is credited in (fact_credit), as cast or crew."),
    ]  # fmt: skip
    for name, title, chart, caption in specs:
        found = refined[name]
        if isinstance(found, str):
            figures.append(Figure(name, title, Table([], [], name), missing=found))
        else:
            figures.append(_figure(name, title, found.records(), found.columns, chart, caption))
    return Section(
        "data",
        "Data",
        "Aggregated in DuckDB over the lake's tables: the page carries only these aggregates.",
        figures=figures,
        tables=[("Titles per trusted dt (tmdb-lake query: movie, series)",
                 Table(trusted_rows.columns, trusted_rows.rows, "trusted-rows"))],
    )  # fmt: skip
