"""The one place a zone of tables takes a lease: around each unit it builds and publishes.

The raw zone's leases (`tmdb_lake.lake.lease`), in the zone's own key space:
`trusted/TMDB/_leases/tables/<YYYY-MM-DD>/<generation>.json`. One lease covers every table
of a dt, because a dt is built and published as one (one manifest). Two transforms of
the same lake never build the same dt at once: the second waits (`--wait`) or exits 75.
The refined zone takes the same leases for its dated partitions, and one undated lease
(`refined/TMDB/_leases/current/all/`) for its current tables (`held`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date

from tmdb_lake.lake.layout import TablesLayout
from tmdb_lake.lake.lease import DEFAULT_TTL_S, Holder, LeaseSet, Partition
from tmdb_lake.lake.storage import Storage

LEASED_DATASET = "tables"


@dataclass(frozen=True)
class LeasePolicy:
    """Who takes the leases, how long they live unrenewed, how long to wait for one."""

    holder: Holder
    ttl: float = DEFAULT_TTL_S
    wait: float = 0.0


def dt_lease(
    storage: Storage, layout: TablesLayout, dt: date | None, policy: LeasePolicy
) -> AbstractAsyncContextManager[LeaseSet]:
    """Hold the lease on one dt of the zone while it is built and published, renewed."""
    return held(storage, layout, Partition(LEASED_DATASET, dt), policy)


@asynccontextmanager
async def held(
    storage: Storage, layout: TablesLayout, partition: Partition, policy: LeasePolicy
) -> AsyncIterator[LeaseSet]:
    """Hold the lease on one partition of the zone while it is built and published, renewed.

    `verify()` on the yielded leases raises `LeaseLost` once another command took the
    partition over (this one was paused past its time to live): call it before each write
    that publishes. The lease is released on the way out, whatever happened.
    """
    leases = LeaseSet(storage, layout.leases, [partition], policy.holder, ttl=policy.ttl)
    await leases.acquire(wait=policy.wait)
    try:
        async with leases.kept_alive():
            yield leases
    finally:
        await leases.release()
