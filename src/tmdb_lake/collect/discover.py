"""Discover shards: page a date window of `/discover/{movie,tv}` into staged parts.

A window that matches more than TMDB's 10,000-result cap splits itself into narrower
windows (recorded in its checkpoint, so a resumed run follows the same split).
"""

from __future__ import annotations

import math
from contextlib import aclosing

from tmdb_lake.collect.context import RunContext
from tmdb_lake.collect.details import DetailsCollector
from tmdb_lake.concurrency import fetch_in_order, gather_all
from tmdb_lake.lake.checkpoint import ShardCheckpoint
from tmdb_lake.lake.writer import ShardWriter
from tmdb_lake.plan import (
    DiscoverShard,
    base_query,
    batches_from_discover,
    needs_split,
    split_window,
)
from tmdb_lake.tmdb.client import DiscoverPage
from tmdb_lake.tmdb.queries import MAX_PAGE, MAX_RESULTS_PER_QUERY, PAGE_SIZE, DiscoverQuery

SPARE_PAGES = 5
"""Extra pages a `--limit` shard may read when TMDB repeats records across pages."""

CONTRADICTED = "total_pages_contradicted"
"""Checkpoint info flag and counter: a page past TMDB's `total_pages` held results."""


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
            children = [DiscoverShard.from_dict(raw) for raw in checkpoint.split]
            return [checkpoint, *await self._run_children(children)]
        query = shard.query(base_query(ctx.settings, shard.media))
        first: DiscoverPage | None = None
        if checkpoint.total_pages is None or checkpoint.total_results is None:
            ctx.check_stop()
            first = await ctx.tmdb.discover_page(query, 1)
            checkpoint.total_pages = first.total_pages
            checkpoint.total_results = first.total_results
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
                    checkpoint.split = [child.to_dict() for child in children]
                    await writer.finish()
                    return [checkpoint, *await self._run_children(children)]
                checkpoint.count("unreachable", first.total_results - MAX_RESULTS_PER_QUERY)
        # Page 1 is read whatever total_pages says: `total_pages: 0` over 20 results exists.
        total_pages = min(max(checkpoint.total_pages, 1), MAX_PAGE)
        expected_pages = total_pages
        if shard.limit is not None:
            expected_pages = min(total_pages, math.ceil(shard.limit / PAGE_SIZE))
            total_pages = min(total_pages, expected_pages + SPARE_PAGES)
        start = max(checkpoint.next_unit, 1)
        ctx.progress.add_total(max(0, expected_pages - start + 1))
        last = await self._fetch_pages(shard, query, writer, range(start, total_pages + 1), first)
        if last is not None and _claim_contradicted(last, checkpoint):
            await self._pages_past_the_claim(shard, query, writer, last.page + 1)
        elif start > total_pages and _may_go_on(checkpoint):
            await self._pages_past_the_claim(shard, query, writer, start)  # resumed past it
        await writer.finish()
        return [checkpoint]

    async def _pages_past_the_claim(
        self, shard: DiscoverShard, query: DiscoverQuery, writer: ShardWriter, page: int
    ) -> None:
        """Keep paging from `page` while pages are full, up to TMDB's page 500.

        TMDB's `total_pages` is not trusted when full pages contradict it. One page is asked
        for until one past the claim holds results, then a look-ahead's worth at a time: a
        claim that was right after all costs one request, a wrong one at most a look-ahead
        of requests past the true end (they answer with no results).
        """
        while page <= MAX_PAGE:
            size = self.ctx.lookahead if writer.checkpoint.pages_contradicted else 1
            end = min(page + size - 1, MAX_PAGE)
            self.ctx.progress.add_total(end - page + 1)
            block = range(page, end + 1)
            last = await self._fetch_pages(shard, query, writer, block, None, past_claim=True)
            if last is None:
                return
            page = last.page + 1

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
        *,
        past_claim: bool = False,
    ) -> DiscoverPage | None:
        """Fetch pages concurrently, feeding the writer strictly in page order.

        Gives the last page when every page was read; None when paging stopped early (the
        limit reached, an empty page past the end, or, `past_claim`, a page not full).
        """
        ctx = self.ctx
        checkpoint = writer.checkpoint
        claimed = checkpoint.total_pages or 0

        async def fetch(page: int) -> DiscoverPage:
            if page == 1 and first is not None:
                return first
            return await ctx.tmdb.discover_page(query, page)

        def lookahead() -> int:
            if shard.limit is None:
                return ctx.lookahead
            missing = shard.limit - writer.records
            return max(1, min(ctx.lookahead, math.ceil(missing / PAGE_SIZE)))

        last: DiscoverPage | None = None
        async with aclosing(fetch_in_order(pages, fetch, lookahead)) as results:
            async for page, result in results:
                ctx.check_stop()
                if page > claimed and _items(result) and not checkpoint.pages_contradicted:
                    checkpoint.pages_contradicted = True  # saved with the page's checkpoint
                    checkpoint.count(CONTRADICTED)
                    ctx.progress.note(
                        f"warning: {shard.shard_id}: TMDB said total_pages {claimed}, but page "
                        f"{page} has {_items(result)} results; paging on while pages are full "
                        f"(up to page {MAX_PAGE})"
                    )
                records = result.results
                if shard.limit is not None:
                    records = records[: max(0, shard.limit - writer.records)]
                counts = {
                    "invalid_items_skipped": result.skipped,
                    "strings_repaired": result.strings_repaired,
                }
                accepted = await writer.add_unit(page, records, counts)
                ctx.progress.advance(1, accepted)
                if shard.limit is not None and writer.records >= shard.limit:
                    return None
                if not result.results and page >= result.total_pages:
                    return None
                if past_claim and _items(result) < PAGE_SIZE:
                    return None
                last = result
        return last


def _items(page: DiscoverPage) -> int:
    """Count the items TMDB put on a page, valid or not."""
    return len(page.results) + page.skipped


def _claim_contradicted(last: DiscoverPage, checkpoint: ShardCheckpoint) -> bool:
    """Tell whether the last page TMDB claimed is full while the totals say there is more.

    A full last page alone is normal (exactly 20 x N results); it contradicts the claim
    when it lies past `total_pages` or `total_results` counts more than the pages hold.
    """
    if _items(last) < PAGE_SIZE or last.page >= MAX_PAGE:
        return False
    claimed, total_results = checkpoint.total_pages or 0, checkpoint.total_results or 0
    return last.page > claimed or total_results > claimed * PAGE_SIZE


def _may_go_on(checkpoint: ShardCheckpoint) -> bool:
    """Tell whether a shard resumed past its claimed pages may have more to read.

    It may when it had found results past the claim, or when the totals disagree (the
    fullness of its last page is not known after a restart).
    """
    claimed, total_results = checkpoint.total_pages or 0, checkpoint.total_results or 0
    return checkpoint.pages_contradicted or total_results > claimed * PAGE_SIZE
