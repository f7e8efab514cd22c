"""Execute a run: collect -> write -> commit, and say what happened in a `RunReport`.

The CLI and the Lambda handler both call `ingest`; nothing here knows which one did.
A run whose parameters and date match an unfinished one resumes it.
"""

from __future__ import annotations

import resource
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from tmdb_lake import __version__
from tmdb_lake.collect.context import NullProgress, Progress, RunContext, Stopped
from tmdb_lake.collect.details import DetailsCollector, batches_from_discover
from tmdb_lake.collect.discover import DiscoverCollector
from tmdb_lake.collect.genres import collect_genres
from tmdb_lake.collect.ids import plan_catalog, plan_changes
from tmdb_lake.collect.ordered import gather_or_cancel
from tmdb_lake.errors import ConfigError, StorageError
from tmdb_lake.lake.commit import bounded_gather, commit_run, read_manifest, remove_stale_parts
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.storage import Storage, open_storage
from tmdb_lake.lake.writer import ShardCheckpoint
from tmdb_lake.plan import (
    DetailsShard,
    DiscoverShard,
    RunPlan,
    Shard,
    plan_run,
    run_key,
    shard_from_dict,
)
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.client import TmdbClient
from tmdb_lake.tmdb.queries import MediaType
from tmdb_lake.tmdb.transport import HttpxLikeTransport, Transport

__all__ = ["NullProgress", "Progress", "RunReport", "ingest", "open_lake"]


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


def open_lake(settings: Settings) -> Storage:
    """Open the lake the settings point at (a folder, or S3 with the configured credentials)."""
    return open_storage(
        settings.lake,
        keep_local=settings.keep_local,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.aws_region,
        access_key_id=settings.aws_access_key_id,
        secret_access_key=settings.aws_secret_access_key,
        session_token=settings.aws_session_token,
    )


def peak_rss_mb() -> float:
    """Give this process's peak resident memory, in MiB.

    Linux's `ru_maxrss` carries over the spawning process's peak at exec, so a CLI started
    by a big orchestrator would report the orchestrator's memory; `VmHWM` is our own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def new_run_id(now: datetime) -> str:
    """Give a run id that sorts by start time and never repeats."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


async def claim_run(
    storage: Storage, layout: LakeLayout, run_key: str, *, require_resume: bool = False
) -> tuple[str, str, bool]:
    """Give (run_id, started_at, resumed): the unfinished run under this key, or a new one."""
    record_key = layout.run_record_key(run_key)
    stored = await storage.get(record_key)
    if stored is not None:
        record = orjson.loads(stored)
        return str(record["run_id"]), str(record["started_at"]), True
    if require_resume:
        raise ConfigError("--resume: no unfinished run with these parameters and date")
    now = datetime.now(UTC)
    run_id, started_at = new_run_id(now), now.isoformat(timespec="seconds")
    body = {"run_id": run_id, "started_at": started_at, "version": __version__}
    await storage.put(record_key, orjson.dumps(body))
    return run_id, started_at, False


async def plan_shards(ctx: RunContext, plan: RunPlan, *, probe: bool = False) -> list[Shard]:
    """Give the run's shards: discover windows, or details batches of the catalog/changes.

    With `probe`, discover windows are split under TMDB's cap up front (page 1 requests
    only), so that a distributed runner can map over them; locally they split as they run.
    """
    settings = ctx.settings
    shards: list[Shard] = []
    if settings.mode == "discover":
        if not probe:
            return list(plan.shards)
        collector = DiscoverCollector(ctx)
        for root in plan.shards:
            shards.extend(await collector.probe_leaves(root))
    elif settings.mode == "catalog":
        for media in settings.media:
            shards.extend(await plan_catalog(ctx, media))
    else:
        for media in settings.media:
            since, until = await changes_window(ctx, media)
            shards.extend(await plan_changes(ctx, media, since, until))
    return shards


async def run_shards(ctx: RunContext, shards: list[Shard]) -> None:
    """Run shards to completion, concurrently (raises `Stopped` at the caller's deadline)."""
    discover = [shard for shard in shards if isinstance(shard, DiscoverShard)]
    details = [shard for shard in shards if isinstance(shard, DetailsShard)]
    await gather_or_cancel(
        DiscoverCollector(ctx).run_shards(discover),
        DetailsCollector(ctx).run_batches(details),
    )


@asynccontextmanager
async def run_context(
    settings: Settings,
    storage: Storage,
    *,
    transport: Transport | HttpxLikeTransport | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    layout: LakeLayout | None = None,
) -> AsyncIterator[RunContext]:
    """Open what a run's shards share: one TMDB client, the lake, the run's key."""
    settings.require_credentials()
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
        yield RunContext(
            settings,
            tmdb,
            storage,
            layout or LakeLayout(),
            run_key(settings),
            progress or NullProgress(),
            should_stop or (lambda: False),
        )


async def committable_checkpoints(ctx: RunContext) -> list[ShardCheckpoint]:
    """Read every shard checkpoint of the run back from the lake, and check nothing is missing.

    Expected shards: the planned ones (`shards.json` of a distributed run, the id batches
    of a catalog or changes run, else the plan's roots), the windows a split shard
    recorded, and with --details one details shard per discover part. A commit that
    would publish an incomplete run raises `StorageError` instead.
    """
    storage, layout, settings = ctx.storage, ctx.layout, ctx.settings
    staging = layout.staging_prefix(ctx.run_key)
    keys = await storage.list(layout.checkpoint_prefix(ctx.run_key))
    found: list[bytes | None] = [None] * len(keys)

    async def read(index: int) -> None:
        found[index] = await storage.get(keys[index])

    await bounded_gather(read(i) for i in range(len(keys)))
    checkpoints = [ShardCheckpoint.from_json(data) for data in found if data is not None]
    expected: list[str] = []
    planned = await storage.get(staging + "shards.json")
    if planned is not None:
        expected += [shard_from_dict(raw).shard_id for raw in orjson.loads(planned)]
    elif settings.mode == "discover":
        expected += [shard.shard_id for shard in plan_run(settings).shards]
    for key in await storage.list(staging + "ids/"):
        if key.endswith(".plan.json"):
            data = await storage.get(key)
            batches = orjson.loads(data or b'{"batches": []}')["batches"]
            expected += [DetailsShard.from_dict(raw).shard_id for raw in batches]
    media_of = {settings.dataset_for(media): media for media in settings.media}
    for checkpoint in checkpoints:
        expected += [
            DiscoverShard.from_dict(raw).shard_id for raw in checkpoint.info.get("split", [])
        ]
        media = media_of.get(checkpoint.dataset)
        if settings.details and media is not None and settings.mode == "discover":
            expected += [batch.shard_id for batch in batches_from_discover(checkpoint, media)]
    done = {c.shard_id for c in checkpoints if c.done}
    missing = sorted({shard_id for shard_id in expected if shard_id not in done})
    missing += sorted(c.shard_id for c in checkpoints if not c.done and c.shard_id not in missing)
    if missing:
        raise StorageError(
            f"cannot commit: {len(missing)} shards unfinished or missing, e.g. {missing[0]}"
        )
    return checkpoints


def _state_name(media: MediaType) -> str:
    return f"changes-{media.value}"


async def changes_window(ctx: RunContext, media: MediaType) -> tuple[date, date]:
    """Give the window of a `--changes` run: from --since or the last successful run."""
    until = ctx.settings.partition_date
    since = ctx.settings.since
    if since is None:
        stored = await ctx.storage.get(ctx.layout.state_key(_state_name(media)))
        since = (
            date.fromisoformat(orjson.loads(stored)["until"])
            if stored is not None
            else until - timedelta(days=1)
        )
    if since > until:
        raise ConfigError(f"--since {since} is after the run's date {until}")
    return since, until


async def save_changes_state(ctx: RunContext, run_id: str) -> None:
    """Record the end of a successful `--changes` run; only ever after its manifest."""
    for media in ctx.settings.media:
        body = {"until": ctx.settings.partition_date.isoformat(), "run_id": run_id}
        await ctx.storage.put(ctx.layout.state_key(_state_name(media)), orjson.dumps(body))


async def ingest(
    settings: Settings,
    storage: Storage,
    *,
    transport: Transport | HttpxLikeTransport | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    layout: LakeLayout | None = None,
    require_resume: bool = False,
) -> RunReport:
    """Run one ingest into the lake; resume an unfinished run with the same parameters."""
    settings.require_credentials()
    layout = layout or LakeLayout()
    plan = plan_run(settings)
    started = time.monotonic()
    run_id, started_at, resumed = await claim_run(
        storage, layout, plan.run_key, require_resume=require_resume
    )
    if resumed and progress is not None:
        progress.note(f"resuming run {run_id} (started {started_at})")
    async with run_context(
        settings,
        storage,
        transport=transport,
        progress=progress,
        should_stop=should_stop,
        layout=layout,
    ) as ctx:
        manifest = await read_manifest(storage, layout, settings.partition_date, run_id)
        complete = True
        if manifest is None:
            try:
                shards = await plan_shards(ctx, plan)
                await gather_or_cancel(run_shards(ctx, shards), collect_genres(ctx))
            except Stopped:
                complete = False
            if complete:
                manifest = await finish_run(ctx, run_id, started_at)
        else:  # a crash after the manifest: only the clean-up is left
            await finish_run(ctx, run_id, started_at, manifest=manifest)
        stats = ctx.tmdb.stats

    datasets: dict[str, Any] = (manifest or {}).get("datasets", {})
    return RunReport(
        run_id=run_id,
        run_key=plan.run_key,
        lake=storage.description,
        partition_date=settings.partition_date.isoformat(),
        complete=complete,
        resumed=resumed,
        started_at=started_at,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=time.monotonic() - started,
        records={name: int(v["records"]) for name, v in datasets.items()},
        files={name: len(v["files"]) for name, v in datasets.items()},
        manifest=layout.manifest_key(settings.partition_date, run_id) if complete else None,
        requests=stats.requests,
        retries=stats.retries,
        rate_limited=stats.rate_limited,
        counters=dict((manifest or {}).get("counters", {})),
        peak_rss_mb=peak_rss_mb(),
    )


async def finish_run(
    ctx: RunContext, run_id: str, started_at: str, *, manifest: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Commit a run whose shards are all done; repeatable after a crash at any step."""
    settings, storage, layout = ctx.settings, ctx.storage, ctx.layout
    if manifest is None:
        manifest = await commit_run(
            storage,
            layout,
            run_key=ctx.run_key,
            run_id=run_id,
            day=settings.partition_date,
            fmt=settings.file_format,
            checkpoints=await committable_checkpoints(ctx),
            datasets=settings.datasets(),
            manifest=_manifest_head(settings, run_id, started_at, ctx.tmdb),
        )
    else:
        await remove_stale_parts(storage, layout, settings.partition_date, manifest)
        await storage.delete(await storage.list(layout.staging_prefix(ctx.run_key)))
    if settings.mode == "changes":
        await save_changes_state(ctx, run_id)
    return manifest


def _manifest_head(
    settings: Settings, run_id: str, started_at: str, tmdb: TmdbClient
) -> dict[str, Any]:
    view = settings.public_view()
    filters = (
        "mode",
        "media",
        "limit",
        "genres",
        "language",
        "released_from",
        "released_until",
        "since",
        "min_popularity",
        "details",
        "appends_movie",
        "appends_tv",
        "records_per_file",
        "movies_dataset",
        "series_dataset",
    )
    return {
        "run_id": run_id,
        "tool": "tmdb-lake",
        "version": __version__,
        "partition_date": settings.partition_date.isoformat(),
        "started_at": started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "filters": {key: view[key] for key in filters},
        "format": settings.file_format,
        "requests": tmdb.stats.as_dict(),
    }
