"""Bad input and failures: one clear line on stderr, a documented exit code, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit must be at least 1, got 0"),
        (["--limit", "-3"], "--limit must be at least 1, got -3"),
        (
            ["--limit", "12000"],
            "--limit 12000 is over 10,000, the most TMDB serves of one query in popularity "
            "order; leave --limit out to collect every matching record",
        ),
        (["--date", "2024-02-30"], "--date '2024-02-30' is not a date"),
        (["--released-from", "2024-01-02", "--released-until", "2024-01-01"], "is after"),
        (["--records-per-file", "0"], "--records-per-file must be at least 1"),
        (["--records-per-file", "10001"], "--records-per-file must be at most 10000"),
        (["--media", "books"], "unknown media 'books'"),
        (["--genres", "16;35"], "is not TMDB genre syntax"),
        (["--lake", "ftp://x/y"], "--lake: unsupported lake location scheme 'ftp'"),
        (["--lake", "lake/../../x"], "'..'"),
        (["--movies-dataset", "a/b"], "is not a safe dataset name"),
        (["--lake", "s3://No_Such..Bucket"], "bucket"),
        (["--format", "parquet"], "is not a file format"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--env-file", "nope.env"], "the settings file nope.env does not exist"),
        (["--wait", "soon"], "--wait 'soon' is not a number of seconds"),
        (["--lease-ttl", "0"], "--lease-ttl must be a positive number"),
    ],
)
def test_invalid_options_exit_2_with_one_line(tmdb_lake, tmp_path: Path, args, message):
    result = tmdb_lake("ingest", *args)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert lines[0].startswith("tmdb-lake: error:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "lake").exists() or not list((tmp_path / "lake").rglob("*.json"))


def test_invalid_env_names_the_variable(tmdb_lake):
    result = tmdb_lake("ingest", env={"TMDB_LAKE_LIMIT": "zero"})
    assert result.code == 2
    assert "TMDB_LAKE_LIMIT 'zero' is not a whole number" in result.stderr
    result = tmdb_lake("ingest", env={"TMDB_LAKE_LIMIT": "10001"})
    assert result.code == 2
    assert "TMDB_LAKE_LIMIT 10001 is over 10,000" in result.stderr
    assert "leave TMDB_LAKE_LIMIT out" in result.stderr


def test_missing_credentials_exit_2(tmdb_lake):
    result = tmdb_lake("ingest", env={"TMDB_ACCESS_TOKEN": ""})
    assert result.code == 2
    assert "no TMDB credential" in result.stderr


def test_rejected_key_exits_1_plainly_and_publishes_nothing(tmdb_lake, tmp_path: Path):
    secret = "0123456789abcdef0123456789abcdef"
    result = tmdb_lake("ingest", "--debug", env={"TMDB_ACCESS_TOKEN": "", "TMDB_API_KEY": secret})
    assert result.code == 1
    assert "TMDB rejected the credentials (HTTP 401, status_code 7" in result.stderr
    assert secret not in result.stderr + result.stdout
    assert not list((tmp_path / "lake").glob("raw/TMDB/JSON/**/*.json"))
    assert not list((tmp_path / "lake").glob("raw/TMDB/_runs/**/*.json"))


def test_resume_flag_without_unfinished_run_exits_2(tmdb_lake):
    result = tmdb_lake("ingest", "--resume", "--limit", "5")
    assert result.code == 2
    assert "no unfinished run" in result.stderr


def test_help_documents_every_option_and_variable(tmdb_lake):
    result = tmdb_lake("ingest", "--help")
    assert result.code == 0
    for needle in (
        "--lake",
        "--limit",
        "--records-per-file",
        "--genres",
        "comma = AND, pipe = OR",
        "--released-from",
        "--format",
        "--keep-local",
        "TMDB_API_KEY",
        "TMDB_ACCESS_TOKEN",
        "TMDB_API_URL",
        "--catalog",
        "--changes",
        "--details",
    ):
        assert needle in result.stdout


def test_a_dotenv_that_is_not_utf8_exits_2_naming_it(tmdb_lake, tmp_path: Path):
    (tmp_path / ".env").write_bytes(b"TMDB_LAKE_GENRES=35 # com\xe9dia\n")
    result = tmdb_lake("ingest", "--limit", "5")
    assert result.code == 2, result.stderr
    assert result.stderr == (
        "tmdb-lake: error: the settings file .env is not UTF-8 text (byte 0xe9 on line 1): "
        "save it as UTF-8\n"
    )
