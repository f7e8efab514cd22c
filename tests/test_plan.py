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


# -- extreme dates (issue 10 G): no date arithmetic may overflow --------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tmdb_lake.plan import EARLIEST_RELEASE, MAX_SPLIT, years_after  # noqa: E402

any_date = st.dates(min_value=date.min, max_value=date.max)
edge_dates = st.sampled_from(
    [date.min, date(1, 1, 2), date(2024, 2, 29), date(9989, 12, 31), date(9999, 12, 30), date.max]
)


@settings(max_examples=500, deadline=None)
@given(
    released_from=st.none() | any_date | edge_dates,
    released_until=st.none() | any_date | edge_dates,
    partition_date=any_date | edge_dates,
    total_results=st.integers(min_value=10_001, max_value=10**8),
)
def test_split_window_covers_any_window_without_overflow(
    released_from, released_until, partition_date, total_results
):
    shard = DiscoverShard(MediaType.MOVIE, released_from, released_until)
    windows = split_window(shard, total_results, partition_date)
    start = released_from or EARLIEST_RELEASE
    end = released_until or years_after(partition_date, 10)
    if (end - start).days < 1:
        assert windows == []
        return
    assert 2 <= len(windows) <= MAX_SPLIT
    assert windows[0].released_from == start and windows[-1].released_until == end
    for left, right in itertools.pairwise(windows):
        assert left.released_from <= left.released_until
        assert (right.released_from - left.released_until).days == 1
    assert len({w.shard_id for w in windows}) == len(windows)


def test_the_default_upper_bound_never_passes_the_calendar():
    assert years_after(date(9999, 12, 31), 10) == date.max  # was: ValueError: year 10009
    assert years_after(date(9990, 6, 1), 10) == date.max
    assert years_after(date(9989, 6, 1), 10) == date(9999, 6, 1)
    assert years_after(date(2024, 2, 29), 10) == date(2034, 2, 28)  # was: ValueError too
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)
    shard = DiscoverShard(MediaType.MOVIE, None, None)
    assert split_window(shard, 50_000, date(9999, 12, 31))[-1].released_until == date.max
