"""The report in a real browser: Debian's Chromium, headless, driven by Playwright.

Every chart must render (no console error, no page error, no request leaving the file),
its marks must carry the numbers of its table, and those numbers must equal what
`tmdb-lake query` answers for the same lake. A screenshot is kept in the test's tmp folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from report.browser import Rendered, open_page  # type: ignore[import-not-found]
from report.reportlake import DAY1, DAY2, ReportCli  # type: ignore[import-not-found]

CHARTS = ("timeline", "seconds", "records", "genres", "popularity", "people")


@pytest.fixture(scope="module")
def rendered(report_lake: ReportCli, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    folder = tmp_path_factory.mktemp("browser")
    out = folder / "report.html"
    report_lake("report", "--out", str(out))
    print(f"\nreport page: {out}")
    return open_page(out.as_uri(), folder)


def test_every_chart_renders_offline_without_errors(rendered: Rendered) -> None:
    assert [m for m in rendered.console if m.startswith(("error", "pageerror"))] == []
    assert [u for u in rendered.requests if not u.startswith("file:")] == []
    assert set(rendered.charts) == set(CHARTS)
    for name, chart in rendered.charts.items():
        assert chart["rendered"] == "true", name
    assert len(rendered.labels("timeline", "symbol mark container")) == len(
        rendered.rows("timeline")
    )
    assert len(rendered.labels("seconds", "rect mark container")) == len(rendered.rows("seconds"))
    assert len(rendered.labels("records", "rect mark container")) == len(rendered.rows("records"))
    assert len(rendered.labels("genres", "rect mark container")) == len(rendered.rows("genres"))
    assert len(rendered.labels("people", "rect mark container")) == len(rendered.rows("people"))
    titles = {r["title"] for r in rendered.rows("popularity")}
    assert len(titles) == 10
    assert len(rendered.labels("popularity", "line mark container")) == 10
    assert rendered.screenshot.stat().st_size > 10_000


def test_runs_show_the_superseded_run_and_link_manifests(
    rendered: Rendered, report_lake: ReportCli
) -> None:
    runs = rendered.rows("seconds")
    assert [r["day"] for r in runs] == [DAY1, DAY2, DAY2]
    assert [r["status"] for r in runs] == ["ok", "superseded", "ok"]
    for run in runs:
        assert int(run["requests"]) > 0 and run["retries"] == "0" and run["rate_limited"] == "0"
        path = Path(unquote(urlsplit(run["file"]).path))
        assert path.is_file() and path.parent.parent.parent.parent.name == "_runs"
    marks = {(m["dataset"], m["day"], m["run_id"]): m["status"]
             for m in rendered.labels("timeline", "symbol mark container")}  # fmt: skip
    table = {(r["dataset"], r["day"], r["run_id"]): r["status"] for r in rendered.rows("timeline")}
    assert marks == table
    assert {s for (_, day, run), s in table.items() if run == runs[1]["run_id"]} == {"superseded"}


def test_freshness_is_the_last_complete_day(rendered: Rendered) -> None:
    fresh = {(r["zone"], r["dataset"]): r for r in rendered.rows("freshness")}
    assert fresh[("raw", "movies")]["last complete day"] == DAY2
    assert fresh[("raw", "movie_details")]["days"] == "2"
    assert fresh[("trusted", "all tables")]["last complete day"] == DAY2
    assert fresh[("trusted", "all tables")]["raw days not transformed"] == "0"
    assert fresh[("refined", "all tables")]["last complete day"] == DAY2


def _raw_counts(report_lake: ReportCli, rows: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    parts = []
    for row in rows:
        folder = report_lake.lake / "raw/TMDB/JSON" / row["dataset"] / row["day"].replace("-", "/")
        fmt = "array" if row["day"] == DAY1 else "newline_delimited"
        parts.append(
            f"SELECT '{row['dataset']}' AS dataset, '{row['day']}' AS day, count(*) AS n "
            f"FROM read_json_objects('{folder}/*', format = '{fmt}')"
        )
    answer = report_lake.query(" UNION ALL ".join(parts))
    return {(r["dataset"], r["day"]): r["n"] for r in answer}


def test_records_and_trusted_rows_equal_tmdb_lake_query(
    rendered: Rendered, report_lake: ReportCli
) -> None:
    records = rendered.rows("records")
    page = {(r["dataset"], r["day"]): int(r["records"]) for r in records}
    assert page == _raw_counts(report_lake, records)
    marks = {(m["dataset"], m["day"]): int(m["records"])
             for m in rendered.labels("records", "rect mark container")}  # fmt: skip
    assert marks == page
    trusted = report_lake.query(
        "SELECT CAST(dt AS VARCHAR) AS dt, 'movie' AS t, count(*) AS n FROM movie GROUP BY dt "
        "UNION ALL SELECT CAST(dt AS VARCHAR), 'series', count(*) FROM series GROUP BY dt"
    )
    shown = {(r["dt"], r["title_table"]): int(r["titles"]) for r in rendered.rows("trusted-rows")}
    assert shown == {(r["dt"], r["t"]): r["n"] for r in trusted}


def _refined(report_lake: ReportCli, table: str) -> str:
    root = report_lake.lake / "refined/TMDB/PARQUET" / table
    glob = "*/*.parquet" if table == "fact_title_snapshot" else "*.parquet"
    return f"read_parquet('{root}/{glob}')"


def test_refined_figures_equal_tmdb_lake_query(rendered: Rendered, report_lake: ReportCli) -> None:
    r = lambda table: _refined(report_lake, table)  # noqa: E731
    genres = report_lake.query(
        f"SELECT 'movie' AS media, g.name, m.decade, count(DISTINCT m.movie_id) AS n "
        f"FROM {r('bridge_movie_genre')} b JOIN {r('dim_movie')} m USING (movie_id) "
        f"JOIN {r('dim_genre')} g ON g.genre_id = b.genre_id AND g.media = 'movie' "
        "WHERE m.decade IS NOT NULL GROUP BY ALL UNION ALL "
        f"SELECT 'tv', g.name, s.decade, count(DISTINCT s.series_id) "
        f"FROM {r('bridge_series_genre')} b JOIN {r('dim_series')} s USING (series_id) "
        f"JOIN {r('dim_genre')} g ON g.genre_id = b.genre_id AND g.media = 'tv' "
        "WHERE s.decade IS NOT NULL GROUP BY ALL"
    )
    expected = {(q["media"], q["name"], str(q["decade"])): q["n"] for q in genres}
    shown = {
        (g["media"], g["genre"], g["decade"]): int(g["titles"]) for g in rendered.rows("genres")
    }
    assert shown == expected and len(shown) > 20
    marks = {(m["media"], m["genre"], m["decade"]): int(m["titles"])
             for m in rendered.labels("genres", "rect mark container")}  # fmt: skip
    assert marks == expected

    last = report_lake.query(
        f"SELECT media, title_id, popularity FROM {r('fact_title_snapshot')} "
        f"WHERE date_key = {DAY2.replace('-', '')} ORDER BY popularity DESC LIMIT 10"
    )
    history = report_lake.query(
        "SELECT media, title_id, date_key, round(popularity, 3) AS p "
        f"FROM {r('fact_title_snapshot')}"
    )
    top = {(q["media"], q["title_id"]) for q in last}
    expected_points = {(q["media"], q["title_id"], str(q["date_key"])): q["p"]
                       for q in history if (q["media"], q["title_id"]) in top}  # fmt: skip
    shown_points = {}
    for row in rendered.rows("popularity"):
        shown_points[(row["media"], int(row["title_id"]), row["day"].replace("-", ""))] = float(
            row["popularity"])  # fmt: skip
    assert shown_points == expected_points
    assert {d for _, _, d in shown_points} == {DAY1.replace("-", ""), DAY2.replace("-", "")}

    people = report_lake.query(
        f"SELECT c.person_id, count(DISTINCT c.media || c.title_id) AS n FROM {r('fact_credit')} c "
        "GROUP BY 1 ORDER BY n DESC, c.person_id LIMIT 15"
    )
    shown_people = [(int(p["person_id"]), int(p["titles"])) for p in rendered.rows("people")]
    assert shown_people == [(q["person_id"], q["n"]) for q in people]
    bars = [int(m["titles"]) for m in rendered.labels("people", "rect mark container")]
    assert bars == [n for _, n in shown_people]


def test_page_is_self_contained(rendered: Rendered, report_lake: ReportCli) -> None:
    html = next(rendered.screenshot.parent.glob("report.html")).read_text("utf-8")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert [attributes for attributes, _ in scripts] == [
        ' type="application/json" id="chart-specs"',
        "",
        "",
    ]
    assert len(scripts[1][1]) > 500_000  # Vega, Vega-Lite and Vega-Embed, inlined
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert markup.count("<table") == len(rendered.tables)
    assert re.findall(r"<(?:link|img|iframe)\b[^>]*>|\bsrc=", markup) == [
        '<link rel="icon" href="data:,">'
    ]
    assert "simulator-token" not in html
