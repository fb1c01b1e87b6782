"""The retention schedule: how long a closed case is kept, and which cases are due to go.

A closed case is kept `RETENTION_DAYS[close_reason]` days after it closed (its
`status_changed_at`), then the daily purge (reports/retention.py) destroys it. Cases that are
not closed have no purge date; a case under a legal hold (cases/legal_holds.py) keeps its date
but is never purged while the hold is in force. Reopening a case takes its date away, and
closing it again starts the count anew.

A case merged into another holds no reports (they moved to the survivor) and goes with the
case it was merged into, on that case's date: merged cases are never due by themselves, and a
hold on one of them holds the survivor too. `duplicate` therefore applies to duplicates closed
without a merge, which keep their own reports.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, When
from django.utils import timezone

from cases.models import Case, LegalHold


def retention_days(close_reason: str) -> int:
    """Days a case closed for `close_reason` is kept after it closed."""
    return int(settings.RETENTION_DAYS[close_reason])


def purge_date(case: Case) -> datetime | None:
    """When `case` is due to be purged; None for a case that is not closed, or that was merged
    into another (it goes with that one)."""
    if case.status != Case.Status.CLOSED or case.merged_into_id is not None:
        return None
    return case.status_changed_at + timedelta(days=retention_days(case.close_reason))


def _closed_before(moment: datetime) -> Q:
    """Closed cases whose purge date is at or before `moment`."""
    due = Q(pk__in=[])
    for reason in Case.CloseReason:
        due |= Q(
            close_reason=reason,
            status_changed_at__lte=moment - timedelta(days=retention_days(reason)),
        )
    return Q(status=Case.Status.CLOSED, merged_into__isnull=True) & due


def held() -> Exists:
    """Whether a hold is in force on the case or on a case merged into it (an annotation)."""
    in_force = LegalHold.objects.filter(lifted_at__isnull=True)
    return Exists(in_force.filter(case=OuterRef("pk"))) | Exists(  # type: ignore[return-value]
        in_force.filter(case__merged_into=OuterRef("pk"))
    )


def due_for_purge(*, at: datetime | None = None) -> QuerySet[Case]:
    """Cases past their purge date at `at` (now) and under no hold: what the purge destroys."""
    moment = at or timezone.now()
    return Case.objects.filter(_closed_before(moment)).exclude(held()).order_by("pk")


@dataclass(frozen=True)
class UpcomingPurge:
    case: Case
    purge_date: datetime


# The most the upcoming purges page lists: the soonest ones. Past the first days of a new
# schedule the purge takes what is due every day, and a month ahead holds far fewer.
UPCOMING_LIMIT = 500


def _purge_at() -> SqlCase:
    """A case's purge date, in SQL (closed cases only)."""
    return SqlCase(
        *(
            When(close_reason=reason,
                 then=F("status_changed_at") + timedelta(days=retention_days(reason)))
            for reason in Case.CloseReason
        ),
        output_field=DateTimeField(),
    )


def upcoming_purges(
    *, days: int | None = None, at: datetime | None = None, limit: int | None = None
) -> list[UpcomingPurge]:
    """Cases the purge will destroy within `days` (RETENTION_UPCOMING_DAYS) from `at` (now),
    soonest first, at most `limit` (UPCOMING_LIMIT), in one query: those already due, which
    the next daily run takes, and those whose date falls in the window. Held cases are left
    out: they will not be purged."""
    moment = at or timezone.now()
    horizon = moment + timedelta(days=settings.RETENTION_UPCOMING_DAYS if days is None else days)
    cases = (
        due_for_purge(at=horizon)
        .only("reference", "status", "close_reason", "status_changed_at", "merged_into")
        .annotate(purge_at=_purge_at())
        .order_by("purge_at", "reference")[: limit or UPCOMING_LIMIT]
    )
    rows = []
    for case in cases:
        date = purge_date(case)
        assert date is not None  # noqa: S101 - due_for_purge keeps closed, unmerged cases
        rows.append(UpcomingPurge(case=case, purge_date=date))
    return rows


def is_held(case: Case) -> bool:
    """Whether `case` is under a legal hold in force (its own, or one on a case merged into
    it, or the hold of the case it was merged into)."""
    family = Q(case=case) | Q(case__merged_into=case)
    if case.merged_into_id is not None:
        family |= Q(case_id=case.merged_into_id) | Q(case__merged_into_id=case.merged_into_id)
    return LegalHold.objects.filter(family, lifted_at__isnull=True).exists()
