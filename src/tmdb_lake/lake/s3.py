"""A lake in S3 or any S3-compatible store (MinIO, SeaweedFS, ...), through boto3."""

from __future__ import annotations

import asyncio
import builtins
import functools
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

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

from tmdb_lake.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

from tmdb_lake.lake.keys import (
    check_key,
    check_keys,
    check_prefix,
    check_segments,
    validate_bucket_name,
)
from tmdb_lake.lake.s3_options import S3Options, reveal

T = TypeVar("T")
_S3_DELETE_BATCH = 1000  # DeleteObjects' limit
_CONDITIONAL_CONFLICT_ATTEMPTS = 5


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

    Every call is bounded: `timeout` is botocore's connect timeout and its timeout of each
    socket read or write, and a call makes at most `max_attempts` attempts (botocore's
    standard retries: throttling, 5xx, timeouts, refused and reset connections), so a
    silent endpoint fails it within `max_attempts x timeout` plus the backoff between
    attempts (random, at most 1, 2, 4, 8, 16, 20, 20, ... s).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        options: S3Options = S3Options(),  # noqa: B008 - frozen, safe to share
        *,
        max_workers: int = 16,
        client: S3Client | None = None,
    ) -> None:
        validate_bucket_name(bucket)
        options.check_credentials()
        timeout, max_attempts = options.timeout, options.max_attempts
        root = prefix.strip("/")
        if root:
            check_segments(root, "prefix", allow_trailing_slash=False)
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        if not timeout > 0 or max_attempts < 1:
            raise ValueError(f"need timeout > 0 and max_attempts >= 1: {timeout}, {max_attempts}")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.bucket = bucket
        self._root = f"{root}/" if root else ""
        self.description = f"s3://{bucket}/{root}" if root else f"s3://{bucket}"
        self._owns_client = client is None
        self._client = client if client is not None else self._make_client(options, max_workers)
        # botocore sends `Expect: 100-continue` with every PutObject; when a server answers
        # without a 100 (Go servers do for empty bodies) the pooled connection is left parsing
        # the next response against a stale status line: a silent read-timeout stall, then a
        # retried (double) write (boto/botocore#3755). Our parts are small, so the handshake
        # buys nothing; the header is not signed, so dropping it is safe. The handler sits on
        # `before-call.s3`, after botocore's own: a handler on the more specific
        # `before-call.s3.PutObject` runs *before* the general one that adds the header.
        self._client.meta.events.register_last(
            "before-call.s3", _drop_expect_header, unique_id=_NO_EXPECT_HANDLER_ID
        )
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix="tmdb-lake-s3")
        self._closed = False

    def _make_client(self, options: S3Options, workers: int) -> S3Client:
        config = Config(
            # total_max_attempts counts the first attempt; max_attempts would count retries.
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            max_pool_connections=workers,
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            tcp_keepalive=True,
            # botocore >= 1.36 checksums every upload by default (a CRC trailer on streams),
            # which many S3-compatible servers reject; only do it where S3 requires one.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Custom endpoints (SeaweedFS, MinIO, localhost) rarely resolve bucket subdomains.
            s3={
                "addressing_style": "path" if _endpoint_in_effect(options.endpoint_url) else "auto"
            },
        )
        try:
            # Explicit credentials (revealed only here, never stored) or, when None, boto3's
            # standard chain: env, profile, SSO, container or instance role.
            session = boto3.session.Session()
            return session.client(
                "s3",
                endpoint_url=options.endpoint_url or None,
                region_name=options.region or None,
                config=config,
                aws_access_key_id=reveal(options.access_key_id),
                aws_secret_access_key=reveal(options.secret_access_key),
                aws_session_token=reveal(options.session_token),
            )
        except (BotoCoreError, ValueError) as exc:
            raise StorageError(
                f"cannot create the S3 client for {self.description}: {type(exc).__name__}"
            ) from exc

    def _key(self, key: str) -> str:
        return self._root + check_key(key)

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    async def _run(self, operation: str, location: str, call: Callable[[], T]) -> T:
        if self._closed:
            raise StorageError(f"S3 {operation} failed for {location}: the storage is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, call)
        except (BotoCoreError, ClientError) as exc:
            error = _s3_error(operation, location, exc)
            timed_out = EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError
            if self._owns_client and isinstance(exc, timed_out):  # our config, our bound
                bound = f" ({self.max_attempts} attempts, {self.timeout:g} s timeout)"
                error = StorageError(f"{error}{bound}")
            raise error from exc

    async def put(self, key: str, data: bytes) -> None:
        """PutObject: S3 makes a new object visible only once it is complete.

        An `.html` key (the report's page) is stored as `text/html`, so that a presigned
        URL shows it in the browser instead of downloading it.
        """
        full = self._key(key)
        call = functools.partial(
            self._client.put_object, Bucket=self.bucket, Key=full, Body=bytes(data)
        )
        if key.endswith(".html"):
            call = functools.partial(call, ContentType="text/html; charset=utf-8")
        await self._run("put", self._where(full), call)

    async def put_if_absent(self, key: str, data: bytes) -> bool:
        """PutObject with `If-None-Match: *`: False when the key exists (HTTP 412).

        AWS S3 and SeaweedFS enforce the condition; a 409 (a concurrent conditional write
        in flight) is retried, as AWS documents.
        """
        full = self._key(key)

        def create() -> bool:
            for _ in range(_CONDITIONAL_CONFLICT_ATTEMPTS):
                try:
                    self._client.put_object(
                        Bucket=self.bucket, Key=full, Body=bytes(data), IfNoneMatch="*"
                    )
                    return True
                except ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code")
                    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                    if code == "PreconditionFailed" or status == 412:
                        return False
                    if code != "ConditionalRequestConflict" and status != 409:
                        raise
            return False

        return await self._run("put", self._where(full), create)

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
        full = self._root + check_prefix(prefix)

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
        full = [self._root + key for key in check_keys(keys)]
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
