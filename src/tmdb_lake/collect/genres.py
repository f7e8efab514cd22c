"""Reference data: TMDB's genre lists in the run's language, to join with `genre_ids`."""

from __future__ import annotations

from tmdb_lake.collect.context import RunContext
from tmdb_lake.errors import BadResponseError
from tmdb_lake.lake.writer import ShardCheckpoint


async def collect_genres(ctx: RunContext) -> list[ShardCheckpoint]:
    """Write `/genre/{movie,tv}/list` as the datasets genres_movie and genres_tv."""
    checkpoints: list[ShardCheckpoint] = []
    for media in ctx.settings.media:
        dataset = ctx.settings.genres_dataset_for(media)
        writer = await ctx.open_writer(dataset, f"genres-{media.value}", dedupe=True)
        if not writer.checkpoint.done:
            ctx.check_stop()
            body = await ctx.tmdb.get_json(media.genres_path, {"language": ctx.settings.language})
            genres = body.get("genres")
            if not isinstance(genres, list):
                raise BadResponseError(f"TMDB {media.genres_path}: 'genres' is not a list")
            valid = [g for g in genres if isinstance(g, dict) and isinstance(g.get("id"), int)]
            writer.checkpoint.count("invalid_items_skipped", len(genres) - len(valid))
            await writer.add_unit(1, valid)
            await writer.finish()
        checkpoints.append(writer.checkpoint)
    return checkpoints
