"""Discover shards: page a date window of `/discover/{movie,tv}` into staged parts.

A window that matches more than TMDB's 10,000-result cap splits itself into narrower
windows (recorded in its checkpoint, so a resumed run follows the same split).
"""

from __future__ import annotations

import math
from contextlib import aclosing

from tmdb_lake.collect.context import RunContext
from tmdb_lake.collect.details import DetailsCollector, batches_from_discover
from tmdb_lake.collect.ordered import fetch_in_order
from tmdb_lake.concurrency import gather_all
from tmdb_lake.lake.writer import ShardCheckpoint, ShardWriter
from tmdb_lake.plan import DiscoverShard, base_query, needs_split, split_window
from tmdb_lake.tmdb.client import DiscoverPage
from tmdb_lake.tmdb.queries import MAX_PAGE, MAX_RESULTS_PER_QUERY, PAGE_SIZE, DiscoverQuery

SPARE_PAGES = 5
"""Extra pages a `--limit` shard may read when TMDB repeats records across pages."""


class DiscoverCollector:
    """Runs discover shards and the windows they split into."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx

    async def run_shards(self, shards: list[DiscoverShard]) -> list[ShardCheckpoint]:
        """Run shards concurrently; give every checkpoint (split parents included)."""
        results = await gather_all(self.run(shard) for shard in shards)
        return [checkpoint for result in results for checkpoint in result]

    async def run(self, shard: DiscoverShard) -> list[ShardCheckpoint]:
        """Run one shard (the windows it splits into, and their details with --details)."""
        checkpoints = await self._run_discover(shard)
        if not self.ctx.settings.details:
            return checkpoints
        details = DetailsCollector(self.ctx)
        for checkpoint in list(checkpoints):
            if checkpoint.parts:
                checkpoints.extend(
                    await details.run_batches(batches_from_discover(checkpoint, shard.media))
                )
        return checkpoints

    async def probe_leaves(self, shard: DiscoverShard) -> list[DiscoverShard]:
        """Split a shard into windows under TMDB's cap by asking page 1 only; write nothing.

        The Step Functions planner maps over these leaves, one Lambda each.
        """
        if shard.limit is not None:
            return [shard]
        query = shard.query(base_query(self.ctx.settings, shard.media))
        first = await self.ctx.tmdb.discover_page(query, 1)
        if not needs_split(shard, first.total_results):
            return [shard]
        children = split_window(shard, first.total_results, self.ctx.settings.partition_date)
        if not children:
            return [shard]
        leaves = await gather_all(self.probe_leaves(child) for child in children)
        return [leaf for group in leaves for leaf in group]

    async def _run_discover(self, shard: DiscoverShard) -> list[ShardCheckpoint]:
        ctx = self.ctx
        dataset = ctx.settings.dataset_for(shard.media)
        writer = await ctx.open_writer(dataset, shard.shard_id, dedupe=True)
        checkpoint = writer.checkpoint
        if checkpoint.done:
            children = [DiscoverShard.from_dict(raw) for raw in checkpoint.info.get("split", [])]
            return [checkpoint, *await self._run_children(children)]
        query = shard.query(base_query(ctx.settings, shard.media))
        first: DiscoverPage | None = None
        if "total_pages" not in checkpoint.info:
            ctx.check_stop()
            first = await ctx.tmdb.discover_page(query, 1)
            checkpoint.info["total_pages"] = first.total_pages
            checkpoint.info["total_results"] = first.total_results
            if needs_split(shard, first.total_results):
                children = split_window(shard, first.total_results, ctx.settings.partition_date)
                if children:
                    if shard.released_from is None and shard.released_until is None:
                        undated = await self._count_undated(shard, first.total_results, children)
                        checkpoint.count("undated_unreachable", undated)
                        ctx.progress.note(
                            f"warning: {undated:,} titles without a release date match no date "
                            "window; past TMDB's cap they cannot be reached (not collected)"
                        )
                    ctx.progress.note(
                        f"{shard.shard_id}: {first.total_results:,} results over TMDB's cap, "
                        f"split into {len(children)} date windows"
                    )
                    await writer.finish(split=[child.to_dict() for child in children])
                    return [checkpoint, *await self._run_children(children)]
                checkpoint.count("unreachable", first.total_results - MAX_RESULTS_PER_QUERY)
        total_pages = min(int(checkpoint.info["total_pages"]), MAX_PAGE)
        expected_pages = total_pages
        if shard.limit is not None:
            expected_pages = min(total_pages, math.ceil(shard.limit / PAGE_SIZE))
            total_pages = min(total_pages, expected_pages + SPARE_PAGES)
        start = max(checkpoint.next_unit, 1)
        ctx.progress.add_total(max(0, expected_pages - start + 1))
        await self._fetch_pages(shard, query, writer, range(start, total_pages + 1), first)
        await writer.finish()
        return [checkpoint]

    async def _count_undated(
        self, shard: DiscoverShard, total: int, windows: list[DiscoverShard]
    ) -> int:
        """Count what an unbounded query matches beyond the windows' overall date range.

        TMDB includes undated titles only when a query has no date filter; the windows all
        have one, so the difference is what no window can reach.
        """
        dated = DiscoverShard(shard.media, windows[0].released_from, windows[-1].released_until)
        query = dated.query(base_query(self.ctx.settings, shard.media))
        page = await self.ctx.tmdb.discover_page(query, 1)
        return max(0, total - page.total_results)

    async def _run_children(self, shards: list[DiscoverShard]) -> list[ShardCheckpoint]:
        results = await gather_all(self._run_discover(shard) for shard in shards)
        return [checkpoint for result in results for checkpoint in result]

    async def _fetch_pages(
        self,
        shard: DiscoverShard,
        query: DiscoverQuery,
        writer: ShardWriter,
        pages: range,
        first: DiscoverPage | None,
    ) -> None:
        """Fetch pages concurrently, feeding the writer strictly in page order."""
        ctx = self.ctx

        async def fetch(page: int) -> DiscoverPage:
            if page == 1 and first is not None:
                return first
            return await ctx.tmdb.discover_page(query, page)

        def lookahead() -> int:
            if shard.limit is None:
                return ctx.lookahead
            missing = shard.limit - writer.records
            return max(1, min(ctx.lookahead, math.ceil(missing / PAGE_SIZE)))

        async with aclosing(fetch_in_order(pages, fetch, lookahead)) as results:
            async for page, result in results:
                ctx.check_stop()
                writer.checkpoint.count("invalid_items_skipped", result.skipped)
                records = result.results
                if shard.limit is not None:
                    records = records[: max(0, shard.limit - writer.records)]
                accepted = await writer.add_unit(page, records)
                ctx.progress.advance(1, accepted)
                if shard.limit is not None and writer.records >= shard.limit:
                    break
                if not result.results and page >= result.total_pages:
                    break
