"""Reference data: TMDB's genre lists in the run's language, to join with `genre_ids`."""

from __future__ import annotations

from tmdb_lake.collect.context import RunContext
from tmdb_lake.errors import BadResponseError
from tmdb_lake.lake.checkpoint import ShardCheckpoint
from tmdb_lake.plan import GenresShard


async def collect_genres(ctx: RunContext, shard: GenresShard) -> ShardCheckpoint:
    """Write `/genre/{movie,tv}/list` as the dataset genres_movie or genres_tv."""
    media = shard.media
    dataset = ctx.settings.genres_dataset_for(media)
    writer = await ctx.open_writer(dataset, shard.shard_id, dedupe=True)
    if writer.checkpoint.done:
        return writer.checkpoint
    ctx.check_stop()
    body = await ctx.tmdb.get_json(media.genres_path, {"language": ctx.settings.language})
    genres = body.get("genres")
    if not isinstance(genres, list):
        raise BadResponseError(f"TMDB {media.genres_path}: 'genres' is not a list")
    valid = [
        g
        for g in genres
        if isinstance(g, dict) and isinstance(g.get("id"), int) and not isinstance(g["id"], bool)
    ]
    await writer.add_unit(1, valid, {"invalid_items_skipped": len(genres) - len(valid)})
    return await writer.finish()
