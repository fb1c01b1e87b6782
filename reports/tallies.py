"""Running counts behind the unfiltered statistics, kept current as reports and cases change.

Counting a million reports by month, place, kind, agency and basis, and a million cases by
status and priority, reads every row each time (about two seconds at that size; see
docs/performance.md). The statistics for the whole database are asked for far more often than
any one filter, so the writes that change a figure also move a `StatisticsTally` row, in the
same transaction. Intake and cases do not know of the tallies: they publish domain events
(plumbing/events.py; a report filed, a case opened, changed status or priority, or merged
away) and `count_events`, subscribed when the app is ready, moves the tallies by them.
Reading the figures is then one query of a few hundred rows (`read_tallies`).

Each write is one `INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count` for
all the rows it moves. A transaction may move tallies more than once (a merge moves each
duplicate, then the survivor's priority), and two such transactions could each hold a tally
row the other wants next; so on PostgreSQL every writer first takes one transaction-scoped
advisory lock (`plumbing.locks.TALLY_LOCK`), after the write's own row locks, and tally
writers take turns from there to their commit. That is deadlock-free as long as no writer, once
it holds the turn, waits for a row lock that a writer waiting for the turn holds: every writer
locks the rows it changes (several at once in id order: `plumbing.locks.lock_in_id_order`)
before its first tally write, and rows it creates are seen by nobody else.

Turns serialise whatever a writer does between taking the turn and committing, so the busiest
writer, intake, takes it as late as it can: `submit_report` runs inside `events.batched()`,
which hands `count_events` every event of the block when it ends, and their moves are summed
into one statement, the last of the transaction. Intake holds the turn only from that statement
to its commit, and all its row locks (the case a staff report is added to, its own new rows)
come before it.

The tallies are derived data: `rebuild_tallies` recounts them from the tables (after bulk
loads, which bypass the services, and nightly, to repair any drift), with the table locked so
no increment is lost or counted twice. Cases the retention schedule purged are no longer in the
tables: the purge keeps what they counted for in `PurgedTally` (`keep_purged_counts`), and the
recount adds it back.
"""

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.utils import timezone

from cases.events import CaseKey, CaseMoved, CasesLoadedInBulk
from cases.models import Case
from intake.events import ReportFiled
from intake.models import Encounter, Report
from plumbing.events import Event
from plumbing.locks import TALLY_LOCK, take_advisory_lock
from reports.models import PurgedTally, StatisticsTally

Figure = StatisticsTally.Figure
TallyKey = tuple[str, str, str]  # (figure, month, key)

REFERENCE_FIGURES: dict[str, str] = {
    # the encounter's many-to-many field behind each figure counted per reference row
    "kinds": Figure.KIND,
    "agencies": Figure.AGENCY,
    "perceived_basis": Figure.BASIS,
}


def month_of(occurred_at: datetime | None) -> str:
    """YYYY-MM of an encounter in the metro area's time, "" when the date is not known."""
    if occurred_at is None:
        return ""
    return f"{timezone.localtime(occurred_at, timezone.get_default_timezone()):%Y-%m}"


def place_of(city: str | None) -> str:
    """A city as typed, without the spaces around it (as SQL's TRIM), "" when not known."""
    return (city or "").strip(" ")


def count_events(events: Sequence[Event]) -> None:
    """Move the tallies by a batch of domain events (subscribed in ReportsConfig.ready):
    every move of the batch summed into one statement. A report filed counts its encounter's
    month and place, and each of its kinds, agencies and perceived bases (codes); a case moved
    leaves its old (status, priority) and joins its new one; rows loaded in bulk are recounted
    from the tables."""
    deltas: Counter[TallyKey] = Counter()
    for event in events:
        if isinstance(event, ReportFiled):
            deltas[(Figure.PLACE, month_of(event.occurred_at), place_of(event.city))] += 1
            for figure, codes in (
                (Figure.KIND, event.kinds),
                (Figure.AGENCY, event.agencies),
                (Figure.BASIS, event.bases),
            ):
                for code in set(codes):
                    deltas[(figure, "", code)] += 1
        elif isinstance(event, CaseMoved) and event.before != event.after:
            if event.before is not None:
                deltas[(Figure.CASE, "", case_key(*event.before))] -= 1
            if event.after is not None:
                deltas[(Figure.CASE, "", case_key(*event.after))] += 1
    if any(isinstance(event, CasesLoadedInBulk) for event in events):
        rebuild_tallies()
    else:
        _write(deltas)


def case_key(status: str, priority: int) -> str:
    return f"{status}:{int(priority)}"


def _write(deltas: Counter[TallyKey]) -> None:
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    # Held to the end of the transaction; taking it again in it is free.
    take_advisory_lock(TALLY_LOCK)
    _add_counts(StatisticsTally, rows)


def _add_counts(
    model: type[StatisticsTally] | type[PurgedTally], rows: list[tuple[TallyKey, int]]
) -> None:
    """Add each row's count to `model`'s row of the same (figure, month, key), making the rows
    that are missing, in one statement: the same on PostgreSQL and SQLite (3.24 and later),
    where only the placeholders vary."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    figure, month, key, count = (quote(name) for name in ("figure", "month", "key", "count"))
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = [value for (f, m, k), n in rows for value in (str(f), m, k, n)]
    sql = (
        f"INSERT INTO {table} ({figure}, {month}, {key}, {count}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({figure}, {month}, {key}) "
        f"DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tallies:
    """The counts as read: reports by (month, place), reports per reference code for each
    figure, cases by (status, priority)."""

    places: dict[tuple[str, str], int]
    references: dict[str, dict[str, int]]
    cases: dict[CaseKey, int]


def read_tallies() -> Tallies:
    """Every non-zero tally, in one query."""
    places: dict[tuple[str, str], int] = {}
    references: dict[str, dict[str, int]] = {figure: {} for figure in REFERENCE_FIGURES.values()}
    cases: dict[CaseKey, int] = {}
    rows = StatisticsTally.objects.exclude(count=0).values_list("figure", "month", "key", "count")
    for figure, month, key, n in rows:
        if figure == Figure.PLACE:
            places[(month, key)] = n
        elif figure == Figure.CASE:
            status, _, priority = key.partition(":")
            cases[(status, int(priority))] = n
        else:
            references[figure][key] = n
    return Tallies(places=places, references=references, cases=cases)


# --- Recounting --------------------------------------------------------------------------------


def recount(
    *, case_ids: Collection[int] | None = None, purged: bool = True
) -> Counter[TallyKey]:
    """Every tally counted afresh from the tables: a pass over encounters, the three link
    tables and cases, plus (`purged`) the tallies of the cases the retention schedule purged
    (`PurgedTally`), which are no longer in the tables. With `case_ids`, only what those cases
    and their reports count for (what a purge keeps of them)."""
    zone = timezone.get_default_timezone()
    counts: Counter[TallyKey] = Counter()
    with_encounter = 0
    encounters = Encounter.objects.order_by()
    reports = Report.objects.all()
    if case_ids is not None:
        encounters = encounters.filter(report__case_id__in=case_ids)
        reports = reports.filter(case_id__in=case_ids)
    rows = (
        encounters
        .values(place=Trim(Coalesce("city", Value(""))),
                month=TruncMonth("occurred_at", tzinfo=zone))
        .annotate(n=Count("pk"))
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month, zone) if timezone.is_aware(month) else month
        counts[(Figure.PLACE, f"{month:%Y-%m}" if month else "", row["place"])] += row["n"]
        with_encounter += row["n"]
    # A report without an encounter counts in the total, under "not known".
    without = reports.count() - with_encounter
    if without:
        counts[(Figure.PLACE, "", "")] += without

    for relation, figure in REFERENCE_FIGURES.items():
        field = Encounter._meta.get_field(relation)
        source = field.m2m_field_name()  # type: ignore[union-attr]
        target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
        links = field.remote_field.through.objects.order_by()  # type: ignore[union-attr]
        if case_ids is not None:
            links = links.filter(**{f"{source}__report__case_id__in": case_ids})
        for row in links.values(code=F(f"{target}__code")).annotate(n=Count("pk")):
            counts[(figure, "", row["code"])] += row["n"]

    has_report = Exists(Report.objects.filter(case=OuterRef("pk")))
    cases = Case.objects.filter(has_report, merged_into__isnull=True).order_by()
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    for status, priority, n in cases.values_list("status", "priority").annotate(n=Count("pk")):
        counts[(Figure.CASE, "", case_key(status, priority))] += n

    if purged and case_ids is None:
        kept = PurgedTally.objects.values_list("figure", "month", "key", "count")
        for figure, month, key, n in kept:
            counts[(figure, month, key)] += n
    return counts


def keep_purged_counts(*, case_ids: Collection[int]) -> None:
    """Keep what `case_ids` count for in the statistics before the retention schedule deletes
    them (reports/retention.py), in `PurgedTally`, which `recount` adds back.

    The running tallies do not move: a purged case still counts there. Call it in the purge's
    transaction, with the cases locked, before their rows go. On PostgreSQL it first takes the
    tally table in ROW EXCLUSIVE mode, so a `rebuild_tallies` (EXCLUSIVE) either finished
    before, or starts after this transaction commits, and never counts the cases twice or not
    at all.
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(StatisticsTally._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
    counts = recount(case_ids=case_ids)
    rows = sorted((key, n) for key, n in counts.items() if n)
    if not rows:
        return
    _add_counts(PurgedTally, rows)


def rebuild_tallies(*, purged: bool = True) -> int:
    """Replace every tally with a fresh recount; returns how many rows changed. `purged=False`
    leaves out the kept counts of purged cases: only for the migration that started the
    tallies, which runs before their table exists (and before anything was purged).

    The table is locked first (on PostgreSQL; SQLite has one writer anyway): a write already
    holding a tally row finishes before the recount starts, so its report is in the recount;
    a write that comes to its tallies later waits for this one, and adds to the new counts.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(StatisticsTally._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        fresh = recount(purged=purged)
        stored = {
            (figure, month, key): n
            for figure, month, key, n in StatisticsTally.objects.values_list(
                "figure", "month", "key", "count"
            )
        }
        changed = {key for key in fresh.keys() | stored.keys()
                   if fresh.get(key, 0) != stored.get(key, 0)}
        if changed:
            StatisticsTally.objects.all().delete()
            StatisticsTally.objects.bulk_create(
                [StatisticsTally(figure=figure, month=month, key=key, count=n)
                 for (figure, month, key), n in sorted(fresh.items()) if n],
                batch_size=1000,
            )
        return len(changed)
