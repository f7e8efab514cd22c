"""The report's charts: one Vega-Lite specification each, declared with Altair.

A chart gets already aggregated rows (DuckDB did the work) and only maps them to marks;
no transform runs in the browser. Each chart has a `description`, which Vega puts in the
SVG's `aria-label`, and the page shows its numbers as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from tmdb_lake.report.runs import STATUSES

STATUS_COLOURS = ("#2e7d32", "#1565c0", "#9e9e9e", "#c62828", "#ef6c00")
WIDTH = 640


def _values(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"values": [dict(row) for row in rows]}


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    return spec


def runs_timeline(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give the timeline: one mark per run and dataset of a day, coloured by its status."""
    chart = (
        alt.Chart(_values(rows), width=WIDTH, description="Runs per dataset and day, by status")
        .mark_point(filled=True, size=140, opacity=0.9)
        .encode(
            x=alt.X("day:O", title="day"),
            xOffset=alt.XOffset("run_id:N"),
            y=alt.Y("dataset:N", title=None),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(STATUSES), range=list(STATUS_COLOURS)),
            ),
            shape=alt.Shape("status:N", scale=alt.Scale(domain=list(STATUSES))),
            tooltip=["day:O", "dataset:N", "run_id:N", "status:N", "records:Q", "note:N"],
        )
    )
    return _spec(chart)


def _bars(
    rows: Sequence[dict[str, Any]], description: str, x: alt.X, y: alt.Y, colour: str,
    tooltip: list[str],
) -> dict[str, Any]:  # fmt: skip
    chart = alt.Chart(_values(rows), width=WIDTH, height=220, description=description)
    return _spec(chart.mark_bar().encode(x=x, y=y, color=colour, tooltip=tooltip))


def run_seconds(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give where time went: seconds from start to commit per run, with its requests."""
    run = alt.X("run_id:N", sort=None, title="run", axis=alt.Axis(labelAngle=-40))
    tooltip = ["run_id:N", "day:O", "seconds:Q", "requests:Q", "retries:Q", "rate_limited:Q"]
    seconds = alt.Y("seconds:Q", title="seconds")
    return _bars(rows, "Seconds per run, start to commit", run, seconds, "mode:N", tooltip)


def records_per_day(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give the records per day, stacked by raw dataset (current snapshots only)."""
    day, records = alt.X("day:O", title="day"), alt.Y("records:Q", title="records", stack="zero")
    tooltip = ["day:O", "dataset:N", "records:Q"]
    return _bars(rows, "Records per day per raw dataset", day, records, "dataset:N", tooltip)


def genres_by_decade(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give a heatmap per media type: titles per genre (rows) and decade (columns)."""
    chart = (
        alt.Chart(_values(rows), description="Titles per genre per decade")
        .mark_rect()
        .encode(
            x=alt.X("decade:O", title="decade"),
            y=alt.Y("genre:N", title=None),
            color=alt.Color("titles:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["media:N", "genre:N", "decade:O", "titles:Q"],
        )
        .properties(width=300)
        # One genre axis for both (Vega 6.2 fails on a facet with independent y scales).
        .facet(column=alt.Column("media:N", title=None))
    )
    return _spec(chart)


def popularity(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give the popularity per day of the most popular titles (of the last day)."""
    chart = (
        alt.Chart(_values(rows), width=WIDTH, description="Popularity over time, top titles")
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="day"),
            y=alt.Y("popularity:Q", title="popularity"),
            color=alt.Color("title:N", sort=None, legend=alt.Legend(labelLimit=260)),
            tooltip=["title:N", "day:T", "popularity:Q"],
        )
    )
    return _spec(chart)


def top_people(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Give the most credited people: titles they are credited in, cast and crew."""
    chart = (
        alt.Chart(_values(rows), width=WIDTH, description="Most credited people")
        .mark_bar()
        .encode(
            x=alt.X("titles:Q", title="titles credited"),
            y=alt.Y("name:N", sort=None, title=None),
            tooltip=["name:N", "person_id:Q", "titles:Q", "cast_titles:Q", "crew_titles:Q"],
        )
    )
    return _spec(chart)
