"""Id planners' date arithmetic holds at the ends of the calendar (issue 10 G)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tmdb_lake.collect.ids import CHANGES_WINDOW_DAYS, change_windows, export_days

any_date = st.dates(min_value=date.min, max_value=date.max)
edges = st.sampled_from([date.min, date(1, 1, 2), date(9999, 12, 18), date(9999, 12, 30), date.max])


@settings(max_examples=500, deadline=None)
@given(
    end=any_date | edges, span=st.integers(min_value=-30, max_value=3 * 366), at_end=st.booleans()
)
def test_change_windows_cover_any_range_in_14_day_windows(end: date, span: int, at_end: bool):
    # A range of up to three years, anywhere, often ending on the calendar's last day.
    until = date.max if at_end else end
    since = date.fromordinal(min(max(until.toordinal() - span, 1), date.max.toordinal()))
    windows = change_windows(since, until)
    if since > until:
        assert windows == []
        return
    assert windows[0][0] == since and windows[-1][1] == until
    for start, end in windows:
        assert start <= end and (end - start).days < CHANGES_WINDOW_DAYS
    for (_, left_end), (right_start, _) in itertools.pairwise(windows):
        assert (right_start - left_end).days == 1


def test_change_windows_up_to_the_last_day():
    assert change_windows(date(9999, 12, 20), date.max) == [(date(9999, 12, 20), date.max)]
    windows = change_windows(date(9999, 11, 1), date.max)  # was: OverflowError
    assert windows[-1][1] == date.max and len(windows) == 5


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime.min,
        max_value=datetime.max,
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]
        ),
    )
)
def test_export_days_at_any_moment(now: datetime):
    days = export_days(now)
    assert 1 <= len(days) <= 2 and days == sorted(days, reverse=True)
    if len(days) == 2:
        assert (days[0] - days[1]).days == 1


def test_export_days_before_and_after_publication():
    assert export_days(datetime(2024, 5, 1, 7, 59, tzinfo=UTC)) == [
        date(2024, 4, 30),
        date(2024, 4, 29),
    ]
    assert export_days(datetime(2024, 5, 1, 8, 0, tzinfo=UTC)) == [
        date(2024, 5, 1),
        date(2024, 4, 30),
    ]
    assert export_days(datetime(1, 1, 1, 3, tzinfo=UTC)) == [date.min]
