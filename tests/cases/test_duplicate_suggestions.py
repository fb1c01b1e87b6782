"""Duplicate suggestions on the case page: which open cases may be the same incident, why, and
that the reasons tell nobody more than the two cases' pages would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import duplicates as duplicates_module
from cases.access import visible_cases
from cases.duplicates import duplicate_suggestions, plate_tokens
from cases.services import merge_cases, transition_case
from intake.inputs import ComplainantInput
from intake.models import Report
from intake.services import submit_report
from tests.factories import EncounterInputFactory, ReportSubmissionFactory

pytestmark = pytest.mark.django_db

# A day in the middle of the site's day, so "a day apart" never depends on the hour.
DAY = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=5)
CANARY = "Quillon Vantablack"


def _case(*, consent: bool = False, complainant: str = "", **encounter):
    fields = {
        "occurred_at": DAY,
        "city": "Minneapolis",
        "address": "",
        "kind_codes": ("weapons-drawn",),
        "plates": "",
        **encounter,
    }
    extra = {}
    if complainant:
        extra["complainants"] = (ComplainantInput(role="affected", name=complainant),)
    return submit_report(
        submission=ReportSubmissionFactory(
            encounter=EncounterInputFactory(**fields),
            consent_to_share_with_liaison=consent,
            **extra,
        ),
        channel=Report.Channel.WEB,
    ).report.case


def _suggested(user, case) -> dict[str, list[str]]:
    return {s.case.reference: s.reasons for s in duplicate_suggestions(user=user, case=case)}


def test_same_day_and_same_city_match_with_their_reasons(liaison):
    case = _case()
    other = _case()
    assert _suggested(liaison, case) == {
        other.reference: ["Same day", "Same city (Minneapolis)", "Both: Weapons drawn"]
    }


def test_a_day_apart_in_the_same_city_matches(liaison):
    case = _case(kind_codes=("boxed-in",))
    other = _case(occurred_at=DAY + timedelta(days=1), kind_codes=("papers-demanded",))
    assert _suggested(liaison, case) == {
        other.reference: ["A day apart", "Same city (Minneapolis)"]
    }


def test_two_days_apart_or_another_city_alone_is_not_enough(liaison):
    case = _case()
    _case(occurred_at=DAY + timedelta(days=2))
    _case(city="Duluth", kind_codes=("boxed-in",))
    assert _suggested(liaison, case) == {}


def test_coordinates_within_the_radius_match_for_a_reader_who_may_see_them(liaison, legal):
    here = {"latitude": Decimal("44.977800"), "longitude": Decimal("-93.265000")}
    near = {"latitude": Decimal("44.980000"), "longitude": Decimal("-93.270000")}
    case = _case(city="", kind_codes=(), **here)
    other = _case(city="", kind_codes=(), **near)
    _case(city="", kind_codes=(), latitude=Decimal("45.5"), longitude=Decimal("-94.1"))
    assert _suggested(legal, case) == {other.reference: ["Same day", "0.5 km apart"]}
    # Coordinates say where someone was: a liaison without consent sees neither them nor a
    # match made on them.
    assert _suggested(liaison, case) == {}


def test_plates_vehicles_and_kinds_overlap(liaison):
    case = _case(
        city="",
        plates="MN ABC-123, XYZ 789",
        vehicle_description="Two black Tahoes, tinted windows",
        kind_codes=("boxed-in", "weapons-drawn", "papers-demanded"),
    )
    other = _case(
        city="",
        plates="abc123",
        vehicle_description="A black tahoe and a grey van",
        kind_codes=("boxed-in", "weapons-drawn"),
    )
    assert _suggested(liaison, case) == {
        other.reference: [
            "Same day",
            "Same plates: ABC 123",
            "Vehicles described alike: black, tahoe",
            "Both: Boxed in by vehicles, Weapons drawn",
        ]
    }


def test_plate_tokens_are_letters_and_digits_never_words_or_numbers():
    assert plate_tokens("ABC 123 and mn xyz-789") == {
        "ABC123": "ABC 123",
        "MNXYZ789": "MN XYZ 789",
        "XYZ789": "XYZ 789",
    }
    assert plate_tokens("[withheld], 612 555 0100, unknown") == {}


def test_closed_merged_and_invisible_cases_are_never_suggested(liaison, legal, monkeypatch):
    case = _case()
    closed = _case()
    transition_case(
        case=closed,
        to="closed",
        actor=legal,
        reason="spam",
        close_reason="spam",
        expected_version=None,
    )
    merged = _case()
    survivor = _case()
    merge_cases(
        survivor=survivor, duplicates=[merged], actor=legal, reason="same", expected_version=None
    )
    hidden = _case()
    assert set(_suggested(liaison, case)) == {survivor.reference, hidden.reference}
    monkeypatch.setattr(
        duplicates_module,
        "visible_cases",
        lambda user: visible_cases(user).exclude(pk=hidden.pk),
    )
    assert set(_suggested(liaison, case)) == {survivor.reference}
    assert survivor.reference not in _suggested(liaison, survivor)  # never the case itself


def test_only_readers_who_may_merge_get_suggestions(no_role_user):
    case = _case()
    _case()
    assert duplicate_suggestions(user=no_role_user, case=case) == []


def test_reasons_never_tell_what_the_reader_may_not_see(liaison, legal):
    # The complainant's name, typed into the plates and vehicle fields of both reports, is
    # withheld from a liaison (no consent): the reasons must not carry it, nor coordinates.
    canary = {
        "complainant": CANARY,
        "plates": f"QRS 404 ({CANARY})",
        "vehicle_description": f"Black van, {CANARY} said",
        "latitude": Decimal("44.977800"),
        "longitude": Decimal("-93.265000"),
    }
    case = _case(**canary)
    other = _case(**canary)
    shown = duplicate_suggestions(user=liaison, case=case)
    assert [s.case.reference for s in shown] == [other.reference]
    text = " ".join([*shown[0].reasons, shown[0].merge_reason])
    assert "Quillon" not in text
    assert "Vantablack" not in text
    assert "km apart" not in text
    assert "Same plates: QRS 404" in text
    # Legal staff see every identity, and the distance.
    assert "0.0 km apart" in " ".join(duplicate_suggestions(user=legal, case=case)[0].reasons)


def test_a_plate_the_reader_may_not_read_in_full_is_only_said_to_overlap(liaison):
    # The plate is also the first part of the complainant's e-mail address, which a liaison
    # may not see in one case: the reason says the plates overlap and names none.
    case = _case(plates="ZED42")
    other = _case(
        complainant="Ada Nobody",
        plates="zed42@example.org",
    )
    reasons = _suggested(liaison, case)[other.reference]
    assert "Plates overlap" in reasons
    assert not any("ZED" in reason for reason in reasons)


def _queries(user, case) -> int:
    duplicate_suggestions(user=user, case=case)  # permissions cached, as on any later request
    with CaptureQueriesContext(connection) as queries:
        found = duplicate_suggestions(user=user, case=case)
    assert found
    return len(queries.captured_queries)


def test_queries_are_the_same_for_one_and_five_candidates(liaison):
    case = _case()
    _case()
    one = _queries(liaison, case)
    for _ in range(4):
        _case()
    assert len(duplicate_suggestions(user=liaison, case=case)) == 5
    five = _queries(liaison, case)
    # The case's reports (with encounter, kinds, complainants, witnesses, evidence: 5), the
    # candidates (1) and theirs (the same 5).
    assert one == five == 11


def test_case_page_lists_a_suggestion_with_a_one_click_merge(client, liaison):
    case = _case()
    other = _case()
    client.force_login(liaison)
    # The page asks for its suggestions once shown, and links to them without the script.
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert 'id="duplicate-suggestions"' in page
    assert f'hx-get="/staff/cases/{case.reference}/duplicates/"' in page
    assert 'href="?duplicates=show#duplicate-suggestions"' in page
    assert other.reference not in page
    fragment = client.get(
        f"/staff/cases/{case.reference}/duplicates/", headers={"HX-Request": "true"}
    ).content.decode()
    without_script = client.get(f"/staff/cases/{case.reference}/?duplicates=show")
    for shown in (fragment, without_script.content.decode()):
        assert 'id="duplicate-suggestions"' in shown
        assert "hx-get" not in shown.split('id="duplicate-suggestions"')[1].split(">")[0]
        assert f'id="duplicate-{other.reference}"' in shown
        assert "Same day · Same city (Minneapolis) · Both: Weapons drawn" in shown
        assert f'name="merge-duplicates" value="{other.reference}"' in shown
    assert not fragment.lstrip().startswith("<!DOCTYPE")  # the section alone, to be swapped in
    case.refresh_from_db()
    response = client.post(
        f"/staff/cases/{case.reference}/merge/",
        {
            "merge-duplicates": other.reference,
            "merge-reason": f"Same incident as {case.reference}",
            "merge-version": case.version,
        },
        follow=True,
    )
    assert f"Merged {other.reference} into this case." in response.content.decode()
    other.refresh_from_db()
    assert other.merged_into_id == case.pk


def test_the_suggestions_answer_only_those_who_may_merge_a_case_they_may_see(
    client, liaison, no_role_user, monkeypatch
):
    case = _case()
    _case()
    htmx = {"HX-Request": "true"}
    client.force_login(no_role_user)
    assert client.get(f"/staff/cases/{case.reference}/duplicates/", headers=htmx).status_code == 403
    client.force_login(liaison)
    monkeypatch.setattr(
        "cases.selectors.visible_cases", lambda user: visible_cases(user).exclude(pk=case.pk)
    )
    missing = client.get(f"/staff/cases/{case.reference}/duplicates/", headers=htmx)
    assert missing.status_code == 404


def test_asked_for_without_the_script_the_suggestions_address_leads_to_the_page_with_them(
    client, liaison
):
    case = _case()
    client.force_login(liaison)
    response = client.get(f"/staff/cases/{case.reference}/duplicates/")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/?duplicates=show"
