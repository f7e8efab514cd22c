import asyncio
import gzip
from typing import Any

import httpx
import orjson
import pytest

from httpx_transport import HttpxTransport  # type: ignore[import-not-found]
from tmdb_lake.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimited,
    TmdbError,
    UpstreamError,
)
from tmdb_lake.secret import Secret
from tmdb_lake.tmdb.client import MAX_BODY_BYTES, TmdbClient, redact_url
from tmdb_lake.tmdb.queries import DiscoverQuery, MediaType

PAGE = {"page": 1, "results": [{"id": 1, "title": "Olá"}], "total_pages": 3, "total_results": 41}


def client(handler: Any, **kwargs: Any) -> TmdbClient:
    kwargs.setdefault("access_token", Secret("token-123456"))
    return TmdbClient(
        "http://tmdb.test/3",
        transport=HttpxTransport(httpx.MockTransport(handler)),
        rate_limit=10_000,
        backoff_initial=0.001,
        backoff_max=0.01,
        **kwargs,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_bearer_token_is_preferred_and_never_in_the_url():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=PAGE)

    async def go() -> None:
        async with client(handler, api_key=Secret("k" * 32)) as tmdb:
            page = await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)
            assert page.results == [{"id": 1, "title": "Olá"}]

    run(go())
    assert seen[0].headers["Authorization"] == "Bearer token-123456"
    assert "api_key" not in str(seen[0].url)
    assert seen[0].url.path == "/3/discover/movie"


def test_v3_key_goes_in_the_query():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=PAGE)

    async def go() -> None:
        async with client(handler, access_token=None, api_key=Secret("abc123def456")) as tmdb:
            await tmdb.discover_page(DiscoverQuery(MediaType.TV), 2)

    run(go())
    assert seen[0].url.params["api_key"] == "abc123def456"
    assert seen[0].url.params["page"] == "2"
    assert "Authorization" not in seen[0].headers


def test_retries_429_5xx_truncated_and_timeouts_then_succeeds():
    responses = iter(
        [
            httpx.Response(429, headers={"Retry-After": "0"}, json={"status_code": 25}),
            httpx.Response(502, text="<html>Bad gateway</html>"),
            httpx.Response(200, content=orjson.dumps(PAGE)[:20]),
            "timeout",
            httpx.Response(200, json=PAGE),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(responses)
        if item == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return item

    async def go() -> TmdbClient:
        async with client(handler) as tmdb:
            page = await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)
            assert page.total_results == 41
            return tmdb

    tmdb = run(go())
    assert tmdb.stats.retries == 4
    assert tmdb.stats.rate_limited == 1
    assert tmdb.stats.requests == 5
    assert tmdb.stats.errors["undecodable"] == 1
    assert tmdb.stats.errors["timeout"] == 1


def test_exhausted_retries_name_endpoint_status_and_attempts():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down")

    async def go() -> None:
        async with client(handler, max_attempts=3) as tmdb:
            await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)

    with pytest.raises(UpstreamError) as err:
        run(go())
    assert str(err.value) == "TMDB /discover/movie failed after 3 attempts: HTTP 503"
    assert err.value.attempts == 3


def test_429_forever_is_rate_limited_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "0"})

    async def go() -> None:
        async with client(handler, max_attempts=2) as tmdb:
            await tmdb.get_json("/discover/tv", {})

    with pytest.raises(RateLimited, match="after 2 attempts: HTTP 429"):
        run(go())


def test_401_is_not_retried_and_says_so_plainly():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = {"success": False, "status_code": 7, "status_message": "Invalid API key"}
        return httpx.Response(401, json=body)

    async def go() -> None:
        async with client(handler) as tmdb:
            await tmdb.get_json("/discover/movie", {})

    with pytest.raises(AuthError, match=r"TMDB rejected the credentials \(HTTP 401, status_code 7"):
        run(go())
    assert calls == 1


def test_other_4xx_is_fatal_with_tmdb_message():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"status_code": 22, "status_message": "Invalid page"})

    async def go() -> None:
        async with client(handler) as tmdb:
            await tmdb.get_json("/discover/movie", {"page": "501"})

    with pytest.raises(TmdbError, match="HTTP 400, status_code 22: Invalid page"):
        run(go())


def test_details_404_gives_no_record():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"status_code": 34, "status_message": "not found"})

    async def go() -> Any:
        async with client(handler) as tmdb:
            return await tmdb.details(MediaType.MOVIE, 5, "pt-BR", ())

    answer = run(go())
    assert answer.record is None and answer.strings_repaired == 0


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        orjson.dumps({"results": "nope", "total_pages": 1, "total_results": 1}),
        orjson.dumps({"results": [], "total_pages": "1", "total_results": 1}),
    ],
)
def test_hostile_shapes_fail_cleanly(body: bytes):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async def go() -> None:
        async with client(handler) as tmdb:
            await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)

    with pytest.raises(BadResponseError):
        run(go())


def test_items_without_integer_id_are_counted_and_skipped():
    body = {
        "page": 1,
        "results": [{"id": 1}, {"title": "no id"}, {"id": "2"}, {"id": True}, 5, {"id": 3}],
        "total_pages": 1,
        "total_results": 6,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    async def go() -> Any:
        async with client(handler) as tmdb:
            return await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)

    page = run(go())
    assert [r["id"] for r in page.results] == [1, 3]
    assert page.skipped == 4


def test_huge_body_is_refused_without_reading_it_all():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b" " * (MAX_BODY_BYTES + 1))

    async def go() -> None:
        async with client(handler) as tmdb:
            await tmdb.get_json("/discover/movie", {})

    with pytest.raises(BadResponseError, match="refused"):
        run(go())


def test_redact_url_masks_api_key():
    url = "https://api.themoviedb.org/3/discover/movie?api_key=0123456789abcdef&page=2"
    assert redact_url(url) == "https://api.themoviedb.org/3/discover/movie?api_key=***&page=2"
    assert redact_url("https://x/3/a?page=1") == "https://x/3/a?page=1"


def test_rate_limiter_spaces_requests():
    stamps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append(asyncio.get_running_loop().time())
        return httpx.Response(200, json=PAGE)

    async def go() -> None:
        tmdb = TmdbClient(
            "http://tmdb.test/3",
            access_token=Secret("t"),
            transport=HttpxTransport(httpx.MockTransport(handler)),
            rate_limit=50,
        )
        async with tmdb:
            await asyncio.gather(*(tmdb.get_json("/x", {}) for _ in range(30)))

    run(go())
    # 30 requests at 50/s with bursts of 5 cannot finish in less than (30-5)/50 s.
    assert stamps[-1] - stamps[0] >= (30 - 5) / 50 * 0.9


# -- the daily ID exports (a gzip stream on another host) --------------------------------------

EXPORT_URL = "http://files.tmdb.test/p/exports/movie_ids_06_09_2024.json.gz"


async def collect_lines(lines: Any) -> list[bytes]:
    return [line async for line in lines]


def export_lines(handler: Any, **kwargs: Any) -> list[bytes]:
    async def go() -> list[bytes]:
        async with client(handler, **kwargs) as tmdb:
            return await tmdb.read_gzip_lines(EXPORT_URL, collect_lines)

    return run(go())


def test_export_lines_stream_without_the_api_credential():
    lines = [orjson.dumps({"id": i, "adult": False}) for i in range(3000)]
    body = gzip.compress(b"\n".join(lines) + b"\n")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        # Many small chunks: lines cross chunk boundaries.
        return httpx.Response(200, stream=httpx.ByteStream(body))

    assert export_lines(handler) == lines
    assert export_lines(handler, access_token=None, api_key=Secret("k" * 32)) == lines
    for request in seen:
        assert "Authorization" not in request.headers
        assert str(request.url) == EXPORT_URL  # no api_key in the query either


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFoundError), (403, NotFoundError), (500, UpstreamError)]
)
def test_export_http_errors_are_typed(status: int, error: type[Exception]):
    with pytest.raises(error, match=f"HTTP {status}"):
        export_lines(lambda request: httpx.Response(status))


def test_an_export_cut_short_is_read_again_through_the_client_retry_loop():
    body = gzip.compress(b"".join(b'{"id": %d}\n' % i for i in range(2000)))
    answers = [body[: len(body) // 3], body]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answers.pop(0))

    async def go() -> tuple[list[bytes], int]:
        async with client(handler) as tmdb:
            lines = await tmdb.read_gzip_lines(EXPORT_URL, collect_lines)
            return lines, tmdb.stats.retries

    lines, retries = run(go())
    assert len(lines) == 2000 and retries == 1  # read whole on the second attempt, counted


def test_truncated_or_broken_exports_fail_cleanly():
    body = gzip.compress(b'{"id": 1}\n{"id": 2}\n' * 1000)

    with pytest.raises(UpstreamError, match="truncated gzip"):
        export_lines(lambda request: httpx.Response(200, content=body[: len(body) // 2]))
    with pytest.raises(UpstreamError, match="movie_ids_06_09_2024"):
        export_lines(lambda request: httpx.Response(200, content=b"not gzip at all"))

    def cut(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed", request=request)

    with pytest.raises(UpstreamError, match=r"connection failed \(RemoteProtocolError\)"):
        export_lines(cut)


# -- odd but valid bodies (issue 10 F) --------------------------------------------------------


def odd_page(results: bytes) -> bytes:
    return b'{"page": 1, "results": [' + results + b'], "total_pages": 1, "total_results": 1}'


@pytest.mark.parametrize(
    ("item", "title"),
    [
        (rb'{"id": 7, "title": "Ol\u00e1 \ud800!"}', "Olá \\ud800!"),
        (b'{"id": 7, "title": "Ol\xe1!"}', "Ol\\xe1!"),
    ],
    ids=["lone-surrogate", "latin-1-byte"],
)
def test_a_record_with_an_undecodable_string_is_kept_and_counted(item: bytes, title: str):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, content=odd_page(item))

    async def go() -> tuple[Any, TmdbClient]:
        async with client(handler, max_attempts=2) as tmdb:
            return await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1), tmdb

    page, tmdb = run(go())
    assert page.results == [{"id": 7, "title": title}]
    assert calls == 1 and tmdb.stats.retries == 0
    assert tmdb.stats.strings_repaired == 1
    assert tmdb.stats.as_dict()["strings_repaired"] == 1  # reaches the manifest's "requests"
    assert "undecodable" not in tmdb.stats.errors


def test_integers_beyond_64_bits_reach_the_writer_exactly():
    from tmdb_lake.lake.writer import decode_records, encode_records

    item = b'{"id": 7, "budget": 123456789012345678901234567890, "vote_count": 12}'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=odd_page(item))

    async def go() -> Any:
        async with client(handler) as tmdb:
            return await tmdb.discover_page(DiscoverQuery(MediaType.MOVIE), 1)

    page = run(go())
    for fmt in ("json", "jsonl"):
        data = encode_records(page.results, fmt)
        assert b"123456789012345678901234567890" in data
        assert decode_records(data, fmt) == [
            {"id": 7, "budget": 123456789012345678901234567890, "vote_count": 12}
        ]


# -- clear errors (issue 10 G) -----------------------------------------------------------------

TOKEN = "eyJ" + "a1b2c3d4e5" * 6  # JWT-shaped, built at run time


@pytest.mark.parametrize("status", [400, 401, 404, 422])
@pytest.mark.parametrize(
    ("credential", "secret"),
    [
        ({"access_token": Secret(TOKEN)}, TOKEN),
        ({"access_token": None, "api_key": Secret("k" * 32)}, "k" * 32),
    ],
    ids=["token", "api-key"],
)
def test_a_message_that_echoes_the_credential_is_masked_before_it_is_cut(
    status: int, credential: dict[str, Any], secret: str
):
    echo = "x" * 170 + f" you sent {secret} which is wrong\n" + "y" * 50

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"status_code": 7, "status_message": echo})

    async def go() -> None:
        async with client(handler, **credential) as tmdb:
            await tmdb.get_json("/movie/5", {})

    with pytest.raises(TmdbError) as failure:
        run(go())
    message = str(failure.value)
    assert secret[:6] not in message  # before: the first ~20 characters were printed
    assert "you sent *** which is wrong" in message and "\n" not in message
    kept = "x" * 170 + " you sent *** which is wrong " + "y" * 50
    assert f": {kept[:200]}" in message and kept[:201] not in message  # then cut at 200
