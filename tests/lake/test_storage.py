"""The Storage contract, run against a local folder and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from s3server import S3Bucket, SeaweedS3
from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.lake import local as local_module
from tmdb_lake.lake import storage as storage_module
from tmdb_lake.lake.storage import (
    LocalStorage,
    S3Options,
    S3Storage,
    Storage,
    TeeStorage,
    open_storage,
    validate_bucket_name,
)

T = TypeVar("T")

# Key-shaped test strings are built at run time, so that no credential-shaped literal sits in
# the repository (AWS's documented example key id).
KEY_PREFIX = "AK" + "IA"
EXAMPLE_KEY_ID = KEY_PREFIX + "IOSFODNN7EXAMPLE"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def use_server_env(monkeypatch: pytest.MonkeyPatch, server: SeaweedS3) -> None:
    """Point boto3's default chain at the test server, and nowhere else."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """Each backend, empty. S3 goes through the default credential chain and env endpoint."""
    lake: Storage
    if request.param == "local":
        lake = LocalStorage(tmp_path / "lake")
    else:
        bucket: S3Bucket = request.getfixturevalue("s3_bucket")
        use_server_env(monkeypatch, bucket.server)
        lake = S3Storage(bucket.name, "lake/root")
    yield lake
    run(lake.close())


# -- the contract -------------------------------------------------------------------------------


def test_every_backend_is_a_storage(storage: Storage, tmp_path: Path) -> None:
    assert isinstance(storage, Storage)
    assert isinstance(TeeStorage(storage, LocalStorage(tmp_path / "m")), Storage)


def test_put_get_list_copy_delete_round_trip(storage: Storage) -> None:
    async def scenario() -> None:
        assert await storage.get("raw/a.json") is None
        assert await storage.list("") == []
        await storage.put("raw/a.json", b'{"a": 1}')
        await storage.put("raw/deep/er/b.json", b"b")
        assert await storage.get("raw/a.json") == b'{"a": 1}'
        await storage.put("raw/a.json", b"overwritten")
        assert await storage.get("raw/a.json") == b"overwritten"
        await storage.copy("raw/a.json", "final/a.json")
        assert await storage.get("final/a.json") == b"overwritten"
        assert await storage.list("") == ["final/a.json", "raw/a.json", "raw/deep/er/b.json"]
        await storage.delete(["raw/a.json", "raw/deep/er/b.json"])
        assert await storage.get("raw/a.json") is None
        assert await storage.list("") == ["final/a.json"]

    run(scenario())


def test_put_if_absent_creates_once_and_never_overwrites(storage: Storage) -> None:
    async def scenario() -> None:
        assert await storage.put_if_absent("raw/_leases/x/0001.json", b"first") is True
        assert await storage.put_if_absent("raw/_leases/x/0001.json", b"second") is False
        assert await storage.get("raw/_leases/x/0001.json") == b"first"
        assert await storage.list("raw/_leases/") == ["raw/_leases/x/0001.json"]

    run(scenario())


def test_put_if_absent_has_exactly_one_winner_among_racers(storage: Storage) -> None:
    """Twelve writers race for one key (threads locally, parallel requests on S3)."""

    async def scenario() -> list[bool]:
        return list(
            await asyncio.gather(
                *(storage.put_if_absent("raw/race.json", f"w{i}".encode()) for i in range(12))
            )
        )

    wins = run(scenario())
    assert wins.count(True) == 1
    winner = wins.index(True)
    assert run(storage.get("raw/race.json")) == f"w{winner}".encode()


def test_bytes_are_preserved_exactly(storage: Storage) -> None:
    payloads = {
        "utf8.json": '{"title": "Le Fabuleux Destin d\'Amélie", "ja": "千と千尋の神隠し"}'.encode(),
        "all-bytes.bin": bytes(range(256)) * 3,
        "empty.json": b"",
        "crlf.txt": b"line\r\nline\r\n\x00tail",
    }

    async def scenario() -> None:
        for name, data in payloads.items():
            await storage.put(f"raw/{name}", data)
        for name, data in payloads.items():
            assert await storage.get(f"raw/{name}") == data

    run(scenario())


LISTING_KEYS = [
    "raw/TMDB/JSON/movies/2023/12/31/movies_20231231_r1_0001.json",
    "raw/TMDB/JSON/movies/2024/01/01/movies_20240101_r1_0001.json",
    "raw/TMDB/JSON/movies/2024/01/01/movies_20240101_r1_0002.json",
    "raw/TMDB/JSON/movies/2024/02/29/movies_20240229_r2_0001.json",
    "raw/TMDB/JSON/movies_changes/2024/01/01/x.json",
    "raw/TMDB/JSON/tv/2024/01/01/tv_20240101_r1_0001.json",
    "raw/TMDB/_staging/abc/parts/movies/shard-1/part-0001.json",
    "raw/TMDB/_staging/abc/parts/movies/shard-1/part-0002.json",
    "raw/TMDB/_staging/abc/parts/movies/shard-10/part-0001.json",
    "raw/TMDB/_staging/abc/run.json",
    "raw/TMDB/_state/émissions-ünï.json",
]


PREFIXES = [
    "",
    "raw/",
    "raw/TMDB/JSON/movies/2024/",
    "raw/TMDB/JSON/movies/2024",
    "raw/TMDB/JSON/movies",
    "raw/TMDB/JSON/movies/",
    "raw/TMDB/JSON/movies/2024/01/01/movies_20240101_r1_000",
    "raw/TMDB/_staging/abc/parts/movies/shard-1/",
    "raw/TMDB/_staging/abc/parts/movies/shard-1",
    "raw/TMDB/_staging/abc/",
    "raw/TMDB/_state/é",
    "raw/TMDB/_runs/",
    "nothing/here/",
    "r",
]


def test_list_takes_any_key_prefix(storage: Storage) -> None:
    async def scenario() -> dict[str, list[str]]:
        await asyncio.gather(*(storage.put(key, key.encode()) for key in LISTING_KEYS))
        return {prefix: await storage.list(prefix) for prefix in PREFIXES}

    listed = run(scenario())
    for prefix in PREFIXES:
        assert listed[prefix] == sorted(k for k in LISTING_KEYS if k.startswith(prefix)), prefix


def test_list_returns_more_than_one_page(storage: Storage) -> None:
    keys = [f"raw/many/{i:05d}.json" for i in range(1010)]

    async def scenario() -> None:
        await asyncio.gather(*(storage.put(key, b"x") for key in reversed(keys)))
        await storage.put("raw/other.json", b"y")
        assert await storage.list("raw/many/") == keys
        await storage.delete(keys)  # more than one DeleteObjects batch
        assert await storage.list("") == ["raw/other.json"]

    run(scenario())


def test_delete_tolerates_missing_keys(storage: Storage) -> None:
    async def scenario() -> None:
        await storage.delete([])
        await storage.delete(["never/was.json", "raw/nope/deeper.json"])
        await storage.put("raw/a.json", b"a")
        await storage.delete(["raw/a.json", "raw/a.json", "raw/b.json"])
        assert await storage.list("") == []

    run(scenario())


def test_delete_refuses_a_bare_string(storage: Storage) -> None:
    with pytest.raises(TypeError):
        run(storage.delete("raw/a.json"))


def test_copy_of_a_missing_key_is_a_storage_error(storage: Storage) -> None:
    with pytest.raises(StorageError, match="copy"):
        run(storage.copy("raw/missing.json", "raw/target.json"))
    assert run(storage.get("raw/target.json")) is None


def test_a_copy_is_a_snapshot_and_repeating_it_changes_nothing(storage: Storage) -> None:
    """The commit copies staged parts and may repeat after a crash; staging may be rewritten."""

    async def scenario() -> None:
        await storage.put("staging/p1.json", b"first")
        await storage.copy("staging/p1.json", "final/p1.json")
        await storage.copy("staging/p1.json", "final/p1.json")  # a repeated commit
        await storage.put("staging/p1.json", b"rewritten")  # a resumed shard's new part
        assert await storage.get("final/p1.json") == b"first"
        await storage.delete(["staging/p1.json"])
        assert await storage.get("final/p1.json") == b"first"
        assert await storage.list("") == ["final/p1.json"]

    run(scenario())


def test_local_copy_shares_bytes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    run(lake.put("staging/p.json", b"part"))
    run(lake.copy("staging/p.json", "final/p.json"))
    run(lake.copy("staging/p.json", "final/p.json"))
    source, target = tmp_path / "staging" / "p.json", tmp_path / "final" / "p.json"
    assert os.path.samefile(source, target)  # a hard link: no bytes copied, no extra fsync
    assert sorted(p.name for p in (tmp_path / "final").iterdir()) == ["p.json"]


def test_local_copy_falls_back_to_bytes_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: Any, dst: Any) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(local_module.os, "link", no_links)
    lake = LocalStorage(tmp_path)
    run(lake.put("staging/p.json", b"part"))
    run(lake.copy("staging/p.json", "final/p.json"))
    assert run(lake.get("final/p.json")) == b"part"
    assert not os.path.samefile(tmp_path / "staging" / "p.json", tmp_path / "final" / "p.json")
    assert sorted(p.name for p in (tmp_path / "final").iterdir()) == ["p.json"]


def test_local_copy_reports_other_link_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(src: Any, dst: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(local_module.os, "link", denied)
    lake = LocalStorage(tmp_path)
    run(lake.put("staging/p.json", b"part"))
    with pytest.raises(StorageError, match=r"copy.*Permission denied"):
        run(lake.copy("staging/p.json", "final/p.json"))
    assert run(lake.list("final/")) == []


BAD_KEYS = [
    "",
    "/raw/a.json",
    "raw/../a.json",
    "..",
    "../a.json",
    "raw//a.json",
    "raw/a/",
    "raw\\a.json",
    "./raw/a.json",
    "raw/./a.json",
    "raw/a\x00.json",
    "raw/a\n.json",
    "raw/.~tmp-0123-a.json",
]


def test_invalid_keys_are_programming_errors(storage: Storage) -> None:
    for key in BAD_KEYS:
        for call in (
            storage.put(key, b"x"),
            storage.get(key),
            storage.copy(key, "raw/ok.json"),
            storage.copy("raw/ok.json", key),
            storage.delete(["raw/ok.json", key]),
        ):
            with pytest.raises(ValueError):
                run(call)
    assert run(storage.list("")) == []  # nothing was written, not even the valid half


def test_invalid_list_prefixes_are_programming_errors(storage: Storage) -> None:
    for prefix in ["/raw/", "raw/../", "raw//", "..", "raw\\x", "./", "raw/.~tmp-1"]:
        with pytest.raises(ValueError):
            run(storage.list(prefix))


# -- LocalStorage specifics ---------------------------------------------------------------------


def test_local_temp_files_are_never_listed(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    run(lake.put("raw/a/b.json", b"b"))
    (tmp_path / "raw/a/.~tmp-deadbeef-c.json").write_bytes(b"half a write")
    (tmp_path / "raw/.~tmp-0011-d.json").write_bytes(b"")
    assert run(lake.list("")) == ["raw/a/b.json"]
    assert run(lake.list("raw/a/")) == ["raw/a/b.json"]


def test_local_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = LocalStorage(tmp_path)
    run(lake.put("raw/a.json", b"old"))

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StorageError, match="No space left on device"):
        run(lake.put("raw/a.json", b"new and much longer"))
    with pytest.raises(StorageError):
        run(lake.put("raw/b.json", b"new"))
    monkeypatch.undo()

    assert run(lake.get("raw/a.json")) == b"old"
    assert run(lake.get("raw/b.json")) is None
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.json"]


def test_local_failed_rename_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = LocalStorage(tmp_path)

    def broken_replace(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StorageError, match=r"local put failed for 'raw/a.json': Permission denied"):
        run(lake.put("raw/a.json", b"data"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_local_delete_prunes_empty_folders_up_to_the_root(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    lake = LocalStorage(root)

    async def scenario() -> None:
        await lake.put("raw/a/b/c.json", b"c")
        await lake.put("raw/a/x.json", b"x")
        await lake.delete(["raw/a/b/c.json"])
        assert not (root / "raw/a/b").exists()
        assert (root / "raw/a/x.json").exists()
        await lake.delete(["raw/a/x.json"])
        assert root.is_dir()
        assert list(root.iterdir()) == []

    run(scenario())


def test_local_get_of_a_folder_is_none_and_delete_keeps_it(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    run(lake.put("raw/a/b.json", b"b"))
    assert run(lake.get("raw/a")) is None
    run(lake.delete(["raw/a"]))
    assert run(lake.get("raw/a/b.json")) == b"b"


def test_local_concurrent_puts_and_deletes_do_not_race_on_folders(tmp_path: Path) -> None:
    """A delete prunes empty folders while a put creates them: no put may fail or tear."""
    lake = LocalStorage(tmp_path)

    async def scenario() -> list[str]:
        for _ in range(20):
            await asyncio.gather(  # any of these raising fails the test
                lake.put("raw/x/y/1.json", b"1"),
                lake.delete(["raw/x/y/1.json"]),
                lake.put("raw/x/y/2.json", b"2"),
                lake.delete(["raw/x/y/2.json"]),
            )
        await lake.put("raw/x/y/3.json", b"3")  # the folder is usable after the races
        return await lake.list("raw/")

    keys = run(scenario())
    assert "raw/x/y/3.json" in keys and set(keys) <= {f"raw/x/y/{n}.json" for n in (1, 2, 3)}
    for key in keys:  # whatever survived is whole
        assert run(lake.get(key)) == key.rsplit("/", 1)[1][0].encode()
    leftovers = [p.name for p in (tmp_path / "raw/x/y").iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no temp file left behind


def test_local_errors_are_one_line_storage_errors(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    run(lake.put("raw/file", b"a file where a folder is needed"))
    with pytest.raises(StorageError) as info:
        run(lake.put("raw/file/child.json", b"x"))
    assert "\n" not in str(info.value)
    assert "raw/file/child.json" in str(info.value)


# -- S3Storage specifics ------------------------------------------------------------------------


def test_s3_server_enforces_sigv4(s3_bucket: S3Bucket) -> None:
    server = s3_bucket.server
    server.client().put_object(Bucket=s3_bucket.name, Key="k", Body=b"v")
    with pytest.raises(ClientError) as info:
        server.client(secret_key="not-the-secret").get_object(Bucket=s3_bucket.name, Key="k")
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{server.endpoint_url}/{s3_bucket.name}/k", timeout=5)
    assert anonymous.value.code == 403


def test_s3_keys_live_under_the_prefix(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server_env(monkeypatch, s3_bucket.server)
    client = s3_bucket.server.client()
    client.put_object(Bucket=s3_bucket.name, Key="lake/rootless.json", Body=b"outside")
    lake = S3Storage(s3_bucket.name, "/lake/root/")
    assert lake.description == f"s3://{s3_bucket.name}/lake/root"

    async def scenario() -> None:
        await lake.put("raw/a.json", b"a")
        assert await lake.list("") == ["raw/a.json"]
        await lake.close()

    run(scenario())
    listed = client.list_objects_v2(Bucket=s3_bucket.name)["Contents"]
    assert sorted(o["Key"] for o in listed) == ["lake/root/raw/a.json", "lake/rootless.json"]


def test_s3_explicit_endpoint_and_region(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = s3_bucket.server
    use_server_env(monkeypatch, server)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    lake = S3Storage(
        s3_bucket.name, options=S3Options(endpoint_url=server.endpoint_url, region=server.region)
    )
    assert lake.description == f"s3://{s3_bucket.name}"

    async def scenario() -> None:
        await lake.put("raw/a.json", b"a")
        assert await lake.list("raw/") == ["raw/a.json"]
        await lake.close()
        await lake.close()  # idempotent
        with pytest.raises(StorageError, match="closed"):
            await lake.get("raw/a.json")

    run(scenario())


def test_s3_wrong_secret_is_a_storage_error_without_credentials(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_server_env(monkeypatch, s3_bucket.server)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-0123456789")
    lake = S3Storage(s3_bucket.name, "p")
    with pytest.raises(StorageError) as info:
        run(lake.put("raw/a.json", b"a"))
    run(lake.close())
    message = str(info.value)
    assert message.startswith(f"S3 put failed for s3://{s3_bucket.name}/p/raw/a.json")
    assert "SignatureDoesNotMatch" in message
    assert "wrong-secret" not in message
    assert s3_bucket.server.access_key not in message
    assert "\n" not in message


def test_s3_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    lake = S3Storage(
        "some-bucket", options=S3Options(endpoint_url="http://127.0.0.1:9", region="us-east-1")
    )
    with pytest.raises(StorageError, match=r"^no AWS credentials found for s3://some-bucket"):
        run(lake.list(""))
    run(lake.close())


class FakeSecret:
    """Like settings' Secret: the value only comes out through reveal()."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value


def test_s3_explicit_credentials_override_the_chain(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = s3_bucket.server
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    lake = open_storage(
        f"s3://{s3_bucket.name}/x",
        s3=S3Options(
            endpoint_url=server.endpoint_url,
            region=server.region,
            access_key_id=FakeSecret(server.access_key),
            secret_access_key=FakeSecret(server.secret_key),
        ),
    )

    async def scenario() -> None:
        await lake.put("raw/a.json", b"a")
        assert await lake.get("raw/a.json") == b"a"
        await lake.close()

    run(scenario())


@pytest.mark.parametrize(
    "credentials",
    [
        {"access_key_id": FakeSecret(EXAMPLE_KEY_ID)},
        {"secret_access_key": FakeSecret("hunter2-secret")},
        {"access_key_id": "", "secret_access_key": FakeSecret("hunter2-secret")},
        {"session_token": FakeSecret("hunter2-token")},
    ],
)
def test_partial_explicit_credentials_are_a_config_error(credentials: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="both") as info:
        open_storage("s3://my-lake", s3=S3Options(**credentials))
    assert "hunter2" not in str(info.value)
    assert "AKIA" not in str(info.value)


def test_s3_missing_bucket(s3_server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> None:
    use_server_env(monkeypatch, s3_server)
    lake = S3Storage("no-such-bucket-tmdb-lake")
    with pytest.raises(StorageError, match="NoSuchBucket"):
        run(lake.list(""))
    run(lake.close())


def test_s3_stopped_server_is_a_storage_error_and_restart_keeps_data(
    s3_bucket: S3Bucket,
) -> None:
    server = s3_bucket.server
    # An injected no-retry client: the default one retries with backoff for many seconds.
    lake = S3Storage(s3_bucket.name, client=server.client(attempts=1))
    run(lake.put("raw/kept.json", b"kept"))
    server.stop()
    try:
        calls: list[tuple[str, Coroutine[Any, Any, object]]] = [
            ("put", lake.put("raw/a.json", b"a")),
            ("get", lake.get("raw/kept.json")),
            ("list", lake.list("raw/")),
            ("delete", lake.delete(["raw/kept.json"])),
            ("copy", lake.copy("raw/kept.json", "raw/b.json")),
        ]
        for operation, call in calls:
            with pytest.raises(StorageError) as info:
                run(call)
            message = str(info.value)
            assert message.startswith(f"S3 {operation} failed for s3://{s3_bucket.name}/raw/")
            assert "EndpointConnectionError" in message
            assert server.secret_key not in message
            assert server.access_key not in message
            assert "\n" not in message
    finally:
        server.start()
    assert run(lake.get("raw/kept.json")) == b"kept"
    run(lake.close())


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers (a hung proxy or server)."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])  # kept open, never read or written

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.parametrize("operation", ["put", "get", "list"])
def test_s3_silent_endpoint_fails_within_attempts_times_timeout(
    silent_endpoint: str, operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    timeout, attempts = 1.0, 2
    lake = open_storage(
        "s3://silent-bucket/lake",
        s3=S3Options(
            endpoint_url=silent_endpoint,
            region="us-east-1",
            access_key_id="silent-endpoint-id",
            secret_access_key="silent-endpoint-secret",
            timeout=timeout,
            max_attempts=attempts,
        ),
    )
    calls = {
        "put": lambda: lake.put("raw/a.json", b"{}"),
        "get": lambda: lake.get("raw/a.json"),
        "list": lambda: lake.list("raw/"),
    }
    started = time.monotonic()
    with pytest.raises(StorageError) as info:
        run(asyncio.wait_for(calls[operation](), 120))  # the guard: never hang the suite
    seconds = time.monotonic() - started
    run(lake.close())
    message = str(info.value)
    assert message.startswith(f"S3 {operation} failed for s3://silent-bucket/lake/raw/")
    assert f": ReadTimeoutError at {silent_endpoint}/silent-bucket" in message
    assert message.endswith(" (2 attempts, 1 s timeout)"), message
    assert "\n" not in message and "silent-endpoint-secret" not in message
    # The bound: attempts x timeout, plus botocore's backoff before the retry (<= 1 s).
    assert attempts * timeout * 0.9 <= seconds < attempts * timeout + 1 + 2


class _DeleteErrorsClient:
    """Just enough of an S3 client to answer DeleteObjects with per-key errors."""

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.meta = SimpleNamespace(events=SimpleNamespace(register_last=lambda *a, **k: None))

    def delete_objects(self, *, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:
        self.batches.append(len(Delete["Objects"]))
        return {
            "Errors": [
                {
                    "Key": "r/raw/0.json",
                    "Code": "AccessDenied",
                    "Message": KEY_PREFIX + "EXAMPLEKEY123456",
                },
                {"Key": "r/raw/1.json", "Code": "NoSuchKey"},
            ]
        }


def test_s3_delete_reports_per_key_errors_in_batches_of_1000() -> None:
    client = _DeleteErrorsClient()
    lake = S3Storage("bucket-name", "r", client=client)  # type: ignore[arg-type]
    with pytest.raises(StorageError) as info:
        run(lake.delete([f"raw/{i}.json" for i in range(2500)]))
    run(lake.close())
    assert sorted(client.batches) == [500, 1000, 1000]
    message = str(info.value)
    assert "s3://bucket-name/r/raw/0.json: AccessDenied" in message
    assert "AKIA" not in message


# -- TeeStorage ---------------------------------------------------------------------------------


def test_tee_writes_both_and_reads_the_primary(storage: Storage, tmp_path: Path) -> None:
    mirror = LocalStorage(tmp_path / "mirror")
    tee = TeeStorage(storage, mirror)
    assert tee.description == f"{storage.description} (+ local copy in {tmp_path / 'mirror'})"

    async def scenario() -> None:
        await tee.put("raw/_staging/p1.json", b"p1")
        assert await mirror.get("raw/_staging/p1.json") == b"p1"
        await tee.copy("raw/_staging/p1.json", "raw/final/p1.json")
        assert await mirror.get("raw/final/p1.json") == b"p1"
        assert await storage.get("raw/final/p1.json") == b"p1"

        # a part staged before --keep-local was given: the mirror fetches the copied target
        await storage.put("raw/_staging/p2.json", b"p2")
        await tee.copy("raw/_staging/p2.json", "raw/final/p2.json")
        assert await mirror.get("raw/final/p2.json") == b"p2"

        await mirror.put("raw/only-in-mirror.json", b"m")
        assert await tee.get("raw/only-in-mirror.json") is None
        assert await tee.list("raw/final/") == ["raw/final/p1.json", "raw/final/p2.json"]

        await tee.delete(["raw/_staging/p1.json", "raw/final/p1.json"])
        assert await storage.get("raw/final/p1.json") is None
        assert await mirror.get("raw/final/p1.json") is None
        await tee.close()

    run(scenario())


def test_tee_does_not_mirror_what_the_primary_refused(tmp_path: Path) -> None:
    (tmp_path / "primary").mkdir()
    (tmp_path / "primary" / "raw").write_bytes(b"a file blocks the folder")
    mirror = LocalStorage(tmp_path / "mirror")
    tee = TeeStorage(LocalStorage(tmp_path / "primary"), mirror)
    with pytest.raises(StorageError):
        run(tee.put("raw/a.json", b"a"))
    assert run(mirror.list("")) == []


# -- open_storage -------------------------------------------------------------------------------


@pytest.fixture
def no_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


@pytest.mark.usefixtures("no_aws_env")
@pytest.mark.parametrize(
    ("uri", "bucket", "description"),
    [
        ("s3://my-lake", "my-lake", "s3://my-lake"),
        ("s3://my-lake/", "my-lake", "s3://my-lake"),
        ("s3://my.lake-01/tmdb/raw/", "my.lake-01", "s3://my.lake-01/tmdb/raw"),
        ("S3://my-lake/a", "my-lake", "s3://my-lake/a"),
    ],
)
def test_open_storage_s3(uri: str, bucket: str, description: str) -> None:
    lake = open_storage(uri, s3=S3Options(region="eu-west-1", endpoint_url="http://127.0.0.1:9000"))
    assert isinstance(lake, S3Storage)
    assert lake.bucket == bucket
    assert lake.description == description
    run(lake.close())


def test_open_storage_local_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_storage("lake")
    assert isinstance(relative, LocalStorage)
    assert relative.root == tmp_path / "lake"
    assert (tmp_path / "lake").is_dir()

    absolute = open_storage(str(tmp_path / "abs" / "lake"))
    assert isinstance(absolute, LocalStorage)
    assert (tmp_path / "abs" / "lake").is_dir()

    uri = open_storage(f"file://{tmp_path}/with%20space")
    assert isinstance(uri, LocalStorage)
    assert uri.root == tmp_path / "with space"
    assert uri.description == str(tmp_path / "with space")

    host = open_storage(f"file://localhost{tmp_path}/h")
    assert isinstance(host, LocalStorage)


def test_open_storage_keep_local(tmp_path: Path) -> None:
    tee = open_storage(str(tmp_path / "lake"), keep_local=tmp_path / "copy")
    assert isinstance(tee, TeeStorage)
    assert (tmp_path / "copy").is_dir()
    same = open_storage(str(tmp_path / "lake"), keep_local=tmp_path / "lake")
    assert isinstance(same, LocalStorage)


@pytest.mark.usefixtures("no_aws_env")
def test_open_storage_keep_local_with_s3(tmp_path: Path) -> None:
    tee = open_storage("s3://my-lake/x", keep_local=tmp_path / "copy")
    assert isinstance(tee, TeeStorage)
    assert tee.description == f"s3://my-lake/x (+ local copy in {tmp_path / 'copy'})"
    run(tee.close())


@pytest.mark.parametrize(
    ("uri", "match"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("http://example.com/lake", "unsupported lake location scheme 'http'"),
        ("gs://bucket/lake", "unsupported lake location scheme 'gs'"),
        ("s3a://bucket/lake", "unsupported lake location scheme 's3a'"),
        ("az://container/lake", "unsupported"),
        ("s3:/my-lake/x", "s3://bucket"),
        ("s3:my-lake", "s3://bucket"),
        ("s3://", "invalid S3 bucket name"),
        ("s3://my-lake/../other", r"'\.\.' is not allowed"),
        ("s3://my-lake/a/../../b", r"'\.\.' is not allowed"),
        ("s3://my-lake/a//b", "empty segment"),
        ("s3://my-lake/a/./b", r"'\.' segment"),
        ("s3://my-lake/a?versionId=1", "no query"),
        ("s3://My_Lake/x", "invalid S3 bucket name 'My_Lake'"),
        ("s3://ab", "3 to 63"),
        ("s3://192.168.1.10/x", "IP address"),
        ("s3://my..lake", r"'\.\.'"),
        ("s3://xn--lake", "reserved"),
        ("s3://lake-s3alias", "reserved"),
        ("../lake", r"'\.\.' is not allowed"),
        ("lake/../../etc", r"'\.\.' is not allowed"),
        ("file:///srv/../etc/lake", r"'\.\.' is not allowed"),
        ("file://server/share/lake", "no host"),
        ("file:relative/lake", "absolute"),
    ],
)
def test_open_storage_rejects(uri: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        open_storage(uri)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "uri",
    [
        "https://user:hunter2-pass@example.com/lake",
        f"s3://{EXAMPLE_KEY_ID}:hunter2-pass@my-lake/x",
        "s3://hunter2-pass@my-lake/x",
    ],
)
def test_open_storage_never_echoes_credentials(uri: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_storage(uri)
    assert "hunter2" not in str(info.value)
    assert "AKIA" not in str(info.value)


@pytest.mark.parametrize(
    "endpoint", ["ftp://127.0.0.1:9000", "127.0.0.1:9000", "http://", "http://u:p@host:1"]
)
def test_open_storage_rejects_bad_endpoints(endpoint: str) -> None:
    with pytest.raises(ConfigError) as info:
        open_storage("s3://my-lake", s3=S3Options(endpoint_url=endpoint))
    assert ":p@" not in str(info.value)


def test_open_storage_on_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "lake").write_text("not a folder")
    with pytest.raises(ConfigError, match="not a folder"):
        open_storage(str(tmp_path / "lake"))


# -- bucket names -------------------------------------------------------------------------------

# S3's general-purpose naming rules, written independently of the implementation.
REFERENCE_BUCKET_NAME = re.compile(
    r"(?!xn--|sthree-|amzn-s3-demo-)"
    r"(?!\d+\.\d+\.\d+\.\d+\Z)"
    r"(?!.*\.\.)"
    r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z"
    r"(?<!-s3alias)(?<!--ol-s3)(?<!\.mrap)(?<!--x-s3)(?<!--table-s3)"
)

bucket_like = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,64}[a-z0-9]", fullmatch=True)
affixed = st.builds(
    lambda pre, mid, suf: pre + mid + suf,
    st.sampled_from(["", "xn--", "sthree-", "amzn-s3-demo-", "1.", "-", "."]),
    bucket_like,
    st.sampled_from(["", "-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3", ".1", "-"]),
)
ip_like = st.builds(
    lambda parts: ".".join(map(str, parts)), st.lists(st.integers(0, 999), min_size=4, max_size=4)
)
anything = st.text(alphabet="abcxyz019.-_A Zé/:", max_size=70)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(bucket_like, affixed, ip_like, anything))
@example("my-lake")
@example("a" * 63)
@example("a" * 64)
@example("1.2.3.4")
@example("1.2.3.4a")
@example("a-.b")
def test_validate_bucket_name_matches_the_rules(name: str) -> None:
    valid = REFERENCE_BUCKET_NAME.match(name) is not None
    if valid:
        validate_bucket_name(name)
    else:
        with pytest.raises(ConfigError, match="invalid S3 bucket name"):
            validate_bucket_name(name)


def test_public_surface() -> None:
    assert sorted(storage_module.__all__) == [
        "Credential",
        "DEFAULT_STORAGE_ATTEMPTS",
        "DEFAULT_STORAGE_TIMEOUT_S",
        "LocalStorage",
        "S3Options",
        "S3Storage",
        "Storage",
        "SupportsReveal",
        "TeeStorage",
        "open_storage",
        "validate_bucket_name",
    ]


def test_s3_empty_put_does_not_stall_the_next_one(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # boto/botocore#3755: Expect: 100-continue + an empty PutObject poisons the pooled
    # connection, and the next PutObject on it stalls for the whole read timeout.
    use_server_env(monkeypatch, s3_bucket.server)
    lake = S3Storage(s3_bucket.name, max_workers=1)  # one connection: the next put reuses it

    async def scenario() -> float:
        await lake.put("raw/warm.json", b"w")
        started = time.monotonic()
        for i in range(3):
            await lake.put(f"raw/empty-{i}.json", b"")
            await lake.put(f"raw/full-{i}.json", b"{}")
        elapsed = time.monotonic() - started
        await lake.close()
        return elapsed

    assert run(scenario()) < 5


def test_s3_get_tells_a_missing_key_from_a_denied_one_under_a_prefix_scoped_policy() -> None:
    """With ListBucket scoped to a prefix, S3 answers a missing key with 403, not 404."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    storage = S3Storage("lake-bucket", "p", client=client)
    with Stubber(client) as stub:
        stub.add_client_error("get_object", "AccessDenied", http_status_code=403)
        stub.add_response("list_objects_v2", {"KeyCount": 0})
        assert asyncio.run(storage.get("raw/TMDB/_state/x.json")) is None
        stub.add_client_error("get_object", "AccessDenied", http_status_code=403)
        stub.add_response(
            "list_objects_v2", {"Contents": [{"Key": "p/raw/TMDB/_state/x.json"}], "KeyCount": 1}
        )
        with pytest.raises(StorageError, match="AccessDenied"):
            asyncio.run(storage.get("raw/TMDB/_state/x.json"))


@pytest.mark.usefixtures("no_aws_env")
def test_open_storage_gives_s3_its_timeouts_and_attempts() -> None:
    lake = open_storage(
        "s3://my-lake", s3=S3Options(region="us-east-1", timeout=3.5, max_attempts=4)
    )
    assert isinstance(lake, S3Storage)
    config = lake._client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (3.5, 3.5)
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    default = S3Storage("my-lake", options=S3Options(region="us-east-1"))
    assert default._client.meta.config.read_timeout == 20.0
    assert default._client.meta.config.retries["total_max_attempts"] == 6
    run(lake.close())
    run(default.close())
