"""The project's locks (plumbing/locks.py): advisory locks held to the transaction's end on
PostgreSQL and nothing on SQLite; several rows locked in one statement, in id order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from plumbing.locks import REFERENCE_LOCK, TALLY_LOCK, lock_in_id_order, take_advisory_lock

pytestmark = pytest.mark.django_db


def test_each_key_fits_its_key_space_and_no_two_are_the_same():
    # A two-number key is two 32-bit integers; a one-number key a 64-bit one.
    assert 0 < REFERENCE_LOCK < 2**31
    assert 0 < TALLY_LOCK < 2**63
    assert REFERENCE_LOCK != TALLY_LOCK


def test_an_advisory_lock_is_held_by_the_transaction_on_postgresql(postgres):
    take_advisory_lock(TALLY_LOCK)
    take_advisory_lock(REFERENCE_LOCK, 2031)
    take_advisory_lock(TALLY_LOCK)  # again, in the same transaction: nothing more is held
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid::bigint, objid::bigint, objsubid FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
            "ORDER BY objsubid"
        )
        held = cursor.fetchall()
    # pg_locks shows a one-number key as its high and low halves (objsubid 1), a two-number
    # key as its two numbers (objsubid 2).
    assert held == [(TALLY_LOCK >> 32, TALLY_LOCK & 0xFFFF_FFFF, 1), (REFERENCE_LOCK, 2031, 2)]


def test_an_advisory_lock_is_nothing_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with CaptureQueriesContext(connection) as queries:
        take_advisory_lock(TALLY_LOCK)
        take_advisory_lock(REFERENCE_LOCK, 2031)
    assert queries.captured_queries == []


def test_rows_are_locked_in_one_statement_in_id_order():
    first, second, third = (
        Case.objects.create(reference=f"RD-2031-00000{n}", title="Locked") for n in (1, 2, 3)
    )
    with CaptureQueriesContext(connection) as queries:
        locked = lock_in_id_order(Case.objects.only("pk"), ids=[third.pk, first.pk, third.pk])
    assert [case.pk for case in locked] == [first.pk, third.pk]
    [statement] = [query["sql"] for query in queries.captured_queries]
    assert f"IN ({first.pk}, {third.pk}) ORDER BY" in statement
    if connection.vendor == "postgresql":
        assert statement.rstrip().endswith("FOR UPDATE")
    assert [case.pk for case in lock_in_id_order(Case.objects.exclude(pk=second.pk))] == [
        first.pk,
        third.pk,
    ]
