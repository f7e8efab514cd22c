"""Execute a plan: fetch -> write -> commit, and say what happened in a `RunReport`.

The CLI and the Lambda handler both call `ingest`; nothing here knows which one did.
"""

from __future__ import annotations

import asyncio
import math
import resource
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import orjson

from tmdb_lake import __version__
from tmdb_lake.errors import ConfigError
from tmdb_lake.lake.commit import commit_run, read_manifest, remove_stale_parts
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.storage import Storage
from tmdb_lake.lake.writer import ShardCheckpoint, ShardWriter
from tmdb_lake.plan import DiscoverShard, base_query, needs_split, plan_run, split_window
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.client import DiscoverPage, TmdbClient
from tmdb_lake.tmdb.queries import MAX_PAGE, MAX_RESULTS_PER_QUERY, PAGE_SIZE, DiscoverQuery


class Progress(Protocol):
    """Where a run reports what it is doing (a terminal, a log, nothing)."""

    def add_total(self, pages: int) -> None:
        """More pages are now known to be needed."""

    def advance(self, pages: int, records: int) -> None:
        """Pages were fetched and their records accepted."""

    def note(self, message: str) -> None:
        """Something worth one log line happened."""


class NullProgress:
    """Progress that goes nowhere."""

    def add_total(self, pages: int) -> None:
        """Ignore."""

    def advance(self, pages: int, records: int) -> None:
        """Ignore."""

    def note(self, message: str) -> None:
        """Ignore."""


@dataclass
class RunReport:
    """What a run did: the CLI's summary, the Lambda's response body."""

    run_id: str
    run_key: str
    lake: str
    partition_date: str
    complete: bool
    resumed: bool
    started_at: str
    finished_at: str
    seconds: float
    records: dict[str, int]
    files: dict[str, int]
    manifest: str | None
    requests: int
    retries: int
    rate_limited: int
    counters: dict[str, int] = field(default_factory=dict)
    peak_rss_mb: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Give the report as JSON-ready values (it holds no secret)."""
        total = sum(self.records.values())
        return {
            "run_id": self.run_id,
            "complete": self.complete,
            "resumed": self.resumed,
            "lake": self.lake,
            "partition_date": self.partition_date,
            "records": self.records,
            "records_total": total,
            "files": self.files,
            "manifest": self.manifest,
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "counters": self.counters,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(total / self.seconds, 1) if self.seconds else None,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "run_key": self.run_key,
        }


def peak_rss_mb() -> float:
    """Give this process's peak resident memory, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def new_run_id(now: datetime) -> str:
    """Give a run id that sorts by start time and never repeats."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class _Stopped(Exception):
    """The caller asked the run to stop (the Lambda deadline is near)."""


class DiscoverRunner:
    """Runs discover shards, splitting windows past TMDB's cap, into staged parts."""

    def __init__(
        self,
        settings: Settings,
        tmdb: TmdbClient,
        storage: Storage,
        layout: LakeLayout,
        run_key: str,
        progress: Progress,
        should_stop: Callable[[], bool],
    ) -> None:
        self.settings = settings
        self.tmdb = tmdb
        self.storage = storage
        self.layout = layout
        self.run_key = run_key
        self.progress = progress
        self.should_stop = should_stop
        self.lookahead = max(2, settings.concurrency)

    async def run(self, shard: DiscoverShard) -> list[ShardCheckpoint]:
        """Run one shard (and the windows it splits into); give every checkpoint."""
        writer = await ShardWriter.open(
            self.storage,
            self.layout,
            self.run_key,
            self.settings.dataset_for(shard.media),
            shard.shard_id,
            self.settings.file_format,
            records_per_file=self.settings.records_per_file,
        )
        checkpoint = writer.checkpoint
        if checkpoint.done:
            children = [DiscoverShard.from_dict(raw) for raw in checkpoint.info.get("split", [])]
            return [checkpoint, *await self.run_shards(children)]
        query = shard.query(base_query(self.settings, shard.media))
        first: DiscoverPage | None = None
        if "total_pages" not in checkpoint.info:
            first = await self.tmdb.discover_page(query, 1)
            checkpoint.info["total_pages"] = first.total_pages
            checkpoint.info["total_results"] = first.total_results
            if needs_split(shard, first.total_results):
                children = split_window(shard, first.total_results, self.settings.partition_date)
                if children:
                    self.progress.note(
                        f"{shard.shard_id}: {first.total_results} results over TMDB's cap, "
                        f"split into {len(children)} date windows"
                    )
                    await writer.finish(split=[child.to_dict() for child in children])
                    return [checkpoint, *await self.run_shards(children)]
                checkpoint.count("unreachable", first.total_results - MAX_RESULTS_PER_QUERY)
        total_pages = min(int(checkpoint.info["total_pages"]), MAX_PAGE)
        expected_pages = total_pages
        if shard.limit is not None:  # a few spare pages in case TMDB repeats records
            expected_pages = min(total_pages, math.ceil(shard.limit / PAGE_SIZE))
            total_pages = min(total_pages, expected_pages + 5)
        start = max(checkpoint.next_unit, 1)
        self.progress.add_total(max(0, expected_pages - start + 1))
        await self._fetch_pages(shard, query, writer, start, total_pages, first)
        await writer.finish()
        return [checkpoint]

    async def run_shards(self, shards: list[DiscoverShard]) -> list[ShardCheckpoint]:
        """Run shards concurrently; give all their checkpoints."""
        results = await asyncio.gather(*(self.run(shard) for shard in shards))
        return [checkpoint for result in results for checkpoint in result]

    async def _fetch_pages(
        self,
        shard: DiscoverShard,
        query: DiscoverQuery,
        writer: ShardWriter,
        start: int,
        last: int,
        first: DiscoverPage | None,
    ) -> None:
        """Fetch pages start..last concurrently, feeding the writer strictly in order."""
        pending: dict[int, asyncio.Task[DiscoverPage]] = {}
        next_page = start

        def wanted() -> int:
            if shard.limit is None:
                return self.lookahead
            missing = shard.limit - writer.records
            return max(1, min(self.lookahead, math.ceil(missing / PAGE_SIZE)))

        async def fetch(page: int) -> DiscoverPage:
            if page == 1 and first is not None:
                return first
            return await self.tmdb.discover_page(query, page)

        try:
            for page in range(start, last + 1):
                if self.should_stop():
                    raise _Stopped
                while next_page <= last and len(pending) < wanted():
                    pending[next_page] = asyncio.create_task(fetch(next_page))
                    next_page += 1
                result = await pending.pop(page)
                writer.checkpoint.count("invalid_items_skipped", result.skipped)
                records = result.results
                if shard.limit is not None:
                    records = records[: max(0, shard.limit - writer.records)]
                accepted = await writer.add_unit(page, records)
                self.progress.advance(1, accepted)
                if shard.limit is not None and writer.records >= shard.limit:
                    break
                if not result.results and page >= result.total_pages:
                    break
        finally:
            for task in pending.values():
                task.cancel()
            if pending:
                await asyncio.gather(*pending.values(), return_exceptions=True)


async def ingest(
    settings: Settings,
    storage: Storage,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    layout: LakeLayout | None = None,
    require_resume: bool = False,
) -> RunReport:
    """Run one ingest into the lake; resume an unfinished run with the same parameters."""
    settings.require_credentials()
    layout = layout or LakeLayout()
    progress = progress or NullProgress()
    should_stop = should_stop or (lambda: False)
    plan = plan_run(settings)
    started = time.monotonic()
    now = datetime.now(UTC)
    record_key = layout.run_record_key(plan.run_key)
    stored = await storage.get(record_key)
    resumed = stored is not None
    if resumed:
        record = orjson.loads(stored or b"{}")
        run_id, started_at = str(record["run_id"]), str(record["started_at"])
        progress.note(f"resuming run {run_id} (started {started_at})")
    else:
        if require_resume:
            raise ConfigError("--resume: no unfinished run with these parameters and date")
        run_id, started_at = new_run_id(now), now.isoformat(timespec="seconds")
        record_data = {"run_id": run_id, "started_at": started_at, "version": __version__}
        await storage.put(record_key, orjson.dumps(record_data))

    async with TmdbClient(
        settings.api_url,
        api_key=settings.api_key,
        access_token=settings.access_token,
        rate_limit=settings.rate_limit,
        concurrency=settings.concurrency,
        timeout=settings.timeout,
        max_attempts=settings.max_attempts,
        transport=transport,
    ) as tmdb:
        runner = DiscoverRunner(
            settings, tmdb, storage, layout, plan.run_key, progress, should_stop
        )
        manifest = await read_manifest(storage, layout, settings.partition_date, run_id)
        complete = True
        checkpoints: list[ShardCheckpoint] = []
        if manifest is None:
            try:
                checkpoints = await runner.run_shards(list(plan.shards))
            except _Stopped:
                complete = False
        if complete:
            datasets = [settings.dataset_for(media) for media in settings.media]
            if manifest is None:
                manifest = await commit_run(
                    storage,
                    layout,
                    run_key=plan.run_key,
                    run_id=run_id,
                    day=settings.partition_date,
                    fmt=settings.file_format,
                    checkpoints=checkpoints,
                    datasets=datasets,
                    manifest={
                        "run_id": run_id,
                        "tool": "tmdb-lake",
                        "version": __version__,
                        "partition_date": settings.partition_date.isoformat(),
                        "started_at": started_at,
                        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "filters": _filters(settings),
                        "format": settings.file_format,
                        "requests": tmdb.stats.as_dict(),
                    },
                )
            else:  # crashed after the manifest: only the clean-up is left
                await remove_stale_parts(storage, layout, settings.partition_date, manifest)
                await storage.delete(await storage.list(layout.staging_prefix(plan.run_key)))
        stats = tmdb.stats

    finished = datetime.now(UTC)
    datasets_view: dict[str, Any] = (manifest or {}).get("datasets", {})
    return RunReport(
        run_id=run_id,
        run_key=plan.run_key,
        lake=storage.description,
        partition_date=settings.partition_date.isoformat(),
        complete=complete,
        resumed=resumed,
        started_at=started_at,
        finished_at=finished.isoformat(timespec="seconds"),
        seconds=time.monotonic() - started,
        records={name: int(v["records"]) for name, v in datasets_view.items()},
        files={name: len(v["files"]) for name, v in datasets_view.items()},
        manifest=layout.manifest_key(settings.partition_date, run_id) if complete else None,
        requests=stats.requests,
        retries=stats.retries,
        rate_limited=stats.rate_limited,
        counters=dict((manifest or {}).get("counters", {})),
        peak_rss_mb=peak_rss_mb(),
    )


def _filters(settings: Settings) -> dict[str, Any]:
    view = settings.public_view()
    keys = (
        "media",
        "limit",
        "genres",
        "language",
        "released_from",
        "released_until",
        "records_per_file",
        "movies_dataset",
        "series_dataset",
        "details",
    )
    return {key: view[key] for key in keys}
