"""Legal holds (cases/legal_holds.py) and the upcoming purges page: legal staff place and lift
holds with a reason, on the case page, the upcoming purges page and the API, and the hold's
history says who and why; police liaisons can do none of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.exceptions import CaseError, ErrorCode
from cases.legal_holds import hold_in_force, lift_legal_hold, place_legal_hold
from cases.models import Case, LegalHold
from cases.retention import upcoming_purges
from cases.services import transition_case
from reports.retention import purge_expired_cases
from tests.factories import report_with_evidence

pytestmark = pytest.mark.django_db

UPCOMING = "/staff/retention/upcoming/"


def _case(legal, *, closed_days_ago=None):
    case = report_with_evidence(consent_to_share_with_liaison=False).case
    if closed_days_ago is not None:
        case = transition_case(case=case, to=Case.Status.CLOSED, actor=legal, reason="Spam",
                               close_reason=Case.CloseReason.SPAM,
                               expected_version=case.version)
        Case.objects.filter(pk=case.pk).update(
            status_changed_at=timezone.now() - timedelta(days=closed_days_ago)
        )
        case.refresh_from_db()
    return case


# --- The services --------------------------------------------------------------------------


def test_placing_and_lifting_a_hold_records_who_when_and_why(legal):
    case = _case(legal)
    hold = place_legal_hold(case=case, actor=legal, reason="  Litigation: Doe v. County ")
    assert hold_in_force(case) == hold
    assert (hold.reason, hold.placed_by) == ("Litigation: Doe v. County", legal)
    lifted = lift_legal_hold(case=case, actor=legal, reason="Case settled")
    assert hold_in_force(case) is None
    assert (lifted.lifted_by, lifted.lift_reason) == (legal, "Case settled")
    assert lifted.lifted_at is not None
    rows = list(LegalHold.history.filter(id=hold.pk).order_by("history_date", "history_id"))
    assert [(row.history_type, row.history_user, row.history_change_reason) for row in rows] == [
        ("+", legal, "Legal hold placed: Litigation: Doe v. County"),
        ("~", legal, "Legal hold lifted: Case settled"),
    ]


def test_a_liaison_cannot_place_or_lift_a_hold(legal, liaison):
    case = _case(legal)
    with pytest.raises(CaseError) as refused:
        place_legal_hold(case=case, actor=liaison, reason="Because")
    assert refused.value.code == ErrorCode.ROLE_NOT_PERMITTED
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    with pytest.raises(CaseError) as refused:
        lift_legal_hold(case=case, actor=liaison, reason="Because")
    assert refused.value.code == ErrorCode.ROLE_NOT_PERMITTED
    assert hold_in_force(case) is not None


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_hold_and_its_lifting_need_a_reason(legal, reason):
    case = _case(legal)
    with pytest.raises(CaseError) as refused:
        place_legal_hold(case=case, actor=legal, reason=reason)
    assert refused.value.code == ErrorCode.REASON_REQUIRED
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    with pytest.raises(CaseError) as refused:
        lift_legal_hold(case=case, actor=legal, reason=reason)
    assert refused.value.code == ErrorCode.REASON_REQUIRED


def test_a_case_has_one_hold_in_force_at_a_time(legal):
    case = _case(legal)
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    with pytest.raises(CaseError) as refused:
        place_legal_hold(case=case, actor=legal, reason="Another")
    assert refused.value.code == ErrorCode.ALREADY_HELD
    lift_legal_hold(case=case, actor=legal, reason="Done")
    with pytest.raises(CaseError) as refused:
        lift_legal_hold(case=case, actor=legal, reason="Again")
    assert refused.value.code == ErrorCode.NOT_HELD
    place_legal_hold(case=case, actor=legal, reason="New matter")
    assert LegalHold.objects.filter(case=case).count() == 2


# --- The upcoming purges page --------------------------------------------------------------


def test_a_case_past_its_retention_is_listed_thirty_days_ahead(legal, client):
    due_soon = _case(legal, closed_days_ago=70)  # spam: 90 days, so due in 20
    not_yet = _case(legal, closed_days_ago=10)  # due in 80
    _case(legal)  # open: never
    assert [row.case for row in upcoming_purges()] == [due_soon]
    client.force_login(legal)
    page = client.get(UPCOMING).content.decode()
    assert due_soon.reference in page and not_yet.reference not in page
    assert f'id="hold-{due_soon.pk}-form"' in page
    assert (due_soon.status_changed_at + timedelta(days=90)).strftime("%Y") in page


def test_legal_staff_place_a_hold_from_the_upcoming_purges_page(legal, client):
    case = _case(legal, closed_days_ago=70)
    client.force_login(legal)
    answer = client.post(
        UPCOMING,
        {f"hold-{case.pk}-reference": case.reference, f"hold-{case.pk}-reason": "Subpoena"},
        follow=True,
    )
    assert answer.redirect_chain == [(UPCOMING, 302)]
    page = answer.content.decode()
    assert f"{case.reference} is under a legal hold" in page
    assert 'id="no-upcoming-purges"' in page
    hold = hold_in_force(case)
    assert hold is not None and (hold.reason, hold.placed_by) == ("Subpoena", legal)


def test_an_empty_reason_on_the_upcoming_purges_page_shows_the_error_summary(legal, client):
    case = _case(legal, closed_days_ago=70)
    client.force_login(legal)
    answer = client.post(
        UPCOMING, {f"hold-{case.pk}-reference": case.reference, f"hold-{case.pk}-reason": " "}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="error-summary"' in page
    assert f'href="#id_hold-{case.pk}-reason"' in page
    assert "A legal hold needs a reason." in page
    assert hold_in_force(case) is None


def test_the_upcoming_purges_page_costs_the_same_queries_for_one_case_or_many(legal, client):
    client.force_login(legal)
    client.get(UPCOMING)
    _case(legal, closed_days_ago=70)
    with CaptureQueriesContext(connection) as one:
        assert client.get(UPCOMING).status_code == 200
    for _ in range(3):
        _case(legal, closed_days_ago=80)
    with CaptureQueriesContext(connection) as four:
        assert client.get(UPCOMING).status_code == 200
    # Session, user, second factor, permissions, then the cases: one query, whatever their
    # number. The session is not saved again within SESSION_REFRESH_INTERVAL.
    assert len(one) == len(four) == 5, "\n".join(q["sql"][:120] for q in four.captured_queries)


def test_only_legal_staff_see_the_upcoming_purges_link_and_page(legal, liaison, client):
    client.force_login(liaison)
    assert client.get(UPCOMING).status_code == 403
    assert 'id="nav-upcoming-purges"' not in client.get("/staff/cases/").content.decode()
    client.force_login(legal)
    assert 'id="nav-upcoming-purges"' in client.get("/staff/cases/").content.decode()
    assert client.get(UPCOMING).status_code == 200


def test_a_liaison_cannot_place_a_hold_from_the_upcoming_purges_page(legal, liaison, client):
    case = _case(legal, closed_days_ago=70)
    client.force_login(liaison)
    answer = client.post(
        UPCOMING,
        {f"hold-{case.pk}-reference": case.reference, f"hold-{case.pk}-reason": "Mine"},
    )
    assert answer.status_code == 403
    assert hold_in_force(case) is None


# --- The case page -------------------------------------------------------------------------


def test_the_case_page_shows_the_hold_and_the_forms_to_legal_staff_only(legal, liaison, client):
    case = _case(legal, closed_days_ago=10)
    path = f"/staff/cases/{case.reference}/"
    client.force_login(legal)
    page = client.get(path).content.decode()
    assert 'id="legal-hold"' in page and 'id="hold-form"' in page and 'id="purge-date"' in page
    answer = client.post(f"{path}legal-hold/", {"hold-reason": "Subpoena"}, follow=True)
    page = answer.content.decode()
    assert answer.redirect_chain == [(path, 302)]
    assert 'id="legal-hold-in-force"' in page and "Subpoena" in page and 'id="lift-form"' in page
    client.force_login(liaison)
    page = client.get(path).content.decode()
    assert 'id="legal-hold"' not in page and "Subpoena" not in page


def test_an_empty_reason_on_the_case_page_shows_the_error_summary(legal, client):
    case = _case(legal)
    client.force_login(legal)
    answer = client.post(f"/staff/cases/{case.reference}/legal-hold/", {"hold-reason": ""})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="error-summary"' in page and 'href="#id_hold-reason"' in page
    assert "A legal hold needs a reason." in page


def test_legal_staff_lift_a_hold_on_the_case_page(legal, client):
    case = _case(legal)
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    client.force_login(legal)
    answer = client.post(
        f"/staff/cases/{case.reference}/legal-hold/lift/", {"lift-reason": "Withdrawn"}
    )
    assert answer.status_code == 302
    assert hold_in_force(case) is None


def test_a_liaison_gets_403_placing_or_lifting_a_hold_on_the_case_page(legal, liaison, client):
    case = _case(legal)
    client.force_login(liaison)
    base = f"/staff/cases/{case.reference}/legal-hold/"
    assert client.post(base, {"hold-reason": "Mine"}).status_code == 403
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    assert client.post(f"{base}lift/", {"lift-reason": "Mine"}).status_code == 403
    assert hold_in_force(case) is not None


def test_a_hold_on_a_case_that_does_not_exist_answers_404(legal, client):
    client.force_login(legal)
    answer = client.post("/staff/cases/RD-2000-999999/legal-hold/", {"hold-reason": "Why"})
    assert answer.status_code == 404


# --- The API -------------------------------------------------------------------------------


def _api(client, user):
    client.force_login(user)
    return client


def test_the_api_places_reads_and_lifts_a_hold(legal, client):
    case = _case(legal, closed_days_ago=10)
    api = _api(client, legal)
    base = f"/api/v1/cases/{case.reference}/legal-hold/"
    answer = api.post(base, {"reason": "Subpoena"}, content_type="application/json")
    assert answer.status_code == 201
    assert answer.json()["reason"] == "Subpoena"
    assert answer.json()["placed_by"]["username"] == legal.username
    again = api.post(base, {"reason": "Again"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_held")
    read = api.get(base).json()
    assert read["hold"]["reason"] == "Subpoena" and read["purge_date"] is not None
    lifted = api.post(f"{base}lift/", {"reason": "Settled"}, content_type="application/json")
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "Settled"
    assert api.get(base).json()["hold"] is None
    none = api.post(f"{base}lift/", {"reason": "Again"}, content_type="application/json")
    assert (none.status_code, none.json()["code"]) == (409, "not_held")


def test_the_api_refuses_an_empty_reason_with_the_error_envelope(legal, client):
    case = _case(legal)
    answer = _api(client, legal).post(
        f"/api/v1/cases/{case.reference}/legal-hold/", {"reason": " "},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "reason_required"
    assert "detail" in answer.json()


def test_a_liaison_cannot_place_read_or_lift_a_hold_through_the_api(legal, liaison, client):
    case = _case(legal)
    base = f"/api/v1/cases/{case.reference}/legal-hold/"
    api = _api(client, liaison)
    placed = api.post(base, {"reason": "Mine"}, content_type="application/json")
    assert (placed.status_code, placed.json()["code"]) == (403, "role_not_permitted")
    assert api.get(base).status_code == 403
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    lifted = api.post(f"{base}lift/", {"reason": "Mine"}, content_type="application/json")
    assert (lifted.status_code, lifted.json()["code"]) == (403, "role_not_permitted")
    assert hold_in_force(case) is not None


def test_the_api_answers_404_for_a_case_that_does_not_exist_or_a_user_with_no_role(
    legal, no_role_user, client
):
    case = _case(legal)
    missing = _api(client, legal).post(
        "/api/v1/cases/RD-2000-999999/legal-hold/", {"reason": "Why"},
        content_type="application/json",
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    refused = _api(client, no_role_user).post(
        f"/api/v1/cases/{case.reference}/legal-hold/", {"reason": "Why"},
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_a_hold_on_a_case_purged_meanwhile_is_refused_in_words(legal):
    case = _case(legal, closed_days_ago=91)
    assert purge_expired_cases().purged == [case.reference]
    with pytest.raises(CaseError) as refused:
        place_legal_hold(case=case, actor=legal, reason="Too late")
    assert "purged" in refused.value.message


def test_the_upcoming_purges_page_lists_the_soonest_first_up_to_its_limit(
    legal, client, monkeypatch
):
    latest = _case(legal, closed_days_ago=65)
    soonest = _case(legal, closed_days_ago=85)
    middle = _case(legal, closed_days_ago=75)
    assert [row.case for row in upcoming_purges()] == [soonest, middle, latest]
    assert [row.case for row in upcoming_purges(limit=2)] == [soonest, middle]
    monkeypatch.setattr("cases.retention.UPCOMING_LIMIT", 2)
    client.force_login(legal)
    page = client.get(UPCOMING).content.decode()
    assert 'id="upcoming-capped"' in page
    assert soonest.reference in page and latest.reference not in page
