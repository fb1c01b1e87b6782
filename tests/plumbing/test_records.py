"""Append-only records (plumbing/records.py): every model that is a record refuses edits and
deletes, one row or many, in its own words; only `expire()` removes rows."""

import pytest

from api_tokens.models import ApiTokenEvent
from cases.models import RoleChange, SecondFactorReset
from tests.factories import UserFactory


@pytest.fixture
def rows(db):
    person, admin = UserFactory(username="person"), UserFactory(username="admin")
    return [
        RoleChange.objects.create(user=person, role="legal", change="granted", actor=admin),
        SecondFactorReset.objects.create(user=person, actor=admin),
        ApiTokenEvent.objects.create(
            user=person, token_id=1, token_name="laptop", kind="created", actor=admin
        ),
    ]


def test_a_record_refuses_to_be_saved_again_or_deleted(rows):
    for row in rows:
        with pytest.raises(ValueError, match="record"):
            row.save()
        with pytest.raises(ValueError, match="never deleted"):
            row.delete()


def test_a_record_refuses_bulk_updates_and_deletes(rows):
    for row in rows:
        rows_of_model = type(row).objects.filter(pk=row.pk)
        with pytest.raises(ValueError, match="record"):
            rows_of_model.update(actor=None)
        with pytest.raises(ValueError, match="never deleted"):
            rows_of_model.delete()
        assert rows_of_model.exists()


def test_only_expire_removes_rows(rows):
    for row in rows:
        assert type(row).objects.filter(pk=row.pk).expire() == 1
        assert not type(row).objects.filter(pk=row.pk).exists()
