"""Filtering by days: "from" and "to" dates a person picks, as a range of instants.

The rule, wherever a page or an API filters by dates:

- a date is a day of the site's time zone (settings.TIME_ZONE), whatever zone the server or
  the database runs in;
- "from" includes its whole day: instants at or after that day's 00:00;
- "to" includes its whole day up to its end: instants before the next day's 00:00.

The bounds are 00:00 of each day in the site's zone, so a day that is 23 or 25 hours long
(a change to or from daylight saving time) is covered exactly, and nothing in the last
moments of a day is left out.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in the site's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def within_days(field: str, first: date | None, last: date | None) -> Q:
    """A filter keeping rows whose `field` (a datetime, or a lookup path to one) falls on
    `first` or later and on `last` or earlier; either may be None for no bound."""
    condition = Q()
    if first is not None:
        condition &= Q(**{f"{field}__gte": start_of_day(first)})
    if last is not None:
        condition &= Q(**{f"{field}__lt": start_of_day(last + timedelta(days=1))})
    return condition
