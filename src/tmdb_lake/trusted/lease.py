"""The one place the trusted zone takes a lease: around each dt it builds.

LEAD: this is the trivial in-branch stand-in. Replace the body of `dt_lease` with the
raw zone's lease (`tmdb_lake.lake.lease`), on the resource `trusted/TMDB/dt=YYYY-MM-DD`,
and yield its generation: it lands in the trusted manifest as `lease_generation`, and a
build must not publish once its lease is lost. Nothing else in the trusted zone knows
about leases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from tmdb_lake.lake.storage import Storage


@dataclass(frozen=True)
class DtLease:
    """A held lease on one trusted dt."""

    resource: str
    generation: int


@asynccontextmanager
async def dt_lease(storage: Storage, dt: date) -> AsyncIterator[DtLease]:
    """Hold the lease on one trusted dt while it is built and published.

    The stand-in grants every request at generation 0 (no exclusion between two
    concurrent transforms of the same lake).
    """
    del storage
    yield DtLease(resource=f"trusted/TMDB/dt={dt.isoformat()}", generation=0)
