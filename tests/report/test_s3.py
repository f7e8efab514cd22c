"""The report of an S3 lake (SeaweedFS, SigV4): the same numbers as the same lake on disk."""

from __future__ import annotations

import re
from pathlib import Path

from report.browser import open_page  # type: ignore[import-not-found]
from report.reportlake import ReportCli  # type: ignore[import-not-found]

TABLE = re.compile(r'<table data-table="([\w-]+)">(.*?)</table>', re.DOTALL)


def tables_text(html: str) -> dict[str, str]:
    """Each table's text, tags left out (a link to a lake file becomes its key)."""
    return {name: re.sub(r"<[^>]+>", "|", body) for name, body in TABLE.findall(html)}


def test_report_of_an_s3_lake_matches_the_local_lake(
    report_lake: ReportCli, s3_bucket, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    client = s3_bucket.server.client(attempts=3)
    for path in sorted(p for p in report_lake.lake.rglob("*") if p.is_file()):
        key = "lake/" + str(path.relative_to(report_lake.lake))
        client.put_object(Bucket=s3_bucket.name, Key=key, Body=path.read_bytes())
    local, remote = tmp_path / "local.html", tmp_path / "s3.html"
    report_lake("report", "--out", str(local))
    # Run in tmp_path; TMDB_LAKE_URI names a folder that is not used: --lake wins.
    on_s3 = ReportCli(tmp_path / "unused", report_lake.work_dir,
                      {**report_lake.environ, **s3_bucket.server.env()})  # fmt: skip
    result = on_s3("report", "--lake", f"s3://{s3_bucket.name}/lake", "--out", str(remote),
                 "--into-lake")  # fmt: skip
    assert f"s3://{s3_bucket.name}/lake/report/TMDB/tmdb-lake-report.html" in result.stdout
    assert s3_bucket.server.secret_key not in result.stdout + result.stderr
    page = remote.read_text("utf-8")
    assert s3_bucket.server.secret_key not in page
    stored = client.get_object(Bucket=s3_bucket.name, Key="lake/report/TMDB/tmdb-lake-report.html")
    assert stored["Body"].read() == remote.read_bytes()
    mine, theirs = tables_text(local.read_text("utf-8")), tables_text(page)
    assert set(mine) == set(theirs) and len(mine) == 9
    for name in mine:
        assert theirs[name] == mine[name], name
    assert "file:///" not in page

    # The page from the lake, through a presigned URL: stored as text/html, it is shown.
    assert stored["ContentType"].startswith("text/html")
    url = client.generate_presigned_url(
        "get_object", ExpiresIn=600,
        Params={"Bucket": s3_bucket.name, "Key": "lake/report/TMDB/tmdb-lake-report.html"},
    )  # fmt: skip
    (tmp_path / "browser").mkdir()
    seen = open_page(url, tmp_path / "browser")
    assert [m for m in seen.console if m.startswith(("error", "pageerror"))] == []
    assert seen.requests == [url]
    assert all(chart["rendered"] == "true" for chart in seen.charts.values())
    assert len(seen.charts) == 6 and len(seen.rows("people")) == 15
