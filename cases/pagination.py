"""Counting the queue without counting a million cases.

An exact COUNT(*) of a filtered queue reads every matching case (with an agency filter, every
case's reports, encounters and agencies too): about two seconds at a million cases, on every
page load. Nobody reads a queue past its first few pages, and "more than 1,000" is as useful
as "312,716". So the queue counts at most `COUNT_CAP` cases, plus one to know whether there
are more, with a LIMITed subquery:

    SELECT COUNT(*) FROM (SELECT ... WHERE <filters> LIMIT 1001) subquery

which stops as soon as it has found 1,001 matches. The same cap applies to the counts per
status (`capped_counts`, one query for all of them). The staff queue page and the case API
both count this way.
"""

from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap` (or, on a page past it, at that page's end).

    `count` includes one row past the cap when there are more, so the last full page still
    has a next page; `count_capped` says so, and `shown_count` is the figure to show ("more
    than `shown_count`" when capped, exact otherwise).
    """

    def __init__(self, object_list: Any, per_page: int, *args: Any, cap: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self._wanted_page = 1

    def validate_number(self, number: Any) -> int:
        # Remember the page asked for before `count` is first read: a page past the cap is
        # counted far enough to exist.
        if "count" not in self.__dict__:
            try:
                self._wanted_page = max(1, int(number))
            except (TypeError, ValueError):
                self._wanted_page = 1
        return super().validate_number(number)

    @property
    def limit(self) -> int:
        return max(self.cap, self._wanted_page * int(self.per_page)) + 1

    @cached_property
    def count(self) -> int:
        limit = self.limit
        objects = self.object_list
        if isinstance(objects, QuerySet):
            # Unordered: the order decides which rows a LIMIT keeps, never how many.
            found = objects.order_by()[:limit].count()
        else:
            found = min(len(objects), limit)
        self.count_capped = found >= limit
        return found

    @property
    def shown_count(self) -> int:
        count = self.count
        return count - 1 if self.count_capped else count


def capped_counts(
    querysets: Mapping[str, QuerySet], *, cap: int | None = None
) -> dict[str, int]:
    """How many rows each queryset has, counting at most `cap + 1` (default COUNT_CAP + 1)
    of each, in one query. A result above `cap` means "more than `cap`"."""
    if not querysets:
        return {}
    cap = COUNT_CAP if cap is None else cap
    using = next(iter(querysets.values())).db
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        sql, query_params = (
            queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        )
        # SQL Django compiled, with its values kept apart as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(query_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, (int(value) for value in row), strict=True))
