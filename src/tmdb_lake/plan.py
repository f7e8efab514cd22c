"""A run as independent shards: pure, testable, serialisable.

A shard is one discover query over one release-date window of one media type. The
local runner executes shards concurrently; the Step Functions runner maps over the
same shards in separate Lambda invocations. TMDB serves at most 10,000 results per
query, so a shard that finds more splits itself into narrower windows, guided by
`total_results`, until each is under the cap.
"""

from __future__ import annotations

import calendar
import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson

from tmdb_lake.lake.checkpoint import ShardCheckpoint
from tmdb_lake.settings import Settings
from tmdb_lake.tmdb.queries import MAX_RESULTS_PER_QUERY, DiscoverQuery, MediaType

EARLIEST_RELEASE = date(1870, 1, 1)
"""Lower bound used when a window must be split and the user gave none."""

LATEST_RELEASE_YEARS_AHEAD = 10
"""Upper bound, in years after the partition date, when the user gave none."""

SPLIT_FILL = 0.7
"""Aim each split window at 70% of the cap, so one split is almost always enough."""

MAX_SPLIT = 32


@dataclass(frozen=True)
class DiscoverShard:
    """One discover query over one release-date window.

    `limit` is set only for a `--limit` run: that shard keeps TMDB's popularity order
    and stops after `limit` records, like the original script. Every other shard sorts
    by release date, which keeps pages stable while popularity shifts during the run.
    """

    media: MediaType
    released_from: date | None
    released_until: date | None
    limit: int | None = None

    @property
    def shard_id(self) -> str:
        """Name the shard: stable across runs, safe as a key segment."""
        start = f"{self.released_from:%Y%m%d}" if self.released_from else "start"
        end = f"{self.released_until:%Y%m%d}" if self.released_until else "end"
        top = f"-top{self.limit}" if self.limit is not None else ""
        return f"{self.media.value}-{start}-{end}{top}"

    def query(self, base: DiscoverQuery) -> DiscoverQuery:
        """Give the shard's discover query, derived from the run's base query."""
        if self.limit is not None:
            return base
        return base.window(self.released_from, self.released_until)

    def to_dict(self) -> dict[str, Any]:
        """Serialise (for checkpoints and Step Functions payloads)."""
        return {
            "media": self.media.value,
            "released_from": self.released_from.isoformat() if self.released_from else None,
            "released_until": self.released_until.isoformat() if self.released_until else None,
            "limit": self.limit,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DiscoverShard:
        """Read back `to_dict`."""
        return cls(
            media=MediaType(raw["media"]),
            released_from=date.fromisoformat(raw["released_from"])
            if raw.get("released_from")
            else None,
            released_until=date.fromisoformat(raw["released_until"])
            if raw.get("released_until")
            else None,
            limit=raw.get("limit"),
        )


@dataclass(frozen=True)
class DetailsShard:
    """Details of a batch of ids, listed in a staged file of the run.

    The file is a staged discover part (`source_kind="part"`: its records' ids) or an id
    batch written by the catalog or changes planner (`"ids"`: a JSON array).
    """

    media: MediaType
    shard_id: str
    source_key: str
    source_kind: str

    def to_dict(self) -> dict[str, Any]:
        """Serialise (for checkpoints and Step Functions payloads)."""
        return {
            "media": self.media.value,
            "shard_id": self.shard_id,
            "source_key": self.source_key,
            "source_kind": self.source_kind,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DetailsShard:
        """Read back `to_dict`."""
        return cls(MediaType(raw["media"]), raw["shard_id"], raw["source_key"], raw["source_kind"])


@dataclass(frozen=True)
class GenresShard:
    """TMDB's genre list of one media type in the run's language (reference data)."""

    media: MediaType

    @property
    def shard_id(self) -> str:
        """Name the shard."""
        return f"genres-{self.media.value}"

    def to_dict(self) -> dict[str, Any]:
        """Serialise."""
        return {"media": self.media.value}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> GenresShard:
        """Read back `to_dict`."""
        return cls(MediaType(raw["media"]))


Shard = DiscoverShard | DetailsShard | GenresShard

_SHARD_KINDS: dict[str, type[DiscoverShard] | type[DetailsShard] | type[GenresShard]] = {
    "discover": DiscoverShard,
    "details": DetailsShard,
    "genres": GenresShard,
}


def shard_to_dict(shard: Shard) -> dict[str, Any]:
    """Serialise any shard with its kind (plan records, Step Functions payloads)."""
    kind = next(name for name, cls in _SHARD_KINDS.items() if isinstance(shard, cls))
    return {"kind": kind, **shard.to_dict()}


def shard_from_dict(raw: dict[str, Any]) -> Shard:
    """Read back `shard_to_dict`."""
    body = {k: v for k, v in raw.items() if k != "kind"}
    cls = _SHARD_KINDS.get(str(raw.get("kind")))
    if cls is None:
        raise ValueError(f"unknown shard kind {raw.get('kind')!r}")
    return cls.from_dict(body)


@dataclass(frozen=True)
class RunPlan:
    """What a run will do: its identity and its first shards."""

    run_key: str
    shards: tuple[DiscoverShard, ...]


@dataclass(frozen=True)
class PlanRecord:
    """The shards a run must finish before it may commit: written once, by the planner."""

    shards: tuple[Shard, ...]
    info: dict[str, Any]

    def to_json(self) -> bytes:
        """Serialise."""
        body = {"shards": [shard_to_dict(s) for s in self.shards], "info": self.info}
        return orjson.dumps(body)

    @classmethod
    def from_json(cls, data: bytes) -> PlanRecord:
        """Read back `to_json`."""
        raw = orjson.loads(data)
        return cls(tuple(shard_from_dict(s) for s in raw["shards"]), dict(raw.get("info", {})))


def base_query(settings: Settings, media: MediaType) -> DiscoverQuery:
    """Give the run's discover query for one media type, before any windowing."""
    return DiscoverQuery(
        media=media,
        genres=settings.genres,
        language=settings.language,
        released_from=settings.released_from,
        released_until=settings.released_until,
    )


def run_key(settings: Settings) -> str:
    """Give a key that is equal for two runs with the same parameters and date.

    A run that finds an unfinished staging folder under its key resumes it.
    """
    mode = settings.mode
    identity = {
        "mode": mode,
        "since": settings.since.isoformat() if settings.since else None,
        "min_popularity": settings.min_popularity,
        "date": settings.partition_date.isoformat(),
        "media": [m.value for m in settings.media],
        "limit": settings.limit,
        "genres": settings.genres,
        "language": settings.language,
        "from": settings.released_from.isoformat() if settings.released_from else None,
        "until": settings.released_until.isoformat() if settings.released_until else None,
        "format": settings.file_format,
        "rpf": settings.records_per_file,
        "datasets": [settings.movies_dataset, settings.series_dataset],
        "details": settings.details,
        "appends": [list(settings.appends_movie), list(settings.appends_tv)],
    }
    digest = hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"{settings.partition_date:%Y%m%d}-{mode}-{digest[:12]}"


def plan_run(settings: Settings) -> RunPlan:
    """Give the run's first shards: one per media type, over the user's own dates."""
    shards = tuple(
        DiscoverShard(media, settings.released_from, settings.released_until, settings.limit)
        for media in settings.media
    )
    return RunPlan(run_key=run_key(settings), shards=shards)


def years_after(day: date, years: int) -> date:
    """Give the same day `years` later: Feb 29 becomes Feb 28, and never past 9999-12-31."""
    year = day.year + years
    if year > date.max.year:
        return date.max
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return day.replace(year=year, day=28)
    return day.replace(year=year)


def needs_split(shard: DiscoverShard, total_results: int) -> bool:
    """Tell whether a shard's query matches more than TMDB will page through."""
    return shard.limit is None and total_results > MAX_RESULTS_PER_QUERY


def split_window(
    shard: DiscoverShard, total_results: int, partition_date: date
) -> list[DiscoverShard]:
    """Split a shard's date window into narrower ones, sized by `total_results`.

    Gives an empty list when the window is a single day: it cannot be narrowed, and
    the caller collects the first 10,000 records and reports the rest as unreachable.
    """
    start = shard.released_from or EARLIEST_RELEASE
    end = shard.released_until or years_after(partition_date, LATEST_RELEASE_YEARS_AHEAD)
    days = (end - start).days + 1
    if days <= 1:
        return []
    pieces = math.ceil(total_results / (MAX_RESULTS_PER_QUERY * SPLIT_FILL))
    pieces = max(2, min(pieces, MAX_SPLIT, days))
    # Newer years hold far more titles, so cut the range by a square-root curve that
    # gives recent windows fewer days than old ones. Every cut stays within the window
    # (at most `end`), so no date past 9999-12-31 is ever computed.
    bounds = [start]
    for i in range(1, pieces):
        fraction = math.sqrt(i / pieces)
        cut = start + timedelta(days=min(days - 1, max(1, round(days * fraction))))
        if cut > bounds[-1]:
            bounds.append(cut)
    windows: list[DiscoverShard] = []
    for i, lower in enumerate(bounds):
        upper = bounds[i + 1] - timedelta(days=1) if i + 1 < len(bounds) else end
        windows.append(DiscoverShard(shard.media, lower, upper))
    return windows


def batches_from_discover(checkpoint: ShardCheckpoint, media: MediaType) -> list[DetailsShard]:
    """Give one details shard per staged part of a finished discover shard (--details)."""
    return [
        DetailsShard(media, f"{checkpoint.shard_id}-d{index:05d}", part.key, "part")
        for index, part in enumerate(checkpoint.parts)
    ]


def expected_shards(
    plan: PlanRecord, checkpoints: dict[str, ShardCheckpoint], settings: Settings
) -> set[str]:
    """Give every shard a commit must find done: the plan's, plus what the done ones spawned.

    A discover window over TMDB's cap records its split windows; with --details, each
    discover part has one details shard. Nothing else is expected.
    """
    expected: set[str] = set()
    queue: list[Shard] = list(plan.shards)
    media_of = {settings.dataset_for(media): media for media in settings.media}
    while queue:
        shard = queue.pop()
        if shard.shard_id in expected:
            continue
        expected.add(shard.shard_id)
        checkpoint = checkpoints.get(shard.shard_id)
        if not isinstance(shard, DiscoverShard) or checkpoint is None or not checkpoint.done:
            continue
        queue.extend(DiscoverShard.from_dict(raw) for raw in checkpoint.split)
        media = media_of.get(checkpoint.dataset)
        if settings.details and media is not None:
            queue.extend(batches_from_discover(checkpoint, media))
    return expected
