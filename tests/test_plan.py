import itertools
from datetime import date

from tmdb_lake.plan import DiscoverShard, needs_split, plan_run, run_key, split_window
from tmdb_lake.settings import Settings, load_settings
from tmdb_lake.tmdb.queries import MediaType


def test_plan_has_one_shard_per_media_with_the_user_dates():
    s = load_settings({"limit": "100"}, {}, {})
    plan = plan_run(s)
    assert [sh.media for sh in plan.shards] == [MediaType.MOVIE, MediaType.TV]
    assert all(sh.limit == 100 and sh.released_until == date(2023, 12, 31) for sh in plan.shards)


def test_run_key_is_stable_and_parameter_sensitive():
    a = load_settings({"partition_date": "2024-01-02"}, {}, {})
    b = load_settings({"partition_date": "2024-01-02"}, {}, {})
    c = load_settings({"partition_date": "2024-01-02", "genres": "35"}, {}, {})
    d = load_settings({"partition_date": "2024-01-03"}, {}, {})
    assert run_key(a) == run_key(b)
    assert len({run_key(a), run_key(c), run_key(d)}) == 3
    assert run_key(a).startswith("20240102-discover-")


def test_shard_round_trips_and_ids_are_safe():
    shard = DiscoverShard(MediaType.TV, date(2000, 1, 1), None, None)
    assert DiscoverShard.from_dict(shard.to_dict()) == shard
    assert shard.shard_id == "tv-20000101-end"


def test_split_covers_the_window_without_gaps_or_overlap():
    shard = DiscoverShard(MediaType.MOVIE, None, date(2023, 12, 31))
    assert needs_split(shard, 25_000)
    assert not needs_split(shard, 10_000)
    assert not needs_split(DiscoverShard(MediaType.MOVIE, None, None, limit=5), 50_000)
    windows = split_window(shard, 25_000, date(2024, 1, 1))
    assert len(windows) >= 4
    assert windows[0].released_from == date(1870, 1, 1)
    assert windows[-1].released_until == date(2023, 12, 31)
    for left, right in itertools.pairwise(windows):
        assert (right.released_from - left.released_until).days == 1


def test_single_day_window_cannot_split():
    shard = DiscoverShard(MediaType.MOVIE, date(2020, 1, 1), date(2020, 1, 1))
    assert split_window(shard, 50_000, date(2024, 1, 1)) == []


def test_two_day_window_splits_in_two():
    shard = DiscoverShard(MediaType.MOVIE, date(2020, 1, 1), date(2020, 1, 2))
    windows = split_window(shard, 50_000, date(2024, 1, 1))
    assert [(w.released_from, w.released_until) for w in windows] == [
        (date(2020, 1, 1), date(2020, 1, 1)),
        (date(2020, 1, 2), date(2020, 1, 2)),
    ]


def test_default_settings_plan():
    assert len(plan_run(Settings()).shards) == 2
