"""Leases with fencing: at most one run works on a lake partition (dataset x day) at a time.

A partition's lease is a sequence of objects, one per generation:

```
raw/TMDB/_leases/<dataset>/<YYYY-MM-DD>/<generation:010d>.json
```

Taking the lease means creating generation g+1 with an atomic create (`put_if_absent`:
a hard link locally, `If-None-Match: *` on S3), which only one of two racing runs can
win, and only after generation g was released, expired, or its holder's process is gone
(same host). The holder renews its generation while it works. A holder that was paused
past its expiry (SIGSTOP, a frozen VM) finds generation g+1 when it wakes: it has lost
the lease, and `verify()` raises `LeaseLost` before its next critical write.

Everything a run stages carries its attempt token (the holder's token) in its key, so a
late writer of an older attempt can neither be committed nor block a newer run:
readers only follow the tokens a run record lists (docs/lake.md, "Leases").
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson

from tmdb_lake.errors import LeaseBusy, LeaseLost, StorageError
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.storage import Storage

DEFAULT_TTL_S = 120.0
"""A lease left unrenewed this long may be taken over (its holder is presumed dead)."""

WAIT_POLL_MAX_S = 2.0
KEEP_GENERATIONS = 2
"""Older lease objects are deleted once a newer generation is taken (they only help debugging)."""


@dataclass(frozen=True, order=True)
class Partition:
    """One lake partition a run writes: a dataset's day (raw) or a table's day (trusted)."""

    dataset: str
    day: date

    def __str__(self) -> str:
        return f"{self.dataset}/{self.day.isoformat()}"


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: one attempt of one run, in one process."""

    token: str
    run_id: str
    run_key: str
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


@dataclass(frozen=True)
class LeaseRecord:
    """One generation of a partition's lease, as stored."""

    partition: str
    generation: int
    holder: Holder
    acquired_at: str
    expires_at: float
    released: bool = False

    def to_json(self) -> bytes:
        """Serialise."""
        return orjson.dumps(
            {
                "partition": self.partition,
                "generation": self.generation,
                "token": self.holder.token,
                "run_id": self.holder.run_id,
                "run_key": self.holder.run_key,
                "host": self.holder.host,
                "pid": self.holder.pid,
                "acquired_at": self.acquired_at,
                "expires_at": self.expires_at,
                "released": self.released,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> LeaseRecord:
        """Read a stored record."""
        raw: dict[str, Any] = orjson.loads(data)
        holder = Holder(
            token=str(raw["token"]),
            run_id=str(raw["run_id"]),
            run_key=str(raw["run_key"]),
            host=str(raw.get("host", "")),
            pid=int(raw.get("pid", 0)),
        )
        return cls(
            partition=str(raw["partition"]),
            generation=int(raw["generation"]),
            holder=holder,
            acquired_at=str(raw.get("acquired_at", "")),
            expires_at=float(raw["expires_at"]),
            released=bool(raw.get("released", False)),
        )

    def is_free(self, now: float) -> bool:
        """Tell whether another run may take the partition over."""
        if self.released or self.expires_at <= now:
            return True
        return self.holder.host == socket.gethostname() and not _process_alive(self.holder.pid)

    def describe(self) -> str:
        """Say who holds it, for the one-line error of a run that cannot get it."""
        since = self.acquired_at or "?"
        until = datetime.fromtimestamp(self.expires_at, UTC).isoformat(timespec="seconds")
        return (
            f"{self.partition} is held by run {self.holder.run_id} "
            f"(pid {self.holder.pid} on {self.holder.host}) since {since}, renewed until {until}"
        )


def _process_alive(pid: int) -> bool:
    if pid <= 0 or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class LeaseSet:
    """The leases of every partition one run writes, taken together in a fixed order.

    >>> leases = LeaseSet(storage, layout, [Partition("movies", day)], holder)
    >>> await leases.acquire(wait=30)
    >>> async with leases.kept_alive():
    ...     await leases.verify()        # before each critical write
    >>> await leases.release()
    """

    def __init__(
        self,
        storage: Storage,
        layout: LakeLayout,
        partitions: Sequence[Partition],
        holder: Holder,
        *,
        ttl: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self.layout = layout
        self.partitions = sorted(set(partitions))
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self.generations: dict[Partition, int] = {}
        self._confirmed_at = 0.0
        self._lost: LeaseLost | None = None
        self._renewer: tuple[asyncio.Event, asyncio.Task[None]] | None = None

    # ---------------------------------------------------------------- taking --

    async def acquire(self, *, wait: float = 0.0) -> None:
        """Take every lease, or none: raise `LeaseBusy` after `wait` seconds of trying."""
        deadline = time.monotonic() + max(0.0, wait)
        tries = 0
        while True:
            try:
                for partition in self.partitions:
                    if partition not in self.generations:
                        self.generations[partition] = await self._take(partition)
                self._confirmed_at = time.monotonic()
                return
            except LeaseBusy:
                await self.release()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                # Look again soon (a run often ends within seconds), then every 2 s at most:
                # a look is one listing and one read per partition.
                tries += 1
                pause = min(WAIT_POLL_MAX_S, 0.1 * 2**tries) * random.uniform(0.5, 1.0)
                await asyncio.sleep(min(left, pause))

    async def _take(self, partition: Partition) -> int:
        prefix = self.layout.lease_prefix(partition.dataset, partition.day)
        while True:
            top = await self._top_generation(prefix)
            current = await self._read(partition, top) if top else None
            if current is not None and not current.released:
                if current.holder.token == self.holder.token:
                    await self._write(partition, top)  # our own attempt, e.g. the next Lambda
                    return top
                if not current.is_free(self.clock()):
                    raise LeaseBusy(current.describe() + ": try again later, or use --wait SECONDS")
            generation = top + 1
            record = self._record(partition, generation)
            key = self.layout.lease_key(partition.dataset, partition.day, generation)
            if await self.storage.put_if_absent(key, record.to_json()):
                await self._forget_old(prefix, generation)
                return generation
            # another run created that generation first: look again

    async def _top_generation(self, prefix: str) -> int:
        generations = [
            found
            for found in (self.layout.parse_lease_key(k) for k in await self.storage.list(prefix))
            if found is not None
        ]
        return max(generations, default=0)

    async def _read(self, partition: Partition, generation: int) -> LeaseRecord | None:
        key = self.layout.lease_key(partition.dataset, partition.day, generation)
        data = await self.storage.get(key)
        if data is None:
            return None
        try:
            return LeaseRecord.from_json(data)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise StorageError(
                f"the lease {key} is corrupt: delete it to free the partition"
            ) from None

    def _record(
        self, partition: Partition, generation: int, *, released: bool = False
    ) -> LeaseRecord:
        return LeaseRecord(
            partition=str(partition),
            generation=generation,
            holder=self.holder,
            acquired_at=datetime.now(UTC).isoformat(timespec="seconds"),
            expires_at=self.clock() + self.ttl,
            released=released,
        )

    async def _write(
        self, partition: Partition, generation: int, *, released: bool = False
    ) -> None:
        key = self.layout.lease_key(partition.dataset, partition.day, generation)
        await self.storage.put(
            key, self._record(partition, generation, released=released).to_json()
        )

    async def _forget_old(self, prefix: str, generation: int) -> None:
        old = [
            key
            for key in await self.storage.list(prefix)
            if (found := self.layout.parse_lease_key(key)) is not None
            and found <= generation - KEEP_GENERATIONS
        ]
        if old:
            with contextlib.suppress(StorageError):  # housekeeping only
                await self.storage.delete(old)

    # ---------------------------------------------------------------- holding --

    async def verify(self) -> None:
        """Raise `LeaseLost` unless this run still holds every lease (read, not assumed)."""
        if self._lost is not None:
            raise self._lost
        if not self.generations:
            raise LeaseLost("this run holds no lease (it was released)")
        for partition in list(self.generations):
            while True:
                generation = self.generations[partition]
                newer = await self._read(partition, generation + 1)
                if newer is None:
                    break
                if newer.holder.token == self.holder.token:
                    # another step of this same attempt re-took it (a later Lambda): follow
                    self.generations[partition] = generation + 1
                    continue
                self._lost = LeaseLost(
                    f"the lease of {partition} expired and was taken over by run "
                    f"{newer.holder.run_id}; this run stopped without publishing "
                    "(run it again to resume)"
                )
                raise self._lost

    async def renew(self) -> None:
        """Push every expiry forward; raise `LeaseLost` when another run took one over."""
        await self.verify()
        for partition, generation in self.generations.items():
            await self._write(partition, generation)
        self._confirmed_at = time.monotonic()

    @property
    def lost(self) -> LeaseLost | None:
        """Give the reason this run lost its leases, if it did."""
        stale = time.monotonic() - self._confirmed_at > self.ttl
        if self._lost is None and self.generations and self._confirmed_at and stale:
            self._lost = LeaseLost(
                "this run could not renew its leases for longer than --lease-ttl (it was "
                "paused, or the lake was unreachable), so another run may have taken the day "
                "over; it stopped without publishing (run it again to resume)"
            )
        return self._lost

    @contextlib.asynccontextmanager
    async def kept_alive(self) -> AsyncIterator[LeaseSet]:
        """Renew in the background while the body runs; `lost` says when that failed."""
        stop = asyncio.Event()

        async def renew_forever() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.ttl / 4)
                if stop.is_set():
                    return
                try:
                    await self.renew()
                except LeaseLost:
                    return
                except StorageError:
                    if self.lost is not None:
                        return  # out of time: the next verify() says so

        self._renewer = (stop, asyncio.ensure_future(renew_forever()))
        try:
            yield self
        finally:
            await self._stop_renewing()

    async def _stop_renewing(self) -> None:
        """Stop the renewal loop, letting a renewal in flight finish its write first.

        Cancelling it instead would leave a storage write running in its thread, which
        could land after (and over) the release that follows.
        """
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            stop, task = renewer
            stop.set()
            # A renewal stuck on an unreachable lake is not waited for past a quarter of
            # the time to live: its write will fail anyway.
            await asyncio.wait({task}, timeout=max(1.0, self.ttl / 4))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeaseLost, StorageError):
                await task

    async def release(self) -> None:
        """Free every lease this run still holds (a lost one is left to its new holder).

        The background renewal stops first: a renewal in flight would otherwise write its
        record back over the released one.
        """
        await self._stop_renewing()
        held, self.generations = self.generations, {}
        for partition, generation in held.items():
            successor = self.layout.lease_key(partition.dataset, partition.day, generation + 1)
            with contextlib.suppress(StorageError):
                if await self.storage.get(successor) is None:
                    await self._write(partition, generation, released=True)
