"""The read-replica router's choices (plumbing/replica.py)."""

import pytest
from django import db
from django.db import transaction

from cases.models import Case
from cases.selectors import QueueFilters, status_counts
from plumbing.replica import REPLICA, ReplicaRouter, lag_tolerant
from reports.statistics.figures import compute_figures
from reports.statistics.filters import StatisticsFilters

router = ReplicaRouter()

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, REPLICA: dict(settings.DATABASES["default"])}


def test_reads_go_to_the_primary_unless_lag_is_tolerated(with_replica):
    assert router.db_for_read(Case) is None
    with lag_tolerant():
        assert router.db_for_read(Case) == REPLICA
    assert router.db_for_read(Case) is None


def test_without_a_replica_lag_tolerant_reads_stay_on_the_primary(settings):
    assert REPLICA not in settings.DATABASES
    with lag_tolerant():
        assert router.db_for_read(Case) is None


@pytest.mark.django_db
def test_a_lag_tolerant_read_inside_a_transaction_reads_the_primary(with_replica):
    with transaction.atomic(), lag_tolerant():
        assert router.db_for_read(Case) is None


def test_writes_always_go_to_the_primary(with_replica):
    with lag_tolerant():
        assert router.db_for_write(Case) == "default"


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate("default", "cases") is True


# Outside any transaction, as in a request: a test transaction would keep every read on the
# primary.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queue_counts_and_statistics_tolerate_lag_and_the_case_queue_does_not(
    with_replica, legal, monkeypatch
):
    asked: list[tuple[str, bool]] = []
    real = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        choice = real(self, model, **hints)
        asked.append((model._meta.label, choice == REPLICA))
        return None  # the test database has no replica: answer from the primary

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    monkeypatch.setattr(db.router, "routers", [ReplicaRouter()])
    status_counts(user=legal, filters=QueueFilters())
    # The user's role is read from the primary first; the counts come from the replica.
    assert ("cases.Case", True) in asked
    assert ("cases.Case", False) not in asked
    asked.clear()
    compute_figures(filters=StatisticsFilters())
    assert asked and all(on_replica for _model, on_replica in asked)
    asked.clear()
    list(Case.objects.all())
    assert asked == [("cases.Case", False)]
