"""`tmdb-lake report` as a command: its flags, and a lake that has nothing yet."""

from __future__ import annotations

import json
from pathlib import Path

from report.reportlake import ReportCli  # type: ignore[import-not-found]


def test_help_names_the_flags_and_their_environment(work_dir: Path, tmp_path: Path) -> None:
    cli = ReportCli(tmp_path / "lake", work_dir, {})
    text = " ".join(cli("report", "--help").stdout.split())  # argparse wraps at hyphens
    assert "--out FILE the HTML file to write (default: tmdb-lake- report.html)" in text
    assert "--into-lake" in text and "TMDB_LAKE_REPORT_OUT" in text


def test_an_empty_lake_gets_a_page_that_says_what_is_missing(
    work_dir: Path, tmp_path: Path
) -> None:
    cli = ReportCli(tmp_path / "lake", work_dir, {})
    result = cli("report", "--json", "--out", str(tmp_path / "out/page.html"))
    summary = json.loads(result.stdout)
    assert summary["path"] == str(tmp_path / "out/page.html") and summary["lake_key"] is None
    assert set(summary["missing"]) == {"genres", "popularity", "people"}
    assert "dim_person" in summary["missing"]["people"]
    page = (tmp_path / "out/page.html").read_text("utf-8")
    assert page.count('class="missing"') == 6  # 3 refined figures + the 3 empty lake figures
    assert "not in this lake yet" in page and summary["bytes"] == len(page.encode())


def test_out_must_name_a_file(work_dir: Path, tmp_path: Path) -> None:
    cli = ReportCli(tmp_path / "lake", work_dir, {})
    result = cli("report", "--out", "", check=False)
    assert result.returncode == 2 and "--out needs a file name" in result.stderr


def test_the_report_refuses_spark_in_one_line(work_dir: Path, tmp_path: Path) -> None:
    cli = ReportCli(tmp_path / "lake", work_dir, {})
    result = cli("report", "--engine", "spark", "--out", str(tmp_path / "page.html"), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tmdb-lake: error: report aggregates on DuckDB: --engine spark applies to transform"
    ]
    assert not (tmp_path / "page.html").exists()
