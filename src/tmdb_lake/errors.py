"""Every error tmdb-lake raises, and the exit code each one maps to.

```
TmdbLakeError                 exit 1 unless said otherwise
├── ConfigError               exit 2: invalid option, environment variable or event field
│   └── OwnershipError        a different ingest definition owns the day's dataset (--replace)
├── LeaseBusy                 exit 75: another run holds the partition (try again, or --wait)
├── LeaseLost                 another run took the partition over: this one stopped, unpublished
├── TmdbError                 TMDB did not give us what we asked for
│   ├── AuthError             401: the key or token was rejected
│   ├── NotFoundError         404: the title does not exist (counted, not fatal, for details)
│   ├── RateLimited           429 after every retry
│   ├── UpstreamError         5xx, timeouts, resets, undecodable bodies after every retry
│   └── BadResponseError      a 200 whose body is not what TMDB's schema promises
└── StorageError              the lake could not be read or written
```

Messages are one line, name what failed, and never contain a secret.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_BUSY = 75
"""sysexits' EX_TEMPFAIL: another run holds the day; schedulers read it as "try again later"."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
"""128 + SIGTERM, as shells report it: Lambda, ECS, Kubernetes and systemd stop with SIGTERM."""


class TmdbLakeError(Exception):
    """Base of every error tmdb-lake raises on purpose."""

    exit_code: int = EXIT_FAILED


class ConfigError(TmdbLakeError):
    """An option, environment variable or event field is invalid."""

    exit_code = EXIT_INVALID


class OwnershipError(ConfigError):
    """The day's dataset was published by a different ingest definition; `--replace` overrides."""


class LeaseBusy(TmdbLakeError):
    """Another live run holds a partition this run needs."""

    exit_code = EXIT_BUSY


class LeaseLost(TmdbLakeError):
    """The run's lease expired and another run took the partition over; nothing was published."""


class TmdbError(TmdbLakeError):
    """TMDB did not give us what we asked for."""

    def __init__(
        self, message: str, *, endpoint: str = "", status: int | None = None, attempts: int = 1
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status
        self.attempts = attempts


class AuthError(TmdbError):
    """TMDB rejected the API key or access token (HTTP 401)."""


class NotFoundError(TmdbError):
    """TMDB has no such resource (HTTP 404, status_code 34)."""


class RateLimited(TmdbError):
    """TMDB kept answering 429 after every retry."""


class UpstreamError(TmdbError):
    """TMDB failed (5xx, timeout, reset, undecodable body) after every retry."""


class BadResponseError(TmdbError):
    """TMDB answered 200 with a body that is not the documented shape."""


class StorageError(TmdbLakeError):
    """The lake could not be read or written."""
