"""Where the lake's bytes live: the `Storage` protocol and its local, S3 and tee implementations.

Everything above this module speaks in keys relative to the lake root (`raw/TMDB/...`), so the
writer and the run never know whether the lake is a folder or a bucket. Every failure surfaces
as `StorageError` with a one-line message that names the operation and the key, never a secret;
an invalid key is a bug in our own code and raises `ValueError`.

Example::

    storage = open_storage("s3://my-bucket/lake", keep_local=Path("./lake-copy"))
    await storage.put("raw/TMDB/_state/movies.json", b"{}")
    keys = await storage.list("raw/TMDB/_state/")
    await storage.close()
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import functools
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from tmdb_lake.errors import ConfigError, StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

__all__ = [
    "Credential",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "SupportsReveal",
    "TeeStorage",
    "open_storage",
    "validate_bucket_name",
]

T = TypeVar("T")

# Temp files of an unfinished LocalStorage.put: hidden, and a segment no valid key may use, so
# `list` can never mistake one for data. Named `.~tmp-<pid>-<random>-<name>`: a writer killed
# mid-put (SIGKILL, power loss) leaves its temp file behind; `list`, and the first `put` into
# each folder, remove the temp files of writers that are gone, so a resumed run's commit and
# clean-up sweep what a crash left.
_TEMP_MARKER = ".~tmp-"
_S3_DELETE_BATCH = 1000  # DeleteObjects' limit
_PRUNE_RACE_ATTEMPTS = 5
_MAX_NAME_IN_MESSAGE = 80


class SupportsReveal(Protocol):
    """A wrapped secret (settings' `Secret`): its value is only read where it is sent."""

    def reveal(self) -> str:
        """Give the raw value."""
        ...


Credential = str | SupportsReveal
"""An explicit AWS credential: a plain string or a wrapped secret."""


@runtime_checkable
class Storage(Protocol):
    """The lake as a flat key space; keys are '/'-separated and relative to the lake root."""

    description: str
    """Where the lake is, for logs: "s3://bucket/prefix" or "/abs/path" (never a secret)."""

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` at `key` atomically: readers see all of it or nothing."""
        ...

    async def get(self, key: str) -> bytes | None:
        """Return the bytes at `key`, or None when it does not exist."""
        ...

    async def list(self, prefix: str) -> builtins.list[str]:
        """Return every key starting with `prefix` (a key prefix, not a folder), sorted."""
        ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete `keys`; keys that do not exist are fine."""
        ...

    async def copy(self, source: str, target: str) -> None:
        """Copy `source` to `target` (server-side on S3)."""
        ...

    async def close(self) -> None:
        """Release connections and threads; the storage is unusable afterwards."""
        ...


# -- keys ---------------------------------------------------------------------------------------


def _check_segments(text: str, what: str, *, allow_trailing_slash: bool) -> None:
    if "\\" in text:
        raise ValueError(f"{what} must use '/' separators, not backslashes: {text!r}")
    if text.startswith("/"):
        raise ValueError(f"{what} must be relative to the lake root: {text!r}")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in text):
        raise ValueError(f"{what} must not contain control characters: {text!r}")
    segments = text.split("/")
    if allow_trailing_slash and len(segments) > 1 and segments[-1] == "":
        segments = segments[:-1]
    for segment in segments:
        if segment == "":
            raise ValueError(f"{what} has an empty segment: {text!r}")
        if segment in (".", ".."):
            raise ValueError(f"{what} has a {segment!r} segment: {text!r}")
        if segment.startswith(_TEMP_MARKER):
            raise ValueError(f"{what} uses the reserved {_TEMP_MARKER!r} name prefix: {text!r}")


def _check_key(key: str) -> str:
    """Return `key` if it is a valid lake key, else raise ValueError (a bug in the caller)."""
    if not isinstance(key, str) or key == "":
        raise ValueError(f"a key must be a non-empty string, got {key!r}")
    _check_segments(key, "key", allow_trailing_slash=False)
    return key


def _check_prefix(prefix: str) -> str:
    """Return `prefix` if it is a valid key prefix ("" or ending in '/' allowed)."""
    if not isinstance(prefix, str):
        raise ValueError(f"a prefix must be a string, got {prefix!r}")
    if prefix:
        _check_segments(prefix, "prefix", allow_trailing_slash=True)
    return prefix


def _check_keys(keys: Sequence[str]) -> builtins.list[str]:
    if isinstance(keys, str):
        raise TypeError("delete() takes a sequence of keys, not a single string")
    return builtins.list(dict.fromkeys(_check_key(key) for key in keys))


# -- local --------------------------------------------------------------------------------------


class LocalStorage:
    """A lake in a local folder; `put` is atomic (temp file, fsync, `os.replace`).

    Blocking file I/O runs in `asyncio.to_thread` so a slow disk never stalls the event loop.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()
        self.description = str(self.root)
        self._swept: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key).split("/"))

    async def put(self, key: str, data: bytes) -> None:
        """Write `data` to a temp file beside the target, fsync it, then rename it over the key."""
        path = self._path(key)
        try:
            await asyncio.to_thread(self._put_sync, path, bytes(data))
        except OSError as exc:
            raise _local_error("put", key, exc) from exc

    def _put_sync(self, path: Path, data: bytes) -> None:
        def write(tmp: Path) -> None:
            with tmp.open("xb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())

        self._atomic_replace(path, write)

    def _atomic_replace(self, path: Path, write: Callable[[Path], None]) -> None:
        # A concurrent `delete` may prune the parent folders while we create them or the temp
        # file (pathlib then reports FileNotFoundError, or FileExistsError for a folder that
        # vanished between mkdir and its is_dir check); the race only ever loses empty
        # folders, so recreate them and try again. A real conflict fails every attempt.
        for attempt in range(_PRUNE_RACE_ATTEMPTS):
            tmp = path.with_name(f"{_TEMP_MARKER}{os.getpid()}-{secrets.token_hex(8)}-{path.name}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write(tmp)
                os.replace(tmp, path)
            except (FileNotFoundError, FileExistsError):
                tmp.unlink(missing_ok=True)
                if attempt == _PRUNE_RACE_ATTEMPTS - 1:
                    raise
                continue
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
            if path.parent not in self._swept:  # once per folder: a crash's leftovers
                self._swept.add(path.parent)
                with contextlib.suppress(OSError):
                    _remove_orphaned_temps(path.parent, os.listdir(path.parent))
            return

    async def get(self, key: str) -> bytes | None:
        """Return the file's bytes, or None when there is no such key."""
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as exc:
            raise _local_error("get", key, exc) from exc

    async def list(self, prefix: str) -> builtins.list[str]:
        """Return every key starting with `prefix`, sorted; temp files are never listed.

        Temp files left under the prefix by a writer process that no longer runs are removed.
        """
        _check_prefix(prefix)
        try:
            return await asyncio.to_thread(self._list_sync, prefix)
        except OSError as exc:
            raise _local_error("list", prefix, exc) from exc

    def _list_sync(self, prefix: str) -> builtins.list[str]:
        # Walk only the deepest folder the prefix names, then filter by the full prefix, so
        # "raw/x/2024" matches "raw/x/2024/..." and "raw/x/2024-01.json" alike (S3 semantics).
        folder = prefix.rpartition("/")[0]
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        if not start.is_dir():
            return []
        keys: builtins.list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(_TEMP_MARKER)]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if rel == "." else rel + "/"
            names = [name for name in filenames if (base + name).startswith(prefix)]
            keys.extend(base + name for name in names if not name.startswith(_TEMP_MARKER))
            _remove_orphaned_temps(Path(dirpath), names)
        keys.sort()
        return keys

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove the files (missing ones are fine) and any folders left empty, up to the root."""
        paths = {key: self._path(key) for key in _check_keys(keys)}
        if paths:
            await asyncio.to_thread(self._delete_many_sync, paths)

    def _delete_many_sync(self, paths: dict[str, Path]) -> None:
        for key, path in paths.items():
            try:
                self._delete_sync(path)
            except OSError as exc:
                raise _local_error("delete", key, exc) from exc

    def _delete_sync(self, path: Path) -> None:
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            pass
        except IsADirectoryError:
            return  # a "folder" is not a key: nothing to delete, and never rmtree by accident
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                return  # not empty (or busy): the folders above are not empty either
            parent = parent.parent

    async def copy(self, source: str, target: str) -> None:
        """Copy `source` to `target` atomically; a missing source is a StorageError."""
        src, dst = self._path(source), self._path(target)
        try:
            await asyncio.to_thread(self._copy_sync, src, dst)
        except OSError as exc:
            raise _local_error("copy", f"{source} -> {target}", exc) from exc

    def _copy_sync(self, src: Path, dst: Path) -> None:
        def write(tmp: Path) -> None:
            shutil.copyfile(src, tmp)
            with tmp.open("rb") as out:
                os.fsync(out.fileno())

        if not src.is_file():
            raise FileNotFoundError(2, "source key does not exist", str(src))
        self._atomic_replace(dst, write)

    async def close(self) -> None:
        """Nothing to release: files are opened and closed per call."""


def _remove_orphaned_temps(folder: Path, names: Sequence[str]) -> None:
    """Delete the temp files among `names` (in `folder`) whose writer process has died."""
    for name in names:
        if name.startswith(_TEMP_MARKER) and _orphaned_temp(name):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _orphaned_temp(name: str) -> bool:
    """Tell whether a temp file's writer (the pid in its name) has died, on POSIX.

    Removing a live writer's temp file (another host, another pid namespace) costs it one
    retry of its put, never data: `_atomic_replace` starts over when its temp file vanishes.
    """
    pid = name[len(_TEMP_MARKER) :].partition("-")[0]
    if os.name != "posix" or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, but not ours to signal
    return False


def _fsync_dir(folder: Path) -> None:
    """Persist a rename: on POSIX the directory entry needs its own fsync."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return  # e.g. Windows cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _local_error(operation: str, key: str, exc: OSError) -> StorageError:
    reason = exc.strerror or type(exc).__name__
    return StorageError(f"local {operation} failed for {key!r}: {reason}")


# -- S3 -----------------------------------------------------------------------------------------

# A hint per error code we expect users to hit; the server's own message is never echoed,
# because some servers put the access key id (or the string to sign) into it.
_S3_HINTS = {
    "AccessDenied": "access denied: check the credentials' permissions on this bucket",
    "AllAccessDisabled": "access to this bucket is disabled",
    "InvalidAccessKeyId": "the access key id was not recognised: check the credentials",
    "SignatureDoesNotMatch": "the request signature was rejected: check the secret key",
    "ExpiredToken": "the session token has expired: refresh the credentials",
    "InvalidToken": "the session token is invalid: refresh the credentials",
    "NoSuchBucket": "the bucket does not exist",
    "NoSuchKey": "the key does not exist",
    "SlowDown": "S3 is throttling requests",
    "PermanentRedirect": "the bucket is in another region: set the region",
    "AuthorizationHeaderMalformed": "the region does not match the bucket's: set the region",
}
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b")


def _s3_error(operation: str, location: str, exc: Exception) -> StorageError:
    """Turn a botocore failure into a one-line StorageError without any credential in it."""
    where = f"S3 {operation} failed for {location}"
    if isinstance(exc, NoCredentialsError):
        return StorageError(
            f"no AWS credentials found for {location}: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance or task role"
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "unknown")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        hint = _S3_HINTS.get(code, "")
        detail = f"{code} (HTTP {status})" if status else code
        return StorageError(f"{where}: {detail}" + (f": {hint}" if hint else ""))
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        endpoint = str(exc.kwargs.get("endpoint_url", "")).split("?", 1)[0]
        return StorageError(f"{where}: {type(exc).__name__} at {_redact(endpoint)}")
    text = " ".join(str(exc).split())[:200]
    return StorageError(f"{where}: {type(exc).__name__}: {_redact(text)}")


def _redact(text: str) -> str:
    return _ACCESS_KEY_ID.sub("<access-key-id>", text)


def _reveal(value: Credential | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    return value.reveal() or None


def _check_credentials(
    access_key_id: Credential | None,
    secret_access_key: Credential | None,
    session_token: Credential | None,
) -> None:
    """Raise ConfigError for a partial set of explicit credentials (never echoing them)."""
    has_key, has_secret = _reveal(access_key_id) is not None, _reveal(secret_access_key) is not None
    if has_key != has_secret:
        raise ConfigError(
            "give both the AWS access key id and the secret access key, or neither "
            "(to use the standard credential chain)"
        )
    if _reveal(session_token) is not None and not has_key:
        raise ConfigError(
            "an AWS session token needs both an access key id and a secret access key"
        )


_NO_EXPECT_HANDLER_ID = "tmdb-lake-no-expect-100-continue"


def _drop_expect_header(params: dict[str, Any], **_: Any) -> None:
    """Remove the `Expect: 100-continue` header botocore adds to PutObject (see S3Storage)."""
    params.get("headers", {}).pop("Expect", None)


def _endpoint_in_effect(endpoint_url: str | None) -> str | None:
    """Return the custom endpoint botocore will use: explicit, or from the standard env vars."""
    if endpoint_url:
        return endpoint_url
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


class S3Storage:
    """A lake in an S3 bucket (or any S3-compatible server), under an optional key prefix.

    One boto3 client, created here with the standard credential chain; botocore itself honours
    AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3. Blocking calls run in a dedicated thread pool of
    `max_workers` threads (and as many pooled connections), so concurrent `put`s upload in
    parallel instead of queueing behind asyncio's small default executor.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_workers: int = 16,
        client: S3Client | None = None,
        access_key_id: Credential | None = None,
        secret_access_key: Credential | None = None,
        session_token: Credential | None = None,
    ) -> None:
        validate_bucket_name(bucket)
        _check_credentials(access_key_id, secret_access_key, session_token)
        root = prefix.strip("/")
        if root:
            _check_segments(root, "prefix", allow_trailing_slash=False)
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self.bucket = bucket
        self._root = f"{root}/" if root else ""
        self.description = f"s3://{bucket}/{root}" if root else f"s3://{bucket}"
        self._owns_client = client is None
        self._client = (
            client
            if client is not None
            else self._make_client(
                endpoint_url,
                region,
                max_workers,
                (access_key_id, secret_access_key, session_token),
            )
        )
        # botocore sends `Expect: 100-continue` with every PutObject; when a server answers
        # without a 100 (Go servers do for empty bodies) the pooled connection is left parsing
        # the next response against a stale status line: a silent read-timeout stall, then a
        # retried (double) write (boto/botocore#3755). Our parts are small, so the handshake
        # buys nothing; the header is not signed, so dropping it is safe.
        self._client.meta.events.register_last(
            "before-call.s3.PutObject", _drop_expect_header, unique_id=_NO_EXPECT_HANDLER_ID
        )
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="tmdb-lake-s3")
        self._closed = False

    def _make_client(
        self,
        endpoint_url: str | None,
        region: str | None,
        workers: int,
        credentials: tuple[Credential | None, Credential | None, Credential | None],
    ) -> S3Client:
        config = Config(
            retries={"mode": "standard", "max_attempts": 5},
            max_pool_connections=workers,
            connect_timeout=10,
            read_timeout=60,
            tcp_keepalive=True,
            # botocore >= 1.36 checksums every upload by default (a CRC trailer on streams),
            # which many S3-compatible servers reject; only do it where S3 requires one.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Custom endpoints (SeaweedFS, MinIO, localhost) rarely resolve bucket subdomains.
            s3={"addressing_style": "path" if _endpoint_in_effect(endpoint_url) else "auto"},
        )
        try:
            # Explicit credentials (revealed only here, never stored) or, when None, boto3's
            # standard chain: env, profile, SSO, container or instance role.
            key_id, secret, token = (_reveal(value) for value in credentials)
            session = boto3.session.Session()
            return session.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                config=config,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
                aws_session_token=token,
            )
        except (BotoCoreError, ValueError) as exc:
            raise StorageError(
                f"cannot create the S3 client for {self.description}: {type(exc).__name__}"
            ) from exc

    def _key(self, key: str) -> str:
        return self._root + _check_key(key)

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    async def _run(self, operation: str, location: str, call: Callable[[], T]) -> T:
        if self._closed:
            raise StorageError(f"S3 {operation} failed for {location}: the storage is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, call)
        except (BotoCoreError, ClientError) as exc:
            raise _s3_error(operation, location, exc) from exc

    async def put(self, key: str, data: bytes) -> None:
        """PutObject: S3 makes a new object visible only once it is complete."""
        full = self._key(key)
        call = functools.partial(
            self._client.put_object, Bucket=self.bucket, Key=full, Body=bytes(data)
        )
        await self._run("put", self._where(full), call)

    async def get(self, key: str) -> bytes | None:
        """GetObject; None when the key does not exist.

        Without an unconditional s3:ListBucket (our IAM policy scopes it to the lake
        prefix), S3 answers a missing key with 403 AccessDenied instead of 404, so a 403
        is checked with a one-key listing before it is taken for a real denial.
        """
        full = self._key(key)

        def fetch() -> bytes | None:
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=full)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code in ("NoSuchKey", "404"):
                    return None
                if code == "AccessDenied" and not self._listed(full):
                    return None
                raise
            with response["Body"] as body:
                return body.read()

        return await self._run("get", self._where(full), fetch)

    def _listed(self, full_key: str) -> bool:
        found = self._client.list_objects_v2(Bucket=self.bucket, Prefix=full_key, MaxKeys=1)
        return any(item["Key"] == full_key for item in found.get("Contents", []))

    async def list(self, prefix: str) -> builtins.list[str]:
        """ListObjectsV2 through every page, keys relative to the lake root, sorted."""
        full = self._root + _check_prefix(prefix)

        def collect() -> builtins.list[str]:
            paginator = self._client.get_paginator("list_objects_v2")
            keys: builtins.list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                keys.extend(obj["Key"][len(self._root) :] for obj in page.get("Contents", []))
            keys.sort()
            return keys

        return await self._run("list", self._where(full), collect)

    async def delete(self, keys: Sequence[str]) -> None:
        """DeleteObjects in batches of 1000, in parallel; per-key errors become StorageError."""
        full = [self._root + key for key in _check_keys(keys)]
        batches = [full[i : i + _S3_DELETE_BATCH] for i in range(0, len(full), _S3_DELETE_BATCH)]
        await asyncio.gather(*(self._delete_batch(batch) for batch in batches))

    async def _delete_batch(self, batch: builtins.list[str]) -> None:
        objects: builtins.list[ObjectIdentifierTypeDef] = [{"Key": key} for key in batch]
        call = functools.partial(
            self._client.delete_objects,
            Bucket=self.bucket,
            Delete={"Objects": objects, "Quiet": True},
        )
        response = await self._run("delete", self._where(batch[0]), call)
        errors = [e for e in response.get("Errors", []) if e.get("Code") != "NoSuchKey"]
        if errors:
            first = errors[0]
            raise StorageError(
                f"S3 delete failed for {len(errors)} of {len(batch)} keys, first "
                f"{self._where(first.get('Key', '?'))}: {first.get('Code', 'unknown')}"
            )

    async def copy(self, source: str, target: str) -> None:
        """CopyObject, server-side (objects up to 5 GB, far above our 10 MB parts)."""
        src, dst = self._key(source), self._key(target)
        call = functools.partial(
            self._client.copy_object,
            Bucket=self.bucket,
            Key=dst,
            CopySource={"Bucket": self.bucket, "Key": src},
        )
        await self._run("copy", f"{self._where(src)} -> {dst}", call)

    async def close(self) -> None:
        """Wait for running calls, stop the threads and close the client's connections."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        if self._owns_client:
            self._client.close()


# -- tee ----------------------------------------------------------------------------------------


class TeeStorage:
    """The primary lake plus a local mirror (`--keep-local DIR`): writes go to both.

    Reads and lists come from the primary, which is the truth; the mirror is written after the
    primary succeeds, so it never holds data the primary refused.
    """

    def __init__(self, primary: Storage, local: LocalStorage) -> None:
        self.primary = primary
        self.local = local
        self.description = f"{primary.description} (+ local copy in {local.description})"

    async def put(self, key: str, data: bytes) -> None:
        """Put to the primary, then to the mirror."""
        await self.primary.put(key, data)
        await self.local.put(key, data)

    async def get(self, key: str) -> bytes | None:
        """Get from the primary."""
        return await self.primary.get(key)

    async def list(self, prefix: str) -> builtins.list[str]:
        """List the primary."""
        return await self.primary.list(prefix)

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete from the primary, then from the mirror."""
        await self.primary.delete(keys)
        await self.local.delete(keys)

    async def copy(self, source: str, target: str) -> None:
        """Copy on the primary, then mirror the target (fetched if the mirror lacks the source).

        A resumed run may have staged its parts before `--keep-local` was given, so the
        mirror cannot rely on holding the source.
        """
        await self.primary.copy(source, target)
        if await self.local.get(source) is not None:
            await self.local.copy(source, target)
            return
        data = await self.primary.get(target)
        if data is None:
            raise StorageError(f"copy to local mirror failed: {target!r} vanished from primary")
        await self.local.put(target, data)

    async def close(self) -> None:
        """Close both, even if the primary fails to close."""
        try:
            await self.primary.close()
        finally:
            await self.local.close()


# -- from a URI ---------------------------------------------------------------------------------

_BUCKET_CHARS = re.compile(r"[a-z0-9.-]+")
_IP_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")  # 2+ chars: "C:" is a drive, not a scheme


def validate_bucket_name(name: str) -> None:
    """Raise ConfigError unless `name` follows S3's general-purpose bucket naming rules.

    3-63 characters of lowercase letters, digits, '.' and '-'; starts and ends with a letter or
    digit; no '..'; not an IP address; none of the prefixes and suffixes S3 reserves.
    """
    shown = repr(name if len(name) <= _MAX_NAME_IN_MESSAGE else name[:_MAX_NAME_IN_MESSAGE] + "…")

    def invalid(reason: str) -> ConfigError:
        return ConfigError(f"invalid S3 bucket name {shown}: {reason}")

    if not 3 <= len(name) <= 63:
        raise invalid("must be 3 to 63 characters long")
    if not _BUCKET_CHARS.fullmatch(name):
        raise invalid("only lowercase letters, digits, '.' and '-' are allowed")
    if not (name[0].isalnum() and name[-1].isalnum()):
        raise invalid("must start and end with a letter or digit")
    if ".." in name:
        raise invalid("must not contain '..'")
    if _IP_LIKE.fullmatch(name):
        raise invalid("must not be formatted as an IP address")
    for reserved in _RESERVED_BUCKET_PREFIXES:
        if name.startswith(reserved):
            raise invalid(f"the prefix {reserved!r} is reserved by S3")
    for reserved in _RESERVED_BUCKET_SUFFIXES:
        if name.endswith(reserved):
            raise invalid(f"the suffix {reserved!r} is reserved by S3")


def _check_location_path(path: str, shown: str) -> None:
    if any(segment == ".." for segment in re.split(r"[/\\]", path)):
        raise ConfigError(f"'..' is not allowed in the lake location {shown}")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in path):
        raise ConfigError(f"control characters are not allowed in the lake location {shown}")


def _check_endpoint_url(endpoint_url: str) -> None:
    parts = urlsplit(endpoint_url)
    if parts.username or parts.password:
        raise ConfigError("the S3 endpoint URL must not contain credentials")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"invalid S3 endpoint URL {endpoint_url!r}: expected http(s)://host[:port]"
        )


def open_storage(
    uri: str,
    *,
    keep_local: Path | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: Credential | None = None,
    secret_access_key: Credential | None = None,
    session_token: Credential | None = None,
) -> Storage:
    """Return the storage for a lake location: `s3://bucket/prefix`, `file:///abs` or a path.

    Any other scheme, a '..' segment or an invalid bucket name is a ConfigError. With
    `keep_local`, every write is mirrored into that folder (a TeeStorage). The S3 options
    (endpoint, region, explicit credentials) are ignored for a local lake; without explicit
    credentials S3 uses boto3's standard chain.
    """
    uri = uri.strip()
    if not uri:
        raise ConfigError("the lake location is empty: give s3://bucket/prefix or a local path")
    storage: Storage
    scheme_match = _SCHEME.match(uri)
    if scheme_match is None:
        _check_location_path(uri, repr(uri))
        storage = _open_local(Path(uri))
    else:
        scheme = scheme_match.group(1).lower()
        if scheme == "s3":
            if endpoint_url:
                _check_endpoint_url(endpoint_url)
            _check_credentials(access_key_id, secret_access_key, session_token)
            storage = _open_s3(
                uri,
                endpoint_url=endpoint_url,
                region=region,
                credentials=(access_key_id, secret_access_key, session_token),
            )
        elif scheme == "file":
            storage = _open_local(_file_uri_path(uri))
        else:
            # Only the scheme is echoed: the rest may carry a password (https://user:pw@host).
            raise ConfigError(
                f"unsupported lake location scheme {scheme!r}: use s3://bucket/prefix, "
                "file:///absolute/path or a local path"
            )
    if keep_local is not None:
        _check_location_path(str(keep_local), repr(str(keep_local)))
        mirror = _open_local(Path(keep_local))
        if not (isinstance(storage, LocalStorage) and storage.root == mirror.root):
            storage = TeeStorage(storage, mirror)
    return storage


def _open_s3(
    uri: str,
    *,
    endpoint_url: str | None,
    region: str | None,
    credentials: tuple[Credential | None, Credential | None, Credential | None],
) -> S3Storage:
    if not uri.lower().startswith("s3://"):
        raise ConfigError("an S3 lake location must look like s3://bucket/optional/prefix")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if "@" in bucket or ":" in bucket:
        raise ConfigError(
            "an S3 lake location must not contain credentials or a port: "
            "use the AWS credential chain and --endpoint-url"
        )
    if "?" in uri or "#" in uri:
        raise ConfigError(f"an S3 lake location takes no query or fragment: s3://{bucket}/...")
    validate_bucket_name(bucket)
    shown = repr(f"s3://{bucket}/{prefix}")
    _check_location_path(prefix, shown)
    root = prefix.strip("/")
    if "\\" in root or "//" in root:
        raise ConfigError(f"the S3 prefix in {shown} has an empty segment or a backslash")
    if any(segment == "." for segment in root.split("/")):
        raise ConfigError(f"the S3 prefix in {shown} has a '.' segment")
    key_id, secret, token = credentials
    return S3Storage(
        bucket,
        root,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=key_id,
        secret_access_key=secret,
        session_token=token,
    )


def _file_uri_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise ConfigError(
            "a file lake location must be file:///absolute/path (no host, absolute path)"
        )
    if parts.query or parts.fragment:
        raise ConfigError("a file lake location takes no query or fragment")
    path = unquote(parts.path)
    _check_location_path(path, repr(f"file://{path}"))
    return Path(path)


def _open_local(path: Path) -> LocalStorage:
    storage = LocalStorage(path)
    try:
        storage.root.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise ConfigError(f"the lake location {storage.description} is not a folder") from exc
    except OSError as exc:
        raise StorageError(
            f"cannot create the lake folder {storage.description}: {exc.strerror or exc}"
        ) from exc
    return storage
