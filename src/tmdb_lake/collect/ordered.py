"""Concurrent fetches, consumed strictly in order.

The lake writer checkpoints on unit boundaries, so it must see page 3 after page 2
even when page 3 arrived first. A bounded look-ahead keeps memory flat.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def fetch_in_order(
    items: Iterable[T],
    fetch: Callable[[T], Awaitable[R]],
    lookahead: Callable[[], int],
) -> AsyncGenerator[tuple[T, R], None]:
    """Yield `(item, await fetch(item))` in the order of `items`, fetching ahead.

    At most `lookahead()` fetches are in flight. Leaving the loop early (or an error)
    cancels the fetches still pending; use it under `contextlib.aclosing`.
    """
    iterator = iter(items)
    pending: list[tuple[T, asyncio.Task[R]]] = []
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < max(1, lookahead()):
                try:
                    item = next(iterator)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((item, asyncio.ensure_future(fetch(item))))
            if not pending:
                return
            item, task = pending.pop(0)
            yield item, await task
    finally:
        for _, task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*(task for _, task in pending), return_exceptions=True)
