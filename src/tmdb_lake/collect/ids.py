"""Id planners: turn TMDB's daily exports or its change lists into details batches.

Ids are written to staging in batch files as they stream in, so memory does not grow
with the catalog, and a resumed run reuses the batches instead of downloading again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from tmdb_lake.collect.context import RunContext
from tmdb_lake.errors import BadResponseError, NotFoundError, UpstreamError
from tmdb_lake.plan import DetailsShard
from tmdb_lake.tmdb.queries import MediaType, export_file_name

IDS_PER_BATCH = 1_000
CHANGES_WINDOW_DAYS = 14
"""TMDB refuses change windows longer than 14 days."""

EXPORT_PUBLISHED_HOUR_UTC = 8


class IdBatchWriter:
    """Writes ids in batch files under the run's staging folder."""

    def __init__(self, ctx: RunContext, media: MediaType, source: str) -> None:
        self.ctx = ctx
        self.media = media
        self.source = source
        self.batches: list[DetailsShard] = []
        self._ids: list[int] = []
        self.total = 0

    async def add(self, tmdb_id: int) -> None:
        """Take one id; write a batch file when the batch is full."""
        self._ids.append(tmdb_id)
        self.total += 1
        if len(self._ids) >= IDS_PER_BATCH:
            await self.flush()

    async def flush(self) -> None:
        """Write the batch in hand, if any."""
        if not self._ids:
            return
        shard_id = f"{self.media.value}-{self.source}-{len(self.batches):06d}"
        key = self.ctx.staging.id_batch_key(shard_id)
        await self.ctx.storage.put(key, orjson.dumps(self._ids))
        self.batches.append(DetailsShard(self.media, shard_id, key, "ids"))
        self._ids = []


async def planned(ctx: RunContext, media: MediaType, source: str) -> list[DetailsShard] | None:
    """Give the batches a previous attempt of this run already planned, if it finished."""
    data = await ctx.storage.get(_marker_key(ctx, media, source))
    if data is None:
        return None
    return [DetailsShard.from_dict(raw) for raw in orjson.loads(data)["batches"]]


async def _save_plan(
    ctx: RunContext, media: MediaType, source: str, writer: IdBatchWriter, info: dict[str, Any]
) -> None:
    await writer.flush()
    body = {"batches": [b.to_dict() for b in writer.batches], "ids": writer.total, **info}
    await ctx.storage.put(_marker_key(ctx, media, source), orjson.dumps(body))


def _marker_key(ctx: RunContext, media: MediaType, source: str) -> str:
    return ctx.staging.id_batch_key(f"{media.value}-{source}.plan")


# ------------------------------------------------------------------ catalog ----


def export_days(now: datetime) -> list[date]:
    """Give the export days to try, newest first: today's file appears around 08:00 UTC."""
    try:
        utc = now.astimezone(UTC)
    except OverflowError:  # a clock at the very ends of the calendar: read it as UTC
        utc = now.replace(tzinfo=UTC)
    newest = utc.date()
    if utc.hour < EXPORT_PUBLISHED_HOUR_UTC:
        newest = _day_before(newest)
    return sorted({newest, _day_before(newest)}, reverse=True)


def _day_before(day: date) -> date:
    return day - timedelta(days=1) if day > date.min else day


async def plan_catalog(
    ctx: RunContext, media: MediaType, now: datetime | None = None
) -> list[DetailsShard]:
    """Stream the newest daily ID export into id batches, applying the run's filters."""
    done = await planned(ctx, media, "catalog")
    if done is not None:
        return done
    settings = ctx.settings
    last_error: Exception | None = None

    async def read(lines: AsyncIterator[bytes]) -> tuple[IdBatchWriter, int]:
        writer = IdBatchWriter(ctx, media, "catalog")  # afresh on every attempt
        return writer, await _read_export(ctx, writer, lines)

    for day in export_days(now or datetime.now(UTC)):
        url = f"{settings.exports_url}/{export_file_name(media, day)}"
        try:
            writer, skipped = await ctx.tmdb.read_gzip_lines(url, read)
        except (NotFoundError, UpstreamError) as exc:
            last_error = exc  # not published yet, or unreadable: try the previous day
            continue
        ctx.progress.note(
            f"{media.value}: export of {day} gives {writer.total:,} ids ({skipped:,} filtered out)"
        )
        await _save_plan(ctx, media, "catalog", writer, {"export": str(day), "skipped": skipped})
        return writer.batches
    raise UpstreamError(f"no daily ID export could be read for {media.value}: {last_error}")


async def _read_export(ctx: RunContext, writer: IdBatchWriter, lines: AsyncIterator[bytes]) -> int:
    settings = ctx.settings
    skipped = 0
    async for line in lines:
        if not line.strip():
            continue
        try:
            entry = orjson.loads(line)
            tmdb_id = entry["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            skipped += 1
            continue
        if not isinstance(tmdb_id, int) or isinstance(tmdb_id, bool):
            skipped += 1
            continue
        if entry.get("adult") is True:
            skipped += 1
            continue
        popularity = entry.get("popularity")
        if settings.min_popularity is not None and (
            not isinstance(popularity, int | float) or popularity < settings.min_popularity
        ):
            skipped += 1
            continue
        await writer.add(tmdb_id)
    return skipped


# ------------------------------------------------------------------ changes ----


def change_windows(since: date, until: date) -> list[tuple[date, date]]:
    """Cut [since, until] into windows TMDB accepts (at most 14 days each).

    No date past `until` is computed, so an `until` of 9999-12-31 cannot overflow.
    """
    windows: list[tuple[date, date]] = []
    start = since
    while start <= until:
        if (until - start).days < CHANGES_WINDOW_DAYS:
            windows.append((start, until))
            break
        end = start + timedelta(days=CHANGES_WINDOW_DAYS - 1)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


async def plan_changes(
    ctx: RunContext, media: MediaType, since: date, until: date
) -> list[DetailsShard]:
    """List the ids TMDB changed between `since` and `until` into id batches."""
    done = await planned(ctx, media, "changes")
    if done is not None:
        return done
    writer = IdBatchWriter(ctx, media, "changes")
    seen: set[int] = set()
    for start, end in change_windows(since, until):
        page, total_pages = 1, 1
        while page <= total_pages:
            ctx.check_stop()
            params = {
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "page": str(page),
            }
            body = await ctx.tmdb.get_json(media.changes_path, params)
            results = body.get("results")
            total = body.get("total_pages")
            if not isinstance(results, list) or not isinstance(total, int):
                raise BadResponseError(f"TMDB {media.changes_path}: unexpected body shape")
            total_pages = total
            ctx.progress.advance(1, 0)
            for item in results:
                tmdb_id = item.get("id") if isinstance(item, dict) else None
                if (
                    isinstance(tmdb_id, int)
                    and not isinstance(tmdb_id, bool)
                    and tmdb_id not in seen
                ):
                    seen.add(tmdb_id)
                    await writer.add(tmdb_id)
            page += 1
    ctx.progress.note(f"{media.value}: {writer.total:,} titles changed from {since} to {until}")
    await _save_plan(
        ctx, media, "changes", writer, {"since": since.isoformat(), "until": until.isoformat()}
    )
    return writer.batches
