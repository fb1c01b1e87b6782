"""Case references, `RD-<year>-<number>`, and how their numbers are issued.

On PostgreSQL each year's numbers come from a database sequence of its own,
`cases_reference_<year>`. `nextval` locks no row and is never rolled back, so an intake that
draws a number does not make the next one wait for its commit. (The per-year counter row,
`CaseSequence`, that intake used to UPDATE was locked by each intake until it committed: at
16 concurrent intakes, 17 backends were queued on it and intake ran slower than with one
client.) The sequence of a year is made the first time a case is opened in it, starting after
every number that year already used (see `_create_sequence`); migration
`0011_case_reference_sequences` made them for the years in use when they were introduced.

Gaps. A number drawn by an intake that then fails (a database error, a worker killed before
commit) is not given back: the next case gets the next number and the failed one is never
used. PostgreSQL may also skip a few numbers after a crash. So references are unique and
increase in the order they were drawn, but are not gapless. A gap is not a deleted case: cases
are never deleted by the application, and every case that ever existed has a history row
(`history_type` "+") carrying its reference; a number with no history row was never a case.

On SQLite (the embedded default, one writer at a time anyway) the year's `CaseSequence` row is
still the counter, incremented inside the writing transaction, so there numbers are gapless.
On PostgreSQL that table is no longer written: it holds the counts it had when the sequences
were made from it.
"""

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import F

from cases.models import Case, CaseSequence
from plumbing.locks import REFERENCE_LOCK, take_advisory_lock


def format_reference(year: int, number: int) -> str:
    return f"RD-{year}-{number:06d}"


def sequence_name(year: int) -> str:
    """The PostgreSQL sequence behind a year's numbers; `year` is checked, since it becomes a
    name in SQL."""
    if not isinstance(year, int) or not 1 <= year <= 9999:
        raise ValueError(f"Not a year: {year!r}")
    return f"cases_reference_{year}"


def issue_numbers(*, year: int, count: int = 1) -> list[int]:
    """Draw `count` new case numbers of `year`, in increasing order (one statement on
    PostgreSQL once the year's sequence exists). Inside the caller's transaction: on SQLite the
    counter row moves with it; on PostgreSQL the numbers are spent whatever happens to it."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if connection.vendor != "postgresql":
        return _issue_from_table(year, count)
    name = sequence_name(year)
    draw = "SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1"
    with connection.cursor() as cursor:
        # No row when the year has no sequence yet: to_regclass answers NULL, never an error
        # that would abort the caller's transaction.
        cursor.execute(
            "SELECT nextval(s.seq) FROM (SELECT to_regclass(%s) AS seq) AS s, "
            "generate_series(1, %s) WHERE s.seq IS NOT NULL ORDER BY 1",
            [name, count],
        )
        numbers = [row[0] for row in cursor.fetchall()]
        if not numbers:
            _create_sequence(cursor, year)
            cursor.execute(draw, [name, count])
            numbers = [row[0] for row in cursor.fetchall()]
    return numbers


def next_reference(year: int) -> str:
    """A new, unused reference of `year`."""
    return format_reference(year, issue_numbers(year=year)[0])


def _issue_from_table(year: int, count: int) -> list[int]:
    CaseSequence.objects.get_or_create(year=year)
    CaseSequence.objects.filter(year=year).update(last_number=F("last_number") + count)
    last = CaseSequence.objects.get(year=year).last_number
    return list(range(last - count + 1, last + 1))


def _create_sequence(cursor: CursorWrapper, year: int) -> None:
    """Make the year's sequence, to continue after the highest number the year already used:
    its `CaseSequence` row (numbers issued before sequences, or on a database restored from
    one) and its highest reference (cases written by any other means).

    The advisory lock (`plumbing.locks.REFERENCE_LOCK`, with the year) is held to commit, so
    the first cases of a year take turns here, once; a concurrent first case waits, then finds
    the sequence made (IF NOT EXISTS) and already past the numbers used. Reading the highest
    reference scans the cases, once a year.
    """
    quote = connection.ops.quote_name
    name = quote(sequence_name(year))
    take_advisory_lock(REFERENCE_LOCK, year)
    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
    cursor.execute(
        f"SELECT GREATEST("  # noqa: S608 - table names from the models
        f"(SELECT last_number FROM {quote(CaseSequence._meta.db_table)} WHERE year = %s), "
        f"(SELECT max(substring(reference FROM '[0-9]+$')::bigint) "
        f"FROM {quote(Case._meta.db_table)} WHERE reference ~ %s))",
        [year, rf"^RD-{year}-[0-9]+$"],
    )
    used = cursor.fetchone()[0]
    if used:
        # setval(n) makes the next nextval n + 1; a sequence already past n stays where it is.
        cursor.execute(
            f"SELECT setval(%s::regclass, GREATEST(%s, CASE WHEN is_called THEN last_value "  # noqa: S608
            f"ELSE last_value - 1 END)) FROM {name}",
            [sequence_name(year), used],
        )
