"""The seed cases as a police liaison reads them: the woman who was killed stays private, the
officials quoted at news conferences are public record everywhere."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds(db):
    call_command("load_seed_cases")


def _reads(user, case: Case) -> tuple[str, str, str]:
    client = APIClient()
    client.force_login(user)
    return (
        client.get(f"/staff/cases/{case.reference}/").content.decode(),
        client.get(f"/api/v1/cases/{case.reference}/").content.decode(),
        client.get("/api/v1/cases/", {"q": "Good"}).content.decode(),
    )


def test_liaison_reads_the_shooting_without_the_name_of_the_woman_killed(seeds, liaison, legal):
    case = Case.objects.get(reports__external_id="seed:renee-good-fatal-shooting:001")
    page, detail, search = _reads(liaison, case)
    for text in (page, detail):
        assert "Renee" not in text and "Good died" not in text
        assert "[withheld] died." in text
    assert case.reference not in search
    page, detail, _search = _reads(legal, case)
    assert "Renee Good died." in page and "Renee Good died." in detail


def test_liaison_reads_the_chief_consistently_in_narrative_facts_and_conflicts(seeds, liaison):
    case = Case.objects.get(reports__external_id="seed:off-duty-officer-boxed-in:000")
    page, detail, _search = _reads(liaison, case)
    assert "Brooklyn Park Police Chief Mark Bruley said" in page
    assert 'id="conflicts"' in page and "Mark Rooley" in page
    assert '"value":"Mark Bruley"' in detail and '"name":"Mark Bruley"' in detail
    # The officer herself is a private person.
    assert "police officer (off duty)" not in page
