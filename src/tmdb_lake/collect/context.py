"""What every collector needs during a run, in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tmdb_lake.lake.lease import LeaseSet
from tmdb_lake.lake.staging import RunStaging
from tmdb_lake.lake.storage import Storage
from tmdb_lake.lake.writer import ShardWriter
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.client import TmdbClient


class Progress(Protocol):
    """Where a run reports what it is doing (a terminal, a log, nothing)."""

    def add_total(self, pages: int) -> None:
        """Count more requests that are now known to be needed."""

    def advance(self, pages: int, records: int) -> None:
        """Count answered requests and accepted records."""

    def note(self, message: str) -> None:
        """Report something worth one log line."""


class NullProgress:
    """Progress that goes nowhere."""

    def add_total(self, pages: int) -> None:
        """Ignore."""

    def advance(self, pages: int, records: int) -> None:
        """Ignore."""

    def note(self, message: str) -> None:
        """Ignore."""


class Stopped(Exception):
    """The caller asked the run to stop (the Lambda deadline is near); checkpoints are saved."""


@dataclass
class RunContext:
    """The run's settings, connections and identity, shared by its shards."""

    settings: Settings
    tmdb: TmdbClient
    storage: Storage
    staging: RunStaging
    progress: Progress
    should_stop: Callable[[], bool]
    leases: LeaseSet | None = None

    @property
    def lookahead(self) -> int:
        """Give how many requests one shard keeps in flight ahead of the writer."""
        return max(2, self.settings.concurrency)

    def check_stop(self) -> None:
        """Raise `Stopped` when the caller wants the run to pause, `LeaseLost` when it must."""
        if self.leases is not None and self.leases.lost is not None:
            raise self.leases.lost
        if self.should_stop():
            raise Stopped

    async def open_writer(self, dataset: str, shard_id: str, *, dedupe: bool) -> ShardWriter:
        """Open (or resume) the writer of one shard."""
        return await ShardWriter.open(
            self.storage,
            self.staging,
            dataset,
            shard_id,
            self.settings.file_format,
            records_per_file=self.settings.records_per_file,
            dedupe=dedupe,
        )
