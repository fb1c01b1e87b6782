"""The Django admin: legal staff read cases with their history; liaisons never get in; the
administrator manages reference data but sees no case data; nobody edits filed data there."""

import pytest
from django.core.management import call_command

from cases.models import Case
from intake.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("load_seed_cases")
    return Case.objects.get(title__startswith="Off-duty")


def test_legal_staff_read_seed_cases_sources_and_history(client, legal, seeded):
    client.force_login(legal)
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    assert seeded.reference in listing.content.decode()
    page = client.get(f"/admin/cases/case/{seeded.pk}/change/").content.decode()
    assert "Mark Rooley" in page
    assert "January 21, 2023" in page
    history = client.get(f"/admin/cases/case/{seeded.pk}/history/").content.decode()
    assert "loaded from the seed articles" in history
    report = seeded.reports.first()
    assert client.get(f"/admin/intake/report/{report.pk}/change/").status_code == 200


def test_filed_data_is_read_only_in_the_admin(client, legal, seeded):
    client.force_login(legal)
    report = seeded.reports.first()
    client.post(f"/admin/intake/report/{report.pk}/change/", {"narrative": "rewritten"})
    assert Report.objects.get(pk=report.pk).narrative != "rewritten"
    page = client.get(f"/admin/cases/case/{seeded.pk}/change/").content.decode()
    assert 'name="_save"' not in page


def test_liaison_cannot_enter_the_admin(client, liaison, seeded):
    client.force_login(liaison)
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_administrator_manages_agencies_but_sees_no_cases(client, administrator, seeded):
    client.force_login(administrator)
    assert client.get("/admin/intake/agency/").status_code == 200
    assert client.get("/admin/cases/case/").status_code == 403
    assert client.get(f"/admin/cases/case/{seeded.pk}/change/").status_code == 403
    assert client.get("/admin/intake/complainant/").status_code == 403


def test_no_admin_searches_a_sealed_column():
    """A sealed column holds ciphertext: searching it would never match, so no admin offers it."""
    from django.contrib import admin
    from django.db.models.constants import LOOKUP_SEP

    from plumbing.keys.fields import SealedTextField

    for model, model_admin in admin.site._registry.items():
        for path in model_admin.search_fields:
            target, *hops = path.lstrip("^=@").split(LOOKUP_SEP)
            field = model._meta.get_field(target)
            for hop in hops:
                field = field.related_model._meta.get_field(hop)
            assert not isinstance(field, SealedTextField), (model.__name__, path)


def test_legal_staff_read_sealed_fields_in_plain_text_in_the_admin(client, legal, seeded):
    client.force_login(legal)
    report = seeded.reports.first()
    page = client.get(f"/admin/intake/report/{report.pk}/change/").content.decode()
    assert report.narrative[:40] in page
    assert "s1." not in page
