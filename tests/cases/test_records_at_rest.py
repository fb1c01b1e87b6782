"""Records at rest: what identifies people is sealed in the database.

A thief with a copy of the database and no keys must find no one in it. The canary report is
filed through the public web form with a unique value in every field; a liaison posts a note and
a question naming the canary, the person answers and adds information; then every text, binary
and JSON column of every table (history tables, sessions, outbox, access log, the search index)
is read with raw SQL and must hold none of the canary's values. Legal staff still read all of it,
through the application, and still after the key-encryption key is rotated.
"""

import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseNote
from cases.search import search
from cases.services import add_note, ask_reporter, override_priority
from intake.models import Complainant, Encounter, Report, ReportMessage, Witness
from intake.services import submit_report
from plumbing.keys import store
from plumbing.keys.fields import SealedText
from plumbing.keys.sealing import is_sealed
from tests.factories import ReportSubmissionFactory, png_bytes
from tests.intake.test_web_form import ANSWERS, date_boxes, days_ago, post_step, receipt_values, url

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zebulonia", "Kittiwakeson"
NAME = f"{FIRST} {LAST}"
EMAIL = "zk.sealcanary@example.net"
PHONE = "+1 612 555 0177"
ADDRESS = "4417 Marigoldcanary Lane"
NARRATIVE = "The periwinkle-tangerine van boxed me in."
WITNESS = "Hortensio Vanderquill"
WITNESS_CONTACT = "hv.sealcanary@example.net"
STATEMENT = "I saw the ultramarine-ocelot sticker."
PLATES = "QZX 9141"
VEHICLE = "A chartreuse-hearse with tinted windows"
OCCUPATION = "lamplighterwright"
ORIGIN = "Quenyaborian"
FILE_NAME = "zebulonia_evidence.png"
FILE_NOTE = "Photo of the saffronwhistle door"
OUTCOME = "They left at the cobaltpheasant corner."
INJURIES = "A bruised quinceberry wrist."
BASIS_OTHER = "my mulberrywhisk hat"
NOTE = f"Called {NAME} back about the van."
QUESTION = f"{FIRST}, which street was it?"
ANSWER = "It was by the tamarindfinch school."
ADDED = "I remember the hazelgrouse tattoo."
ADDED_WITNESS = "Philomena Gravelsnout"
REASON = f"{LAST} is at risk"

# What must never be found in the database, compared case-insensitively.
CANARIES = (
    FIRST, LAST, EMAIL, "555 0177", "5550177", "Marigoldcanary", "periwinkle", WITNESS,
    "Vanderquill", "hv.sealcanary", "ultramarine", PLATES, "chartreuse", OCCUPATION, ORIGIN,
    "zebulonia_evidence", "saffronwhistle", "cobaltpheasant", "quinceberry", "mulberrywhisk",
    "tamarindfinch", "hazelgrouse", "Gravelsnout",
)


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def _canary_answers() -> dict[str, dict]:
    return {
        **ANSWERS,
        "identity": {"name": NAME, "occupation": OCCUPATION, "preferred_language": "en"},
        "what": {
            "kinds": ["boxed-in", "weapons-drawn"], "injuries": INJURIES, "outcome": OUTCOME,
        },
        "when": {
            **date_boxes(days_ago(2)), "occurred_time": "14:30", "address": ADDRESS,
            "city": "Brooklyn Park", "state": "MN",
        },
        "who": {
            "agencies": ["ice"], "agent_count": "4", "vehicle_count": "1",
            "vehicle_description": VEHICLE, "plates": PLATES, "agents_identified": "no",
        },
        "why": {
            "perceived_basis": ["skin-colour", "other"], "perceived_basis_other": BASIS_OTHER,
            "race_ethnicity": ORIGIN,
        },
        "account": {"narrative": NARRATIVE},
        "contact": {
            "email": EMAIL, "phone": PHONE, "consent_to_contact": "on", "safe_to_contact": "on",
        },
    }


def _file_canary_through_the_web_form(client: Client) -> tuple[str, str]:
    answers = _canary_answers()
    for slug in ["about", "identity", "what", "when", "who", "why"]:
        response = post_step(client, slug, answers[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:3000])
    witness = {"name": WITNESS, "contact": WITNESS_CONTACT, "statement": STATEMENT,
               "action": "add"}
    assert post_step(client, "witnesses", witness).status_code == 302
    post_step(client, "witnesses", {"action": "continue"})
    upload = SimpleUploadedFile(FILE_NAME, png_bytes(b"\x01\x02"), content_type="image/png")
    response = post_step(
        client, "evidence", {"files": [upload], "description": FILE_NOTE, "action": "upload"}
    )
    assert response.status_code == 302
    post_step(client, "evidence", {"action": "continue"})
    post_step(client, "account", answers["account"])
    assert post_step(client, "contact", answers["contact"])["Location"] == url("review")
    response = client.post(url("review"), {})
    assert response.status_code == 200
    return receipt_values(response)


def _everything_in_the_database() -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every text, binary or JSON value of every table."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from introspection
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        text = bytes(value).decode("latin-1")
                    elif isinstance(value, str | dict | list):
                        text = str(value)
                    else:
                        continue
                    found.append((table, column, text))
    return found


def test_a_database_copy_names_no_one_from_the_canary_report(legal, liaison):
    client = Client()
    code, secret = _file_canary_through_the_web_form(client)
    report = Report.objects.get(tracking_code=code)
    case = report.case
    add_note(case=case, author=liaison, body=NOTE)
    override_priority(case=case, priority=Case.Priority.URGENT, actor=legal, reason=REASON,
                      expected_version=None)
    question = ask_reporter(case=case, report=report, author=liaison, body=QUESTION)

    reporter = Client()
    signed_in = reporter.post(reverse("intake:status"), {"tracking_code": code, "secret": secret})
    assert signed_in.status_code == 302
    answered = reporter.post(reverse("intake:answer", args=[question.pk]), {"body": ANSWER})
    assert answered.status_code == 302
    added = reporter.post(
        reverse("intake:add-information"),
        {"kind": "information", "body": ADDED, "witness_name": ADDED_WITNESS,
         "witness_contact": "", "witness_statement": "", "witness_willing": ""},
    )
    assert added.status_code == 302, added.content.decode()[:2000]

    # Not by hiding everything: legal staff read it all through the application (and their
    # reading, and a search for the name, are in the access log the sweep reads too).
    legal_client = Client()
    legal_client.force_login(legal)
    page = legal_client.get(reverse("cases:case", args=[case.reference])).content.decode()
    for shown in (NAME, EMAIL, ADDRESS, NARRATIVE, WITNESS, STATEMENT, PLATES, NOTE, ANSWER,
                  ADDED, ADDED_WITNESS):
        assert shown in page, shown
    assert legal_client.get("/staff/cases/", {"q": NAME}).status_code == 200

    leaks = [
        (table, column, canary)
        for table, column, text in _everything_in_the_database()
        for canary in CANARIES
        if canary.lower() in text.lower()
    ]
    assert leaks == []
    # And the search still finds the case by a word of the narrative, not by the name.
    assert list(search(Case.objects.all(), "periwinkle tangerine")) == [case]
    assert not search(Case.objects.all(), "-periwinkle").filter(pk=case.pk).exists()
    assert list(search(Case.objects.all(), '"tangerine van" or nothingsuch')) == [case]


def test_every_sealed_column_holds_ciphertext_that_its_row_opens():
    receipt = submit_report(submission=ReportSubmissionFactory(), channel="web")
    report = Report.objects.get(pk=receipt.report.pk)
    stored = Report.objects.values_list("narrative", flat=True).get(pk=report.pk)
    assert isinstance(stored, SealedText) and is_sealed(stored)
    assert report.narrative == receipt.report.narrative
    person = Complainant.objects.get(report=report)
    assert person.data_key == report.data_key
    history = person.history.get()
    raw = type(history).objects.values_list("name", flat=True).get(pk=history.pk)
    assert is_sealed(raw) and raw != Complainant.objects.values_list("name", flat=True).get()
    assert history.name == person.name


def test_sealing_an_unchanged_value_again_gives_the_same_ciphertext():
    receipt = submit_report(submission=ReportSubmissionFactory(), channel="web")
    witness = Witness.objects.filter(report=receipt.report).first() or Witness.objects.create(
        report=receipt.report, name="Someone", statement="Saw it."
    )
    field = Witness._meta.get_field("name")
    first = field.pre_save(witness, False)
    assert field.pre_save(witness, False) == first
    assert field.get_prep_value(first) == str(first)
    witness.save()
    assert Witness.objects.values_list("name", flat=True).get(pk=witness.pk) == first
    witness.name = "Someone else"
    assert field.pre_save(witness, False) != first


def test_coordinates_read_back_as_decimals_or_none():
    receipt = submit_report(submission=ReportSubmissionFactory(), channel="web")
    encounter = Encounter.objects.get(report=receipt.report)
    encounter.latitude, encounter.longitude = Decimal("44.977753"), Decimal("-93.265011")
    encounter.save()
    fresh = Encounter.objects.get(pk=encounter.pk)
    assert (fresh.latitude, fresh.longitude) == (Decimal("44.977753"), Decimal("-93.265011"))
    assert is_sealed(Encounter.objects.values_list("latitude", flat=True).get(pk=encounter.pk))
    fresh.latitude = fresh.longitude = None
    fresh.save()
    assert Encounter.objects.get(pk=encounter.pk).latitude is None


def test_a_case_note_is_sealed_with_the_case_key(liaison):
    receipt = submit_report(submission=ReportSubmissionFactory(), channel="web")
    case = Case.objects.get(pk=receipt.report.case_id)
    assert case.data_key is not None and case.data_key != receipt.report.data_key
    note = add_note(case=case, author=liaison, body="A plain note.")
    assert note.data_key == case.data_key
    assert is_sealed(CaseNote.objects.values_list("body", flat=True).get(pk=note.pk))
    assert CaseNote.objects.get(pk=note.pk).body == "A plain note."


def test_rotating_the_key_encryption_key_keeps_every_report_readable(settings, legal, liaison):
    reports = [
        submit_report(submission=ReportSubmissionFactory(), channel="web").report
        for _ in range(3)
    ]
    for report in reports:
        ask_reporter(case=report.case, report=report, author=liaison, body="When was it?")
    client = Client()
    client.force_login(legal)
    before = {
        report.pk: client.get(f"/api/v1/cases/{report.case.reference}/").json()
        for report in reports
    }
    old = list(settings.KEY_ENCRYPTION_KEYS)
    new = store.new_key_encryption_key()
    settings.KEY_ENCRYPTION_KEYS = [new, *old]  # the new key first, the old one kept
    call_command("rotate_key_encryption_key")
    settings.KEY_ENCRYPTION_KEYS = [new]  # the old key retired
    store.forget()
    for report in reports:
        answer = client.get(f"/api/v1/cases/{report.case.reference}/").json()
        assert answer == before[report.pk]
        narratives = [item["narrative"] for item in answer["reports"]]
        assert report.narrative in narratives
    assert ReportMessage.objects.get(report=reports[0]).body == "When was it?"
    # And the old key alone no longer opens anything: the data keys are wrapped by the new one.
    settings.KEY_ENCRYPTION_KEYS = old
    store.forget()
    with pytest.raises(Exception, match="unwrapped"):
        store.data_key(reports[0].data_key or uuid.uuid4())


def test_rebuilding_the_search_index_under_a_new_key_finds_the_case_again(settings):
    receipt = submit_report(
        submission=ReportSubmissionFactory(narrative="The lavender truck stopped us."),
        channel="web",
    )
    case = Case.objects.get(pk=receipt.report.case_id)
    assert list(search(Case.objects.all(), "lavender")) == [case]
    settings.SEARCH_INDEX_KEY = "another search key"
    assert list(search(Case.objects.all(), "lavender")) == []
    call_command("rebuild_search_index")
    assert list(search(Case.objects.all(), "lavender trucks")) == [case]
