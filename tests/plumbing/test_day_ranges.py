"""The one rule of date filters (plumbing/day_ranges.py): dates are days of the site's time
zone (America/Chicago here), "from" starts at that day's 00:00 and "to" runs up to, not
including, the next day's 00:00. Checked on the access log's `at` column, a plain datetime."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from accesslog.models import AccessKind, AccessLogEntry
from plumbing.day_ranges import start_of_day, within_days

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 becomes 03:00: a day of 23 hours
FALL_BACK = date(2026, 11, 1)  # 02:00 becomes 01:00 again: a day of 25 hours


def _at(*instants: datetime) -> list[AccessLogEntry]:
    return [AccessLogEntry.objects.create(kind=AccessKind.CASE, at=at) for at in instants]


def _kept(first: date | None, last: date | None) -> set[datetime]:
    rows = AccessLogEntry.objects.filter(within_days("at", first, last))
    return {row.at.astimezone(UTC) for row in rows}


def _in_utc(*instants: datetime) -> set[datetime]:
    # Compared in UTC: the two 01:30 of the day the clocks go back differ only by `fold`.
    return {instant.astimezone(UTC) for instant in instants}


def test_a_day_starts_at_midnight_in_the_sites_zone():
    assert start_of_day(date(2026, 1, 15)) == datetime(2026, 1, 15, 6, tzinfo=UTC)
    assert start_of_day(date(2026, 7, 15)) == datetime(2026, 7, 15, 5, tzinfo=UTC)


def test_the_days_around_a_change_of_clocks_are_23_and_25_hours_long():
    def length(day: date) -> timedelta:
        # In UTC: Python subtracts two times of one zone by their wall clocks.
        end = start_of_day(day + timedelta(days=1))
        return end.astimezone(UTC) - start_of_day(day).astimezone(UTC)

    spring, fall = length(SPRING_FORWARD), length(FALL_BACK)
    assert spring == timedelta(hours=23)
    assert fall == timedelta(hours=25)


@override_settings(TIME_ZONE="UTC")
def test_the_bounds_follow_the_site_zone_setting():
    assert start_of_day(date(2026, 1, 15)) == datetime(2026, 1, 15, tzinfo=UTC)


@pytest.mark.django_db
def test_to_includes_the_last_moment_of_its_day_and_nothing_of_the_next():
    last_moment = datetime(2026, 5, 4, 23, 59, 59, 999999, tzinfo=CHICAGO)
    next_midnight = datetime(2026, 5, 5, 0, 0, tzinfo=CHICAGO)
    _at(last_moment, next_midnight)
    assert _kept(None, date(2026, 5, 4)) == _in_utc(last_moment)
    assert _kept(date(2026, 5, 5), None) == _in_utc(next_midnight)


@pytest.mark.django_db
def test_from_includes_its_midnight_and_nothing_of_the_day_before():
    midnight = datetime(2026, 5, 4, 0, 0, tzinfo=CHICAGO)
    before = midnight - timedelta(microseconds=1)
    _at(before, midnight)
    assert _kept(date(2026, 5, 4), date(2026, 5, 4)) == _in_utc(midnight)


@pytest.mark.django_db
def test_a_day_with_the_clocks_going_forward_covers_its_23_hours():
    day = SPRING_FORWARD
    start = datetime(2026, 3, 8, 0, 0, tzinfo=CHICAGO)
    after_change = datetime(2026, 3, 8, 3, 30, tzinfo=CHICAGO)
    last = datetime(2026, 3, 8, 23, 59, 59, tzinfo=CHICAGO)
    # 23:30 on the evening before, in UTC already the 8th: not the 8th in Chicago.
    evening_before = datetime(2026, 3, 7, 23, 30, tzinfo=CHICAGO)
    next_day = datetime(2026, 3, 9, 0, 0, tzinfo=CHICAGO)
    _at(evening_before, start, after_change, last, next_day)
    assert _kept(day, day) == _in_utc(start, after_change, last)


@pytest.mark.django_db
def test_a_day_with_the_clocks_going_back_covers_its_25_hours():
    day = FALL_BACK
    first_one_thirty = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)  # daylight time
    second_one_thirty = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=CHICAGO)  # standard time
    last = datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=CHICAGO)
    next_day = datetime(2026, 11, 2, 0, 30, tzinfo=CHICAGO)
    _at(first_one_thirty, second_one_thirty, last, next_day)
    assert second_one_thirty.astimezone(UTC) - first_one_thirty.astimezone(UTC) == timedelta(
        hours=1
    )
    assert _kept(day, day) == _in_utc(first_one_thirty, second_one_thirty, last)
    assert _kept(date(2026, 11, 2), date(2026, 11, 2)) == _in_utc(next_day)


@pytest.mark.django_db
def test_no_bounds_keep_everything():
    rows = _at(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    assert _kept(None, None) == {row.at.astimezone(UTC) for row in rows}
