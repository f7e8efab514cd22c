"""The run protocol: one `Run` object that every runner drives the same way.

```
start()   take the leases of the run's partitions (dataset x day), become or resume the
          run under this key, heal the day, check who owns the day's datasets
plan()    write the plan record: every shard the commit will expect (once per run)
run_shards(shards)   fetch -> staged parts and checkpoints (any subset, any process)
commit()  check completeness against the plan, publish, settle, clean
release() free the leases (a stopped run keeps its staging and resumes next time)
```

`ingest` (the CLI and the single Lambda handler) calls all five in one process; the Step
Functions handlers call `start` + `plan`, then `start(attempt=...)` + `run_shards` per
shard, then `start(attempt=...)` + `commit`, across invocations.

Over 400 lines on purpose: the five steps share one run's identity, leases and staging,
and the order between them is the protocol docs/lake.md states; the rules they apply live
elsewhere (plan completeness in `plan.py`, ownership in `lake/ownership.py`, healing in
`lake/heal.py`, publishing in `lake/commit.py`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime
from types import TracebackType

from tmdb_lake import __version__
from tmdb_lake.collect.context import NullProgress, Progress, RunContext, Stopped
from tmdb_lake.collect.details import DetailsCollector
from tmdb_lake.collect.discover import DiscoverCollector
from tmdb_lake.collect.genres import collect_genres
from tmdb_lake.collect.ids import plan_catalog, plan_changes
from tmdb_lake.concurrency import gather_all
from tmdb_lake.definition import DatasetSpec, dataset_specs, run_filters
from tmdb_lake.errors import ConfigError, LeaseBusy, LeaseLost, StorageError
from tmdb_lake.lake.commit import (
    CommitIntent,
    PublishItem,
    deduplicated_parts,
    pending_intents,
    publish,
    publish_items,
    settle,
)
from tmdb_lake.lake.heal import heal_day
from tmdb_lake.lake.layout import LakeLayout
from tmdb_lake.lake.lease import Holder, LeaseSet, Partition
from tmdb_lake.lake.manifest import ManifestFile, ManifestReader, RunManifest
from tmdb_lake.lake.ownership import check_ownership
from tmdb_lake.lake.staging import RunRecord, RunStaging, read_run_record
from tmdb_lake.lake.state import changes_window, save_changes_state
from tmdb_lake.lake.storage import Storage, open_storage
from tmdb_lake.plan import (
    DetailsShard,
    DiscoverShard,
    GenresShard,
    PlanRecord,
    Shard,
    expected_shards,
    plan_run,
    run_key,
)
from tmdb_lake.run_report import RunReport, peak_rss_mb
from tmdb_lake.settings import LakeSettings, Settings
from tmdb_lake.tmdb.client import TmdbClient
from tmdb_lake.tmdb.queries import MediaType
from tmdb_lake.tmdb.transport import Transport

__all__ = ["NullProgress", "Progress", "Run", "RunReport", "ingest", "open_lake"]


def open_lake(settings: LakeSettings) -> Storage:
    """Open the lake the settings point at (a folder, or S3 with the configured credentials)."""
    return open_storage(settings.lake, keep_local=settings.keep_local, s3=settings.s3_options())


def new_run_id(now: datetime) -> str:
    """Give a run id that sorts by start time and never repeats."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class Run:
    """One ingest run under the leases of its partitions; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        *,
        layout: LakeLayout | None = None,
        transport: Transport | None = None,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.layout = layout or LakeLayout()
        self.progress = progress or NullProgress()
        self.should_stop = should_stop or (lambda: False)
        self.day = settings.partition_date
        self.run_key = run_key(settings)
        self.specs: list[DatasetSpec] = dataset_specs(settings)
        self.resumed = False
        self.manifest: RunManifest | None = None
        self.windows: dict[MediaType, tuple[date, date]] = {}
        self._transport = transport
        self._tmdb: TmdbClient | None = None
        self._record: RunRecord | None = None
        self._leases: LeaseSet | None = None
        self._stack = AsyncExitStack()
        self._started = time.monotonic()

    async def __aenter__(self) -> Run:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    # -------------------------------------------------------------- identity --

    @property
    def record(self) -> RunRecord:
        """Give the run record (after `start`)."""
        if self._record is None:
            raise RuntimeError("the run has not started")
        return self._record

    @property
    def leases(self) -> LeaseSet:
        """Give the leases this run holds (after `start`)."""
        if self._leases is None:
            raise RuntimeError("the run has not started")
        return self._leases

    @property
    def staging(self) -> RunStaging:
        """Give this attempt's staging keys."""
        return RunStaging.of(self.layout, self.record, self.leases.holder.token)

    @property
    def partitions(self) -> list[Partition]:
        """Give the partitions this run writes (one lease each)."""
        return [Partition(spec.name, self.day) for spec in self.specs]

    # ----------------------------------------------------------------- start --

    async def start(
        self,
        *,
        attempt: str | None = None,
        run_id: str | None = None,
        require_resume: bool = False,
        fetches: bool = True,
    ) -> None:
        """Take the leases and become (or resume, or with `attempt`, rejoin) the run.

        A new attempt heals the day and checks that no other definition owns its
        datasets. Rejoining (the next Step Functions step of the same attempt) only
        checks that the run is still the one under this key. A step that `fetches` from
        TMDB (all but the commit) needs a credential: its absence fails here, before the
        leases are taken.
        """
        if fetches:
            self.settings.require_credentials()
        joining = attempt is not None
        existing = await read_run_record(self.storage, self.layout, self.run_key)
        tentative = run_id or (existing.run_id if existing else new_run_id(datetime.now(UTC)))
        holder = Holder(attempt or secrets.token_hex(6), tentative, self.run_key)
        self._leases = LeaseSet(
            self.storage, self.layout, self.partitions, holder, ttl=self.settings.lease_ttl
        )
        try:
            await self._leases.acquire(wait=0.0 if joining else self.settings.wait)
        except LeaseBusy as busy:
            if joining:
                raise LeaseLost(f"{busy}: this run's lease was taken over") from None
            raise
        await self._stack.enter_async_context(self._leases.kept_alive())
        if joining:
            record = await read_run_record(self.storage, self.layout, self.run_key)
            if record is None or record.run_id != run_id:
                self.manifest = await self._stored_manifest(str(run_id))
                if self.manifest is None:
                    raise LeaseLost(f"run {run_id} is no longer staged under {self.run_key}")
                return
            self._record = record
            self.manifest = await self._stored_manifest(record.run_id)
            await self._load_windows()
            return
        await self._heal()  # may finish commits, our own interrupted one included
        record = await read_run_record(self.storage, self.layout, self.run_key)
        if record is not None:
            self.resumed = True
            manifest = await self._stored_manifest(record.run_id)
            if manifest is not None:  # committed before a crash: only the clean-up is left
                self._record = record
                await self._finish(manifest)
                return
        elif require_resume:
            raise ConfigError("--resume: no unfinished run with these parameters and date")
        await self._load_windows()
        await self._check_ownership(record.run_id if record is not None else None)
        if record is None:
            now = datetime.now(UTC)
            record = RunRecord(
                run_key=self.run_key,
                run_id=tentative if existing is None else new_run_id(now),
                day=self.day,
                started_at=now.isoformat(timespec="seconds"),
                datasets=tuple(spec.name for spec in self.specs),
                attempts=(),
            )
        else:
            self.progress.note(f"resuming run {record.run_id} (started {record.started_at})")
        self._record = record.with_attempt(holder.token)
        await self.storage.put(self.layout.run_record_key(self.run_key), self.record.to_json())
        strays = await self.staging.stray_run_folders(self.storage)
        if strays:  # what late writers of finished runs left under this key: never read
            await self.storage.delete(strays)

    async def _load_windows(self) -> None:
        if self.settings.mode == "changes":
            for media in self.settings.media:
                self.windows[media] = await changes_window(
                    self.storage, self.layout, self.settings, media
                )

    async def _stored_manifest(self, run_id: str) -> RunManifest | None:
        return await ManifestReader(self.storage, self.layout).read(
            self.layout.manifest_key(self.day, run_id)
        )

    async def _heal(self) -> None:
        report = await heal_day(
            self.storage,
            self.layout,
            self.day,
            (spec.name for spec in self.specs),
            own_run_key=self.run_key,
            fence=self.leases.verify,
        )
        for line in report.notes():
            self.progress.note(line)

    async def _check_ownership(self, own_run_id: str | None) -> None:
        """Refuse, before any request, to replace a day's dataset another definition published."""
        if self.settings.replace:
            return
        since = {
            spec.name: self.windows[spec.media][0]
            for spec in self.specs
            if spec.kind == "delta" and spec.media in self.windows
        }
        reader = ManifestReader(self.storage, self.layout)
        await check_ownership(reader, self.day, self.specs, own_run_id=own_run_id, since=since)

    # ------------------------------------------------------------------ work --

    @asynccontextmanager
    async def context(self) -> AsyncIterator[RunContext]:
        """Give what shards share: the TMDB client (opened once), the lake, the staging keys."""
        if self._tmdb is None:
            self._tmdb = await self._stack.enter_async_context(
                TmdbClient(
                    self.settings.api_url,
                    api_key=self.settings.api_key,
                    access_token=self.settings.access_token,
                    rate_limit=self.settings.rate_limit,
                    concurrency=self.settings.concurrency,
                    timeout=self.settings.timeout,
                    max_attempts=self.settings.max_attempts,
                    transport=self._transport,
                )
            )
        yield RunContext(
            self.settings,
            self._tmdb,
            self.storage,
            self.staging,
            self.progress,
            self.should_stop,
            self.leases,
        )

    async def plan(self, *, probe: bool = False) -> list[Shard]:
        """Give the run's shards, writing the plan record the first time.

        With `probe`, discover windows are split under TMDB's cap up front (page 1 of
        each), so that a distributed runner can map over them; locally they split as they
        run, and the commit expects the windows each split recorded.
        """
        stored = await self.storage.get(self.staging.plan_key)
        if stored is not None:
            return list(PlanRecord.from_json(stored).shards)
        settings = self.settings
        shards: list[Shard] = []
        async with self.context() as ctx:
            if settings.mode == "discover":
                roots = plan_run(settings).shards
                if probe:
                    collector = DiscoverCollector(ctx)
                    for root in roots:
                        shards.extend(await collector.probe_leaves(root))
                else:
                    shards.extend(roots)
            elif settings.mode == "catalog":
                for media in settings.media:
                    shards.extend(await plan_catalog(ctx, media))
            else:
                for media in settings.media:
                    since, until = self.windows[media]
                    shards.extend(await plan_changes(ctx, media, since, until))
        shards.extend(GenresShard(media) for media in settings.media)
        info = {m.value: [d.isoformat() for d in w] for m, w in self.windows.items()}
        await self.storage.put(self.staging.plan_key, PlanRecord(tuple(shards), info).to_json())
        return shards

    async def run_shards(self, shards: list[Shard]) -> None:
        """Run shards to completion, concurrently (raises `Stopped` at the caller's deadline)."""
        discover = [s for s in shards if isinstance(s, DiscoverShard)]
        details = [s for s in shards if isinstance(s, DetailsShard)]
        genres = [s for s in shards if isinstance(s, GenresShard)]
        async with self.context() as ctx:
            await gather_all(
                [
                    DiscoverCollector(ctx).run_shards(discover),
                    DetailsCollector(ctx).run_batches(details),
                    gather_all(collect_genres(ctx, shard) for shard in genres),
                ]
            )

    # ---------------------------------------------------------------- commit --

    async def commit(self) -> RunManifest:
        """Publish a run whose every expected shard is done; repeatable after a crash."""
        if self.manifest is not None:
            return self.manifest
        await self.leases.verify()
        shards, counters = await self._committable_shards()
        parts, duplicates = await deduplicated_parts(
            self.storage,
            self.staging.read_checkpoints(self.storage, shards),
            self.settings.file_format,
            lambda part: part.key.rpartition(".")[0] + f"-dedup.{self.settings.file_format}",
        )
        if duplicates:
            counters["duplicates_across_windows"] = duplicates
        items = publish_items(
            parts, self.layout, self.day, self.record.run_id, self.settings.file_format
        )
        del parts  # a catalog's ten thousand parts: the items say all the commit needs
        manifest = self._manifest(items, counters)
        intent = CommitIntent(self.run_key, manifest, tuple(items))
        del items
        await self.leases.verify()
        intent_key = self.layout.commit_key(self.day, self.record.run_id)
        await self.storage.put(intent_key, intent.to_json())
        stored = await publish(self.storage, self.layout, intent, fence=self.leases.verify)
        del intent, manifest  # the copies are done: the settle and the clean-up need neither
        await self._finish(stored)
        return stored

    async def _committable_shards(self) -> tuple[list[str], dict[str, int]]:
        """Check every expected shard is done (against the plan record); give them and counts.

        Read without the parts' ids: the commit reads the expected checkpoints once more,
        streaming, for the dedupe, so memory does not grow with a million-title catalog.
        """
        planned = await self.storage.get(self.staging.plan_key)
        if planned is None:
            raise StorageError(f"cannot commit run {self.record.run_id}: it has no plan record")
        found = {
            c.shard_id: c async for c in self.staging.read_checkpoints(self.storage, ids=False)
        }
        expected = expected_shards(PlanRecord.from_json(planned), found, self.settings)
        missing = sorted(s for s in expected if s not in found or not found[s].done)
        if missing:
            raise StorageError(
                f"cannot commit: {len(missing)} shards unfinished or missing, e.g. {missing[0]}"
            )
        counters: dict[str, int] = {}
        for shard_id in expected:
            for name, value in found[shard_id].counters.items():
                counters[name] = counters.get(name, 0) + value
        return sorted(expected), counters

    def _manifest(self, items: list[PublishItem], counters: dict[str, int]) -> RunManifest:
        datasets = {
            spec.name: spec.manifest(
                [
                    ManifestFile(item.final, item.records, item.bytes)
                    for item in items
                    if item.dataset == spec.name
                ],
                lease_generation=self.leases.generations[Partition(spec.name, self.day)],
                window=self.windows.get(spec.media),
            )
            for spec in self.specs
        }
        return RunManifest(
            run_id=self.record.run_id,
            partition_date=self.day,
            complete=True,
            started_at=self.record.started_at,
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            datasets=datasets,
            format=self.settings.file_format,
            mode=self.settings.mode,
            run_key=self.run_key,
            counters=counters,
            extra={
                "tool": "tmdb-lake",
                "version": __version__,
                "filters": run_filters(self.settings),
                "requests": self._tmdb.stats.as_dict() if self._tmdb is not None else {},
                # More than one: the run was resumed (the report's runs timeline says so).
                "attempts": len(self.record.attempts),
            },
        )

    async def _finish(self, manifest: RunManifest) -> None:
        """Settle the run's partitions, save the changes state, clean the staging."""
        others = [
            intent
            for _, intent in await pending_intents(
                self.storage, self.layout, self.day, besides=manifest.run_id
            )
            if await self._stored_manifest(intent.manifest.run_id) is None
        ]
        for dataset in manifest.datasets:
            await settle(
                self.storage,
                self.layout,
                dataset,
                self.day,
                fence=self.leases.verify,
                in_flight=others,
            )
        if self.settings.mode == "changes":
            await save_changes_state(self.storage, self.layout, manifest)
        await self.storage.delete([self.layout.commit_key(self.day, manifest.run_id)])
        await self.storage.delete(await self.storage.list(self.layout.staging_prefix(self.run_key)))
        self.manifest = manifest

    async def release(self) -> None:
        """Free the leases; an unfinished run keeps its staging and resumes next time."""
        if self._leases is not None:
            await self._leases.release()

    # ---------------------------------------------------------------- report --

    def report(self, *, complete: bool) -> RunReport:
        """Say what the run did: the CLI's summary, the Lambda's response body."""
        manifest = self.manifest if complete else None
        datasets = manifest.datasets if manifest is not None else {}
        stats = self._tmdb.stats if self._tmdb is not None else None
        record = self._record
        return RunReport(
            run_id=record.run_id if record is not None else "",
            run_key=self.run_key,
            lake=self.storage.description,
            partition_date=self.day.isoformat(),
            complete=manifest is not None,
            resumed=self.resumed,
            started_at=record.started_at if record is not None else "",
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=time.monotonic() - self._started,
            records={name: ds.records for name, ds in datasets.items()},
            files={name: len(ds.files) for name, ds in datasets.items()},
            manifest=self.layout.manifest_key(self.day, manifest.run_id) if manifest else None,
            requests=stats.requests if stats else 0,
            retries=stats.retries if stats else 0,
            rate_limited=stats.rate_limited if stats else 0,
            counters=dict(manifest.counters) if manifest is not None else {},
            peak_rss_mb=peak_rss_mb(),
        )


async def ingest(
    settings: Settings,
    storage: Storage,
    *,
    transport: Transport | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    layout: LakeLayout | None = None,
    require_resume: bool = False,
) -> RunReport:
    """Run one ingest into the lake, start to finish; resume an unfinished one with its key.

    Whatever happens (done, stopped at a deadline, failed, interrupted), the leases are
    released on the way out, so the next run can start at once.
    """
    async with Run(
        settings,
        storage,
        layout=layout,
        transport=transport,
        progress=progress,
        should_stop=should_stop,
    ) as run:
        try:
            await run.start(require_resume=require_resume)
            if run.manifest is None:
                try:
                    await run.run_shards(await run.plan())
                except Stopped:
                    return run.report(complete=False)
                await run.commit()
            return run.report(complete=True)
        finally:
            await run.release()
