"""How to reach an S3-compatible store: one value object, passed whole.

Kept apart from `lake/s3.py` (which imports boto3, a third of a second) so settings and
`open_storage` can build it without paying for boto3 on a local lake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tmdb_lake.errors import ConfigError

DEFAULT_STORAGE_TIMEOUT_S = 20.0
"""botocore's connect timeout and its timeout of each socket read or write of a call."""

DEFAULT_STORAGE_ATTEMPTS = 6
"""Attempts per S3 call, the first included (botocore's standard retry mode).

A silent S3 endpoint fails a call within `attempts x timeout` plus botocore's backoff
(full jitter, at most 1, 2, 4, 8, 16 s): at most 151 s with the defaults.
"""


class SupportsReveal(Protocol):
    """A wrapped secret (`tmdb_lake.secret.Secret`): its value is only read where it is sent."""

    def reveal(self) -> str:
        """Give the raw value."""
        ...


Credential = str | SupportsReveal
"""An explicit AWS credential: a plain string or a wrapped secret."""


@dataclass(frozen=True)
class S3Options:
    """Endpoint, region, explicit credentials (else boto3's chain) and bounds of every call.

    >>> S3Storage("my-lake", "prefix", S3Options(region="eu-west-1", timeout=5))
    """

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: Credential | None = None
    secret_access_key: Credential | None = None
    session_token: Credential | None = None
    timeout: float = DEFAULT_STORAGE_TIMEOUT_S
    max_attempts: int = DEFAULT_STORAGE_ATTEMPTS

    def check_credentials(self) -> None:
        """Raise ConfigError for a partial set of explicit credentials (never echoing them)."""
        has_key = reveal(self.access_key_id) is not None
        has_secret = reveal(self.secret_access_key) is not None
        if has_key != has_secret:
            raise ConfigError(
                "give both the AWS access key id and the secret access key, or neither "
                "(to use the standard credential chain)"
            )
        if reveal(self.session_token) is not None and not has_key:
            raise ConfigError(
                "an AWS session token needs both an access key id and a secret access key"
            )

    def __repr__(self) -> str:
        shown = "set" if self.access_key_id is not None else "chain"
        return (
            f"S3Options(endpoint_url={self.endpoint_url!r}, region={self.region!r}, "
            f"credentials={shown}, timeout={self.timeout}, max_attempts={self.max_attempts})"
        )


def reveal(value: Credential | None) -> str | None:
    """Give a credential's raw value, or None for none (only where it is sent to AWS)."""
    if value is None or isinstance(value, str):
        return value or None
    return value.reveal() or None
