"""What can go wrong on the wire: configuration, rate limiting, fault draws, counters.

Real TMDB sits behind a CDN that rate limits, times out, returns HTML error pages, cuts
bodies and drops connections. The simulator reproduces each on demand so clients can be
tested against them; these knobs only ever touch authorized ``/3/`` requests.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatorConfig:
    """How the simulated TMDB behaves. Rates are per-request probabilities in [0, 1].

    Example::

        SimulatorConfig(latency_s=0.01, error_rate=0.05, fault_seed=1)

    Attributes:
        api_key: accepted as ``?api_key=``.
        access_token: accepted as ``Authorization: Bearer <token>``.
        latency_s: added to every response.
        rate_limit_rps: server-side limit; over it answers 429 with ``Retry-After``.
        random_429_rate: 429s regardless of the request rate.
        error_rate: 500/502/503/504, half of them with an HTML body (a CDN edge page).
        truncate_rate: a 200 whose body is cut in half (Content-Length matches the cut).
        reset_rate: the connection is closed without an answer.
        slow_rate: responses that take ``slow_s`` more.
        slow_s: the extra delay of a slow response.
        fault_seed: seed of the fault draws (``None``: different every run).
        exports_published_hour_utc: today's export files appear at this UTC hour.
        date_drift_rate: share of titles whose release date moves ten years earlier right
            after a discover page first served them, as when TMDB edits a title while a
            run pages: a run split into date windows may then meet the title twice.
        odd_ids: titles served with odd but valid data (``oddities.py``): a lone surrogate
            escape, a byte that is not UTF-8, an integer beyond 64 bits.
        claim_total_pages: every discover answer claims this ``total_pages`` (``None``: the
            true one).

    """

    api_key: str = "simulator-key"
    access_token: str = "simulator-token"  # noqa: S105 - a public test credential
    latency_s: float = 0.0
    rate_limit_rps: float | None = None
    random_429_rate: float = 0.0
    error_rate: float = 0.0
    truncate_rate: float = 0.0
    reset_rate: float = 0.0
    slow_rate: float = 0.0
    slow_s: float = 0.0
    fault_seed: int | None = None
    exports_published_hour_utc: int = 8
    date_drift_rate: float = 0.0
    odd_ids: frozenset[int] = frozenset()
    claim_total_pages: int | None = None

    def __post_init__(self) -> None:
        rates = ("random_429_rate", "error_rate", "truncate_rate", "reset_rate", "slow_rate")
        for name in (*rates, "date_drift_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if self.latency_s < 0 or self.slow_s < 0:
            raise ValueError("latency_s and slow_s must be >= 0")
        if self.rate_limit_rps is not None and self.rate_limit_rps <= 0:
            raise ValueError("rate_limit_rps must be > 0 or None")
        if not 0 <= self.exports_published_hour_utc <= 23:
            raise ValueError("exports_published_hour_utc must be within 0..23")
        if self.claim_total_pages is not None and self.claim_total_pages < 0:
            raise ValueError("claim_total_pages must be >= 0 or None")


class RateLimiter:
    """A token bucket holding one second of requests; says how long to wait when empty."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a token: ``0.0`` when allowed, else the seconds until one is available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


def retry_after_header(wait_s: float) -> str:
    """Give a ``Retry-After`` value: whole seconds, at least 1, as TMDB's edge sends."""
    return str(max(1, math.ceil(wait_s)))


@dataclass(frozen=True)
class FaultDraw:
    """The faults drawn for one request (several may apply; the transport picks the order)."""

    reset: bool = False
    throttle: bool = False
    error_status: int | None = None
    html: bool = False
    truncate: bool = False
    slow: bool = False


NO_FAULT = FaultDraw()
ERROR_STATUSES = (500, 502, 503, 504)


class FaultInjector:
    """Draws faults per request from a seeded generator."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._rng = random.Random(config.fault_seed)
        self._lock = threading.Lock()
        self.enabled = any(
            (
                config.reset_rate,
                config.random_429_rate,
                config.error_rate,
                config.truncate_rate,
                config.slow_rate,
            )
        )

    def draw(self) -> FaultDraw:
        """Give this request's faults; always draws the same count so runs are repeatable."""
        if not self.enabled:
            return NO_FAULT
        c = self.config
        with self._lock:
            r = [self._rng.random() for _ in range(7)]
        return FaultDraw(
            reset=r[0] < c.reset_rate,
            throttle=r[1] < c.random_429_rate,
            error_status=ERROR_STATUSES[int(r[5] * 4)] if r[2] < c.error_rate else None,
            html=r[6] < 0.5,
            truncate=r[3] < c.truncate_rate,
            slow=r[4] < c.slow_rate,
        )


class SimulatorStats:
    """Thread-safe counters of what the server answered and which faults it injected."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._throttled = 0

    def record(self, status: int) -> None:
        """Count one answered request."""
        with self._lock:
            self._requests += 1
            self._statuses[status] += 1
            if status == 429:
                self._throttled += 1

    def record_fault(self, kind: str) -> None:
        """Count one injected fault (``reset``, ``random_429``, ``error``, ``truncate``, ...)."""
        with self._lock:
            self._faults[kind] += 1
            if kind == "reset":
                self._requests += 1

    @property
    def requests(self) -> int:
        """Requests received (answered or reset)."""
        with self._lock:
            return self._requests

    @property
    def statuses(self) -> dict[int, int]:
        """Responses sent per HTTP status."""
        with self._lock:
            return dict(self._statuses)

    @property
    def throttled(self) -> int:
        """429s sent, by the rate limiter or injected."""
        with self._lock:
            return self._throttled

    @property
    def faults(self) -> dict[str, int]:
        """Faults injected per kind."""
        with self._lock:
            return dict(self._faults)

    @property
    def faults_injected(self) -> int:
        """Faults injected in total."""
        with self._lock:
            return sum(self._faults.values())

    def snapshot(self) -> dict[str, object]:
        """Give all counters at once, consistently."""
        with self._lock:
            return {
                "requests": self._requests,
                "statuses": dict(self._statuses),
                "throttled": self._throttled,
                "faults": dict(self._faults),
            }
