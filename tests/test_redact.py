import logging

from tmdb_lake.redact import Redactor
from tmdb_lake.secret import Secret


def test_known_secrets_and_url_keys_are_masked():
    key = "abc123" * 5
    token = "eyJraWQ.header.payload-sig"
    r = Redactor([Secret(key), Secret(token), None])
    text = (
        f"GET https://api.themoviedb.org/3/discover/movie?page=2&api_key={key} "
        f"Authorization: Bearer {token} and again {key}"
    )
    out = r.redact(text)
    assert key not in out and token not in out
    assert "api_key=***" in out and "Bearer ***" in out
    assert "page=2" in out


def test_unknown_api_key_in_a_url_is_masked_too():
    assert Redactor().redact("x?api_key=deadbeef&y=1") == "x?api_key=***&y=1"


def test_log_records_are_redacted(caplog):
    secret = Secret("s3cr3t-value")
    logger = logging.getLogger("tmdb_lake.test")
    logger.addFilter(Redactor([secret]))
    with caplog.at_level(logging.INFO, logger="tmdb_lake.test"):
        logger.info("using %s for %s", "s3cr3t-value", "tmdb")
    assert caplog.records[0].getMessage() == "using *** for tmdb"


def test_secret_repr_hides_the_value():
    assert "hunter2" not in repr(Secret("hunter2")) + str(Secret("hunter2"))
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
