from datetime import date
from pathlib import Path

import pytest

from tmdb_lake.errors import ConfigError
from tmdb_lake.secret import Secret
from tmdb_lake.settings import Settings, load_settings, read_dotenv
from tmdb_lake.tmdb.queries import MediaType


def test_defaults_reproduce_the_original_filters():
    s = load_settings({}, {}, {})
    assert s.lake == "./lake"
    assert s.media == (MediaType.MOVIE, MediaType.TV)
    assert s.genres == "16,35"
    assert s.language == "pt-BR"
    assert s.released_until == date(2023, 12, 31)
    assert s.records_per_file == 100
    assert s.limit is None
    assert s.file_format == "json"


def test_precedence_cli_over_env_over_dotenv():
    s = load_settings(
        {"language": "en-US"},
        {"TMDB_LAKE_LANGUAGE": "fr-FR", "TMDB_LAKE_GENRES": "35"},
        {"TMDB_LAKE_LANGUAGE": "de-DE", "TMDB_LAKE_GENRES": "16", "TMDB_LAKE_LIMIT": "7"},
    )
    assert s.language == "en-US"
    assert s.genres == "35"
    assert s.limit == 7


def test_original_script_dotenv_works_unchanged(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "API_KEY=0123456789abcdef0123456789abcdef\n"
        "AWS_ACCESS_KEY=AKIDEXAMPLE\nAWS_SECRET_KEY=secret/value\nSESSION_TOKEN=tok\n"
        "AWS_REGION=us-east-1\nBUCKET_NAME=data-lake-da-cynthia\n"
    )
    s = load_settings({}, {}, read_dotenv(env_file))
    assert s.api_key == Secret("0123456789abcdef0123456789abcdef")
    assert s.lake == "s3://data-lake-da-cynthia"
    assert s.aws_region == "us-east-1"
    assert s.aws_access_key_id == Secret("AKIDEXAMPLE")
    assert s.aws_secret_access_key == Secret("secret/value")
    assert s.aws_session_token == Secret("tok")


def test_missing_dotenv_is_empty(tmp_path: Path):
    assert read_dotenv(tmp_path / "nope.env") == {}


def test_secrets_never_show_in_repr_or_public_view():
    s = load_settings(
        {}, {"TMDB_API_KEY": "supersecretkey123", "TMDB_ACCESS_TOKEN": "eyJtoken"}, {}
    )
    assert "supersecretkey123" not in repr(s)
    assert "eyJtoken" not in repr(s)
    view = s.public_view()
    assert "api_key" not in view and "access_token" not in view
    assert "supersecretkey123" not in str(view)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("partition_date", "2024-13-01", "--date '2024-13-01' is not a date"),
        ("released_until", "31/12/2023", "--released-until '31/12/2023' is not a date"),
        ("limit", "0", "--limit must be at least 1, got 0"),
        ("limit", "-5", "--limit must be at least 1, got -5"),
        ("limit", "ten", "--limit 'ten' is not a whole number"),
        ("records_per_file", "0", "--records-per-file must be at least 1"),
        ("records_per_file", "10001", "--records-per-file must be at most 10000"),
        ("media", "movie,anime", "--media: unknown media 'anime'"),
        ("genres", "16;35", "--genres '16;35' is not TMDB genre syntax"),
        ("genres", "16,,35", "is not TMDB genre syntax"),
        ("genres", "comedy", "is not TMDB genre syntax"),
        ("language", "portuguese", "--language 'portuguese' is not a language tag"),
        ("file_format", "csv", "--format 'csv' is not a file format"),
        ("lake", "gs://bucket/x", "--lake: unsupported lake location scheme 'gs'"),
        ("lake", "./lake/../../etc", "--lake: '..' is not allowed in the lake location"),
        ("lake", "s3://bucket/../x", "--lake: '..' is not allowed in the lake location"),
        ("lake", "s3://Bad_Bucket", "Bad_Bucket"),
        ("movies_dataset", "../movies", "is not a safe dataset name"),
        ("movies_dataset", "Movies", "is not a safe dataset name"),
        ("rate_limit", "0", "--rate-limit must be a positive number"),
        ("appends_movie", "credits,../x", "is not an append_to_response item"),
    ],
)
def test_invalid_values_name_the_option_and_value(field, value, message):
    with pytest.raises(ConfigError) as err:
        load_settings({field: value}, {}, {})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_env_errors_name_the_variable():
    with pytest.raises(ConfigError, match="TMDB_LAKE_LIMIT must be at least 1"):
        load_settings({}, {"TMDB_LAKE_LIMIT": "0"}, {})


def test_from_after_until_is_refused():
    with pytest.raises(ConfigError, match="is after --released-until"):
        load_settings({"released_from": "2024-01-02", "released_until": "2024-01-01"}, {}, {})


def test_same_dataset_for_movies_and_series_is_refused():
    with pytest.raises(ConfigError, match="never two structures"):
        load_settings({"movies_dataset": "x", "series_dataset": "x"}, {}, {})


def test_too_many_appends_are_refused():
    many = ",".join(f"a{chr(97 + i)}" for i in range(21))
    with pytest.raises(ConfigError, match="at most 20 appends"):
        load_settings({"appends_tv": many}, {}, {})


def test_released_until_none_means_unbounded():
    assert load_settings({"released_until": "none"}, {}, {}).released_until is None


def test_require_credentials():
    with pytest.raises(ConfigError, match="no TMDB credential"):
        Settings().require_credentials()
    Settings(access_token=Secret("x")).require_credentials()


def test_storage_timeout_and_attempts_are_settings():
    default = load_settings({}, {}, {})
    assert (default.storage_timeout, default.storage_attempts) == (20.0, 6)
    s = load_settings({"storage_timeout": "2.5"}, {"TMDB_LAKE_STORAGE_ATTEMPTS": "3"}, {})
    assert (s.storage_timeout, s.storage_attempts) == (2.5, 3)
    with pytest.raises(ConfigError, match="--storage-timeout must be a positive number"):
        load_settings({"storage_timeout": "0"}, {}, {})
    with pytest.raises(ConfigError, match="TMDB_LAKE_STORAGE_ATTEMPTS must be at least 1"):
        load_settings({}, {"TMDB_LAKE_STORAGE_ATTEMPTS": "0"}, {})


def test_a_limit_over_one_querys_cap_is_refused_up_front():
    assert load_settings({"limit": "10000"}, {}, {}).limit == 10_000
    with pytest.raises(ConfigError) as refused:
        load_settings({"limit": "12000"}, {}, {})
    message = str(refused.value)
    assert message.startswith("--limit 12000 is over 10,000")
    assert "leave --limit out to collect every matching record" in message
    assert "\n" not in message
    with pytest.raises(ConfigError, match="--limit 10001 is over 10,000"):
        Settings(limit=10_001)  # built directly (tests, the Lambda's overrides): same rule


def test_a_dotenv_that_is_not_utf8_names_the_file_the_byte_and_the_line(tmp_path: Path):
    env_file = tmp_path / "latin1.env"
    env_file.write_bytes(b"TMDB_LAKE_GENRES=35\nTMDB_LAKE_LANGUAGE=pt-BR # com\xe9dia\n")
    with pytest.raises(ConfigError) as refused:
        read_dotenv(env_file)
    assert str(refused.value) == (
        f"the settings file {env_file} is not UTF-8 text (byte 0xe9 on line 2): save it as UTF-8"
    )


def test_a_dotenv_that_was_asked_for_must_exist(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"the settings file .*nope\.env does not exist"):
        read_dotenv(tmp_path / "nope.env", required=True)
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        read_dotenv(tmp_path, required=True)
    assert read_dotenv(tmp_path) == {}  # only the default .env may be missing (or a folder)


def test_a_dotenv_with_a_byte_order_mark_reads_its_first_key(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"\xef\xbb\xbfTMDB_LAKE_GENRES=35\nTMDB_LAKE_LIMIT=7\n")
    assert read_dotenv(env_file) == {"TMDB_LAKE_GENRES": "35", "TMDB_LAKE_LIMIT": "7"}
