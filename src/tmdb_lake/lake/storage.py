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

import builtins
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.lake.keys import validate_bucket_name
from tmdb_lake.lake.local import LocalStorage
from tmdb_lake.lake.location import LakeLocation, check_location_path
from tmdb_lake.lake.s3_options import (
    DEFAULT_STORAGE_ATTEMPTS,
    DEFAULT_STORAGE_TIMEOUT_S,
    Credential,
    S3Options,
    SupportsReveal,
)

if TYPE_CHECKING:
    from tmdb_lake.lake.s3 import S3Storage

__all__ = [
    "DEFAULT_STORAGE_ATTEMPTS",
    "DEFAULT_STORAGE_TIMEOUT_S",
    "Credential",
    "LocalStorage",
    "S3Options",
    "S3Storage",
    "Storage",
    "SupportsReveal",
    "TeeStorage",
    "open_storage",
    "validate_bucket_name",
]


@runtime_checkable
class Storage(Protocol):
    """The lake as a flat key space; keys are '/'-separated and relative to the lake root."""

    description: str
    """Where the lake is, for logs: "s3://bucket/prefix" or "/abs/path" (never a secret)."""

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` at `key` atomically: readers see all of it or nothing."""
        ...

    async def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create `key` with `data` only if it does not exist; tell whether this call created it.

        Atomic against concurrent writers on every backend (`O_EXCL`-like link locally, a
        conditional `If-None-Match: *` PUT on S3): of two racing calls, exactly one gets True.
        Leases and manifests rely on it.
        """
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

    async def put_if_absent(self, key: str, data: bytes) -> bool:
        """Create on the primary; mirror only what this call created."""
        created = await self.primary.put_if_absent(key, data)
        if created:
            await self.local.put(key, data)
        return created

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


def _check_endpoint_url(endpoint_url: str) -> None:
    parts = urlsplit(endpoint_url)
    if parts.username or parts.password:
        raise ConfigError("the S3 endpoint URL must not contain credentials")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"invalid S3 endpoint URL {endpoint_url!r}: expected http(s)://host[:port]"
        )


def open_storage(
    location: LakeLocation | str,
    *,
    keep_local: Path | None = None,
    s3: S3Options = S3Options(),  # noqa: B008 - frozen, safe to share
) -> Storage:
    """Return the storage for a lake location (see `LakeLocation.parse` for what is accepted).

    With `keep_local`, every write is mirrored into that folder (a TeeStorage). `s3`
    (endpoint, region, explicit credentials, per-call timeout and attempts) is ignored for
    a local lake; without explicit credentials S3 uses boto3's standard chain.
    """
    if isinstance(location, str):
        location = LakeLocation.parse(location)
    storage: Storage
    if location.kind == "local":
        assert location.path is not None
        storage = _open_local(location.path)
    else:
        if s3.endpoint_url:
            _check_endpoint_url(s3.endpoint_url)
        s3.check_credentials()
        from tmdb_lake.lake.s3 import S3Storage  # boto3 only when S3 is used

        storage = S3Storage(location.bucket, location.prefix, s3)
    if keep_local is not None:
        check_location_path(str(keep_local), repr(str(keep_local)))
        mirror = _open_local(Path(keep_local))
        if not (isinstance(storage, LocalStorage) and storage.root == mirror.root):
            storage = TeeStorage(storage, mirror)
    return storage


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


def __getattr__(name: str) -> Any:
    """Give the S3 names on first use: importing boto3 costs a third of a second."""
    if name == "S3Storage":
        from tmdb_lake.lake import s3

        return getattr(s3, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
