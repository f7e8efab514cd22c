"""Details shards: `/movie/{id}` and `/tv/{id}` (with append_to_response) for a batch of ids.

A batch is either one staged discover part (its records' ids) or one id batch file
written by the catalog or changes planner. Titles TMDB has deleted (404) are counted
in the manifest, not fatal.
"""

from __future__ import annotations

from contextlib import aclosing

import orjson

from tmdb_lake.collect.context import RunContext
from tmdb_lake.concurrency import fetch_in_order, gather_all
from tmdb_lake.errors import StorageError
from tmdb_lake.lake.checkpoint import ShardCheckpoint
from tmdb_lake.lake.writer import decode_records
from tmdb_lake.plan import DetailsShard
from tmdb_lake.tmdb.client import Details

SHARDS_AT_ONCE = 4
"""Details shards run side by side, so the request pipe stays full at shard boundaries."""


class DetailsCollector:
    """Fetches details for batches of ids into the details datasets."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    async def run_batches(self, batches: list[DetailsShard]) -> list[ShardCheckpoint]:
        """Run batches a few at a time; give their checkpoints in batch order."""
        return await gather_all((self.run(batch) for batch in batches), limit=SHARDS_AT_ONCE)

    async def run(self, batch: DetailsShard) -> ShardCheckpoint:
        """Fetch the details of one batch (resuming from its checkpoint)."""
        ctx = self.ctx
        settings = ctx.settings
        dataset = settings.details_dataset_for(batch.media)
        writer = await ctx.open_writer(dataset, batch.shard_id, dedupe=False)
        if writer.checkpoint.done:
            return writer.checkpoint
        ids = await self._ids(batch)
        start = writer.checkpoint.next_unit
        ctx.progress.add_total(len(ids) - start)
        appends = settings.appends_for(batch.media)

        async def fetch(index: int) -> Details:
            return await ctx.tmdb.details(batch.media, ids[index], settings.language, appends)

        def lookahead() -> int:
            return ctx.lookahead

        async with aclosing(fetch_in_order(range(start, len(ids)), fetch, lookahead)) as results:
            async for index, answer in results:
                ctx.check_stop()
                if answer.record is None:
                    accepted = await writer.add_unit(index, [], {"details_not_found": 1})
                else:
                    counts = {"strings_repaired": answer.strings_repaired}
                    accepted = await writer.add_unit(index, [answer.record], counts)
                ctx.progress.advance(1, accepted)
        return await writer.finish()

    async def _ids(self, batch: DetailsShard) -> list[int]:
        data = await self.ctx.storage.get(batch.source_key)
        if data is None:
            raise StorageError(f"staged id source {batch.source_key} is missing from the lake")
        if batch.source_kind == "part":
            return [
                int(record["id"]) for record in decode_records(data, self.ctx.settings.file_format)
            ]
        return [int(i) for i in orjson.loads(data)]
