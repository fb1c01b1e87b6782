"""Reading cases: the queue, one case with everything on it, and its timeline.

Each runs a fixed number of queries however many cases, reports, notes and history rows there
are; tests assert the counts.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import Group
from django.db.models import Case as SqlCase
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from cases.access import downloadable_evidence, visible_cases, visible_notes
from cases.encounter_codes import has_code
from cases.models import Case, CaseNote
from cases.pagination import capped_counts
from cases.roles import ROLE_PRECEDENCE, Role
from cases.search import search
from intake.models import Encounter, Evidence, Report, ReportMessage
from plumbing.day_ranges import within_days
from plumbing.replica import lag_tolerant
from plumbing.typing import User

SORTS = {
    "newest": ["-opened_at", "-pk"],
    "oldest": ["opened_at", "pk"],
    "priority": ["-priority", "-opened_at", "-pk"],
    "updated": ["-updated_at", "-pk"],
    "due": ["due_date", "-priority", "-pk"],
}

# Cases still being worked on: every status but the two that end the work.
OPEN_STATUSES = tuple(
    status
    for status in Case.Status.values
    if status not in {Case.Status.RESOLVED, Case.Status.CLOSED}
)


@dataclass(frozen=True)
class QueueFilters:
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    city: str = ""
    occurred_from: date | None = None
    occurred_to: date | None = None
    # "mine", "unassigned", a user id as text, or "" for anyone.
    assignee: str = ""
    has_evidence: bool | None = None
    weapons_drawn: bool | None = None
    # Tag slugs; a case must have every one given.
    tags: tuple[str, ...] = ()
    text: str = ""
    # Only cases still being worked on (OPEN_STATUSES).
    open_only: bool = False
    # Only cases whose due date has passed (before today, in the site's time zone).
    overdue: bool = False
    sort: str = "newest"
    include_merged: bool = False


def _encounters_of_case() -> QuerySet[Encounter]:
    return Encounter.objects.filter(report__case=OuterRef("pk"))


def _filtered(user: User, filters: QueueFilters, *, with_status: bool) -> QuerySet[Case]:
    cases = visible_cases(user)
    if not filters.include_merged:
        cases = cases.filter(merged_into__isnull=True)
    if with_status and filters.statuses:
        cases = cases.filter(status__in=filters.statuses)
    if filters.open_only:
        cases = cases.filter(status__in=OPEN_STATUSES)
    if filters.overdue:
        cases = cases.filter(due_date__lt=timezone.localdate())
    if filters.priorities:
        cases = cases.filter(priority__in=filters.priorities)
    # Kinds and agencies are read off the case's stored codes (cases/encounter_codes.py).
    for code in filters.kinds:
        cases = cases.filter(has_code("kind_codes", code))
    if filters.agencies:
        any_agency = Q()
        for code in filters.agencies:
            any_agency |= has_code("agency_codes", code)
        cases = cases.filter(any_agency)
    if filters.city:
        cases = cases.filter(Exists(_encounters_of_case().filter(city__iexact=filters.city)))
    if filters.occurred_from or filters.occurred_to:
        encounters = _encounters_of_case().filter(
            within_days("occurred_at", filters.occurred_from, filters.occurred_to)
        )
        cases = cases.filter(Exists(encounters))
    if filters.assignee == "mine":
        cases = cases.filter(assignee_id=getattr(user, "pk", None))
    elif filters.assignee == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    if filters.has_evidence is not None:
        evidence = Exists(Evidence.objects.filter(report__case=OuterRef("pk")))
        cases = cases.filter(evidence if filters.has_evidence else ~evidence)
    if filters.weapons_drawn is not None:
        weapons = has_code("kind_codes", "weapons-drawn")
        cases = cases.filter(weapons if filters.weapons_drawn else ~weapons)
    for name in filters.tags:
        cases = cases.filter(
            Exists(Case.tags.through.objects.filter(case_id=OuterRef("pk"), tag__name=name))
        )
    return search(cases, filters.text)


def case_queue(*, user: User, filters: QueueFilters) -> QuerySet[Case]:
    """The cases `user` may see that match `filters`, sorted, with what a queue row shows
    (assignee, tags, and when and where each report's encounter happened) fetched in a fixed
    number of queries. Kinds and agencies come from the codes stored on the case
    (cases/encounter_codes.py: `kinds_of`, `agencies_of`)."""
    encounters = Encounter.objects.only(
        "pk", "report_id", "occurred_at", "occurred_at_is_approximate", "city"
    )
    reports = Report.objects.only("pk", "case_id", "submitted_at").prefetch_related(
        Prefetch("encounter", queryset=encounters)
    )
    return (
        _filtered(user, filters, with_status=True)
        .select_related("assignee")
        .prefetch_related(Prefetch("reports", queryset=reports), "tags")
        .defer("search_text")
        .order_by(*SORTS.get(filters.sort, SORTS["newest"]))
    )


def status_counts(
    *, user: User, filters: QueueFilters, cap: int | None = None
) -> dict[str, int]:
    """How many cases in each status match the other filters, counting at most `cap + 1` in
    each (default COUNT_CAP + 1; a count above the cap means "more than" it; see
    cases/pagination.py), in one query."""
    cases = _filtered(user, filters, with_status=False)
    # Counts a few seconds old are as good as exact here: the replica may answer them.
    with lag_tolerant():
        return capped_counts(
            {status: cases.filter(status=status) for status in Case.Status.values}, cap=cap
        )


@dataclass
class CaseDetail:
    case: Case
    reports: list[Report]
    notes: list[CaseNote]
    merged_cases: list[Case] = field(default_factory=list)


def case_detail(*, user: User, reference: str) -> Case | None:
    """The case with this reference if `user` may see it, else None (callers answer 404 for
    both, so existence never leaks). Merged cases are returned as they are; callers redirect
    to `merged_into`."""
    return (
        visible_cases(user)
        .select_related("assignee", "merged_into")
        .prefetch_related("tags")
        .annotate(assignee_role=_assignee_role())
        .filter(reference=reference)
        .first()
    )


def _assignee_role() -> Subquery:
    """The assignee's role as stored (cases/roles.py's value), read with the case: the page
    names it beside the assignee without reading their permissions, so an assigned case costs
    the same queries as an unassigned one. The most privileged role group, as `role_of`."""
    rank = SqlCase(
        *(When(name=role.value, then=Value(index)) for index, role in enumerate(ROLE_PRECEDENCE)),
        default=Value(len(ROLE_PRECEDENCE)),
    )
    return Subquery(
        Group.objects.filter(user=OuterRef("assignee_id"), name__in=[r.value for r in Role])
        .annotate(rank=rank).order_by("rank").values("name")[:1]
    )


def case_contents(*, user: User, case: Case) -> CaseDetail:
    """Everything shown on the case page, in a fixed number of queries."""
    reports = list(
        Report.objects.filter(case=case)
        .select_related("encounter", "submitted_by")
        .prefetch_related(
            "complainants",
            "witnesses",
            "evidence",
            "facts",
            "additions",
            Prefetch("messages", queryset=ReportMessage.objects.select_related("author")),
            "encounter__kinds",
            "encounter__agencies",
            "encounter__perceived_basis",
        )
        .order_by("submitted_at", "pk")
    )
    notes = list(visible_notes(user, case).select_related("author").order_by("created_at", "pk"))
    merged = list(Case.objects.filter(merged_into=case).only("pk", "reference", "title"))
    return CaseDetail(case=case, reports=reports, notes=notes, merged_cases=merged)


def report_of_case(*, case: Case, tracking_code: str) -> Report | None:
    """The report of `case` with this tracking code (a case the caller may see), or None."""
    return Report.objects.filter(case=case, tracking_code=tracking_code).first()


def evidence_for_download(*, user: User, evidence_id: int) -> Evidence | None:
    """The evidence if `user` may download its file, else None: callers answer 404 both for a
    file that does not exist and for one that is not theirs to have."""
    # The case comes along for the access log's row (its reference), in the same query.
    return (
        downloadable_evidence(user)
        .select_related("report__case")
        .filter(pk=evidence_id)
        .first()
    )


def cases_by_reference(*, user: User, references: list[str]) -> tuple[list[Case], list[str]]:
    """The cases `user` may see among `references` (in the order given, duplicates dropped),
    and the references that name no such case. A case the user may not see is reported as
    missing, exactly like one that does not exist."""
    wanted = list(dict.fromkeys(references))
    found = {c.reference: c for c in visible_cases(user).filter(reference__in=wanted)}
    return [found[r] for r in wanted if r in found], [r for r in wanted if r not in found]
