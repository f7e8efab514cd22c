"""Where a lake is: a folder or `s3://bucket/prefix`, parsed and checked in one place.

Settings, `open_storage` and every command go through `LakeLocation.parse`, so a lake
URI is validated by one function, with one set of messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.keys import validate_bucket_name

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):")  # 2+ chars: "C:" is a drive, not a scheme


@dataclass(frozen=True)
class LakeLocation:
    """A validated lake location: a local folder, or an S3 bucket and key prefix."""

    uri: str
    kind: Literal["local", "s3"]
    path: Path | None = None
    bucket: str = ""
    prefix: str = ""
    """The S3 key prefix, without leading or trailing slashes ("" for the bucket's root)."""

    def __str__(self) -> str:
        return self.uri

    @classmethod
    def parse(cls, uri: str) -> LakeLocation:
        """Check a lake location: `s3://bucket/prefix`, `file:///abs` or a path.

        Any other scheme, a '..' segment, credentials in the URI or an invalid bucket
        name is a one-line `ConfigError` that never echoes what may be a password.
        """
        uri = uri.strip()
        if not uri:
            raise ConfigError("the lake location is empty: give s3://bucket/prefix or a local path")
        scheme_match = _SCHEME.match(uri)
        if scheme_match is None:
            check_location_path(uri, repr(uri))
            return cls(uri, "local", path=Path(uri))
        scheme = scheme_match.group(1).lower()
        if scheme == "s3":
            bucket, prefix = _s3_parts(uri)
            return cls(uri, "s3", bucket=bucket, prefix=prefix)
        if scheme == "file":
            return cls(uri, "local", path=_file_uri_path(uri))
        # Only the scheme is echoed: the rest may carry a password (https://user:pw@host).
        raise ConfigError(
            f"unsupported lake location scheme {scheme!r}: use s3://bucket/prefix, "
            "file:///absolute/path or a local path"
        )


def check_location_path(path: str, shown: str) -> None:
    """Refuse '..' segments and control characters in a lake path or prefix."""
    if any(segment == ".." for segment in re.split(r"[/\\]", path)):
        raise ConfigError(f"'..' is not allowed in the lake location {shown}")
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in path):
        raise ConfigError(f"control characters are not allowed in the lake location {shown}")


def _s3_parts(uri: str) -> tuple[str, str]:
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
    check_location_path(prefix, shown)
    root = prefix.strip("/")
    if "\\" in root or "//" in root:
        raise ConfigError(f"the S3 prefix in {shown} has an empty segment or a backslash")
    if any(segment == "." for segment in root.split("/")):
        raise ConfigError(f"the S3 prefix in {shown} has a '.' segment")
    return bucket, root


def _file_uri_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise ConfigError(
            "a file lake location must be file:///absolute/path (no host, absolute path)"
        )
    if parts.query or parts.fragment:
        raise ConfigError("a file lake location takes no query or fragment")
    path = unquote(parts.path)
    check_location_path(path, repr(f"file://{path}"))
    return Path(path)


def local_path(url: str) -> Path | None:
    """Give the local path of a `file:` URL (any number of slashes) or a plain path.

    None for any other scheme (`s3://`, `s3a://`, ...): that file is not on this machine.
    """
    if url.startswith("file:"):
        return Path("/" + url.removeprefix("file:").lstrip("/"))
    return None if "://" in url else Path(url)
