"""The one place the trusted zone takes a lease: around each dt it builds.

The raw zone's leases (`tmdb_lake.lake.lease`), in the trusted zone's own key space:
`trusted/TMDB/_leases/tables/<YYYY-MM-DD>/<generation>.json`. One lease covers every table
of a dt, because a dt is built and published as one (one manifest). Two transforms of
the same lake never build the same dt at once: the second waits (`--wait`) or exits 75.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def dt_lease(
    storage: Storage, layout: TablesLayout, dt: date, policy: LeasePolicy
) -> AsyncIterator[LeaseSet]:
    """Hold the lease on one dt of the zone while it is built and published, renewed.

    `verify()` on the yielded leases raises `LeaseLost` once another transform took the
    dt over (this one was paused past its time to live): call it before each write that
    publishes. The lease is released on the way out, whatever happened.
    """
    leases = LeaseSet(
        storage,
        layout.leases,
        [Partition(LEASED_DATASET, dt)],
        policy.holder,
        ttl=policy.ttl,
    )
    await leases.acquire(wait=policy.wait)
    try:
        async with leases.kept_alive():
            yield leases
    finally:
        await leases.release()
