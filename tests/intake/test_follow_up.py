"""A person comes back to their report with its tracking code and secret: they sign in (no
account, no e-mail), read its status and staff's questions, answer them and add information,
files and a witness; staff post the questions from the case page and the API and read what came
back on the case page, its API and its timeline."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.services import ask_reporter
from cases.timeline import case_timeline
from intake import follow_up
from intake.evidence import open_stored
from intake.inputs import EvidenceInput, WitnessInput
from intake.models import Evidence, Report, ReportAddition, ReportMessage, Witness
from intake.reporter_session import SESSION_KEY
from intake.services import submit_report
from tests.factories import ComplainantInputFactory, ReportSubmissionFactory, png_bytes

pytestmark = pytest.mark.django_db

YOUR_REPORT = reverse("intake:your-report")
ADD = reverse("intake:add-information")
SIGN_IN = reverse("intake:status")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_STATUS_LOOKUP_RATE = "1000/hour"
    settings.INTAKE_FOLLOW_UP_RATE = "1000/hour"
    cache.clear()
    yield
    cache.clear()


def _file(*, channel: str = "web", safe: bool = True, consent: bool = True, **fields):
    submission = ReportSubmissionFactory(
        complainants=(ComplainantInputFactory(safe_to_contact=safe),),
        consent_to_contact=consent,
        **fields,
    )
    receipt = submit_report(submission=submission, channel=channel)
    return receipt.report, receipt.secret


def _signed_in(report: Report, secret: str) -> Client:
    client = Client()
    response = client.post(SIGN_IN, {"tracking_code": report.tracking_code, "secret": secret})
    assert response.status_code == 302
    assert response["Location"] == YOUR_REPORT
    return client


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Signing in -----------------------------------------------------------------------------


def test_signing_in_with_code_and_secret_opens_the_report_with_its_status_in_words():
    report, secret = _file()
    client = Client()
    client.get(SIGN_IN)
    before = client.session.session_key
    response = client.post(
        SIGN_IN, {"tracking_code": report.tracking_code.lower(), "secret": secret}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="status-value">New<' in page
    assert report.tracking_code in page
    # A session id planted before signing in does not carry the signed-in session.
    assert client.session.session_key != before
    # Nothing of what the person filed is shown back, nor the case reference.
    for private in (report.narrative, report.case.reference, "Brooklyn Blvd"):
        assert private not in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response[
        "Cache-Control"
    ]


def test_a_wrong_secret_signs_nobody_in_and_says_no_more_than_a_wrong_code():
    report, _secret = _file()
    client = Client()
    wrong = client.post(
        SIGN_IN, {"tracking_code": report.tracking_code, "secret": "AAAA-BBBB-CCCC-DDDD"}
    )
    assert wrong.status_code == 200
    assert 'id="status-not-found"' in wrong.content.decode()
    assert report.tracking_code not in wrong.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(YOUR_REPORT)["Location"] == SIGN_IN


def test_signing_in_gives_a_new_csrf_secret_so_a_token_read_before_is_refused():
    report, secret = _file()
    client = Client(enforce_csrf_checks=True)
    page = client.get(SIGN_IN).content.decode()
    before = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    signed_in = client.post(
        SIGN_IN,
        {"tracking_code": report.tracking_code, "secret": secret, "csrfmiddlewaretoken": before},
    )
    assert signed_in.status_code == 302
    stale = client.post(
        ADD, {"kind": "information", "body": "From a planted page", "csrfmiddlewaretoken": before}
    )
    assert stale.status_code == 403
    assert not ReportAddition.objects.exists()
    page = client.get(ADD).content.decode()
    fresh = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    added = client.post(
        ADD, {"kind": "information", "body": "From my own page", "csrfmiddlewaretoken": fresh}
    )
    assert added.status_code == 302
    assert ReportAddition.objects.get().body == "From my own page"


def test_signing_in_counts_against_the_status_lookup_limit(settings):
    settings.INTAKE_STATUS_LOOKUP_RATE = "2/hour"
    report, secret = _file()
    client = Client()
    for _attempt in range(2):
        client.post(SIGN_IN, {"tracking_code": "RD-2222-3333", "secret": "X"})
    response = client.post(SIGN_IN, {"tracking_code": report.tracking_code, "secret": secret})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_session_ends_after_idling_and_after_its_longest_time(settings):
    report, secret = _file()
    client = _signed_in(report, secret)
    session = client.session
    held = session[SESSION_KEY]
    idle = timezone.now() - timedelta(minutes=settings.REPORTER_SESSION_IDLE_MINUTES + 1)
    session[SESSION_KEY] = {**held, "seen": idle.isoformat()}
    session.save()
    assert client.get(YOUR_REPORT)["Location"] == SIGN_IN

    client = _signed_in(report, secret)
    session = client.session
    old = timezone.now() - timedelta(minutes=settings.REPORTER_SESSION_MAX_MINUTES + 1)
    session[SESSION_KEY] = {**session[SESSION_KEY], "since": old.isoformat()}
    session.save()
    assert client.get(YOUR_REPORT)["Location"] == SIGN_IN


def test_signing_out_closes_the_report():
    report, secret = _file()
    client = _signed_in(report, secret)
    assert client.get(YOUR_REPORT).status_code == 200
    assert client.post(reverse("intake:sign-out"))["Location"] == reverse("intake:start")
    assert client.get(YOUR_REPORT)["Location"] == SIGN_IN


def test_pages_of_a_report_need_a_signed_in_session():
    report, _secret = _file()
    question = ReportMessage.objects.create(
        report=report, direction="to_reporter", author=_any_user(), body="When?"
    )
    client = Client()
    for response in (
        client.get(YOUR_REPORT),
        client.get(ADD),
        client.post(ADD, {"kind": "information", "body": "More"}),
        client.post(reverse("intake:answer", args=[question.pk]), {"body": "Tuesday"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == SIGN_IN
    assert not ReportAddition.objects.exists()
    assert not ReportMessage.objects.filter(direction="from_reporter").exists()


def _any_user():
    from tests.factories import UserFactory

    return UserFactory()


# --- Adding to a report ---------------------------------------------------------------------


def test_adding_text_files_and_a_witness_makes_one_dated_part_of_the_same_report(settings):
    report, secret = _file()
    client = _signed_in(report, secret)
    response = client.post(
        ADD,
        {
            "kind": "correction",
            "body": "It was the 14th, not the 15th.",
            "files": [SimpleUploadedFile("second.png", png_bytes(b"\x10\x20\x30"))],
            "description": "The van's plate",
            "witness_name": "Dora Nearby",
            "witness_contact": "+1 612 555 0142",
            "witness_statement": "I saw the van block the street.",
            "witness_willing": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    addition = ReportAddition.objects.get(report=report)
    assert addition.kind == "correction"
    assert addition.body == "It was the 14th, not the 15th."
    file = Evidence.objects.get(addition=addition)
    assert file.report_id == report.pk
    assert file.original_name == "second.png"
    assert len(file.sha256) == 64
    # Stored sealed with the report's own key; opened, it is the file as sent.
    sent = png_bytes(b"\x10\x20\x30")
    assert sent[:16] not in (settings.MEDIA_ROOT / file.file.name).read_bytes()
    with open_stored(file) as opened:
        assert opened.read() == sent
    witness = Witness.objects.get(addition=addition)
    assert (witness.report_id, witness.name) == (report.pk, "Dora Nearby")
    # The first account is untouched; each new row has its own history, by nobody, with why.
    report.refresh_from_db()
    assert report.narrative.startswith("Two vehicles boxed in")
    for row in (addition, file, witness):
        history = row.history.get()
        assert history.history_user is None
        assert history.history_change_reason == follow_up.ADDED_BY_REPORTER
    page = client.get(YOUR_REPORT).content.decode()
    assert "It was the 14th, not the 15th." in page and "second.png" in page


def test_adding_nothing_is_refused_with_a_message():
    report, secret = _file()
    client = _signed_in(report, secret)
    response = client.post(ADD, {"kind": "information", "body": "  "})
    assert response.status_code == 400
    assert "Write what you want to add, or add a file or a witness." in response.content.decode()
    assert not ReportAddition.objects.exists()


def test_a_file_that_is_not_evidence_is_refused_and_nothing_is_written(settings):
    report, secret = _file()
    client = _signed_in(report, secret)
    response = client.post(
        ADD,
        {
            "kind": "information",
            "body": "Here is the video.",
            "files": [
                SimpleUploadedFile("photo.png", png_bytes()),
                SimpleUploadedFile("script.html", b"<script>alert(1)</script>"),
            ],
        },
    )
    assert response.status_code == 400
    assert "script.html" in response.content.decode()
    assert not ReportAddition.objects.exists()
    assert not Evidence.objects.filter(addition__isnull=False).exists()
    stored = list((settings.MEDIA_ROOT / "evidence").rglob("*")) if (
        settings.MEDIA_ROOT / "evidence"
    ).exists() else []
    assert [path for path in stored if path.is_file()] == []


def test_what_is_added_is_searchable_as_part_of_the_account(liaison):
    report, _secret = _file(consent_to_share_with_liaison=True)
    follow_up.add_to_report(report=report, body="The driver wore a grey Kestrelwood jacket.")
    client = _staff(liaison)
    page = client.get(reverse("cases:queue"), {"q": "Kestrelwood"}).content.decode()
    assert report.case.reference in page


# --- Questions and answers ------------------------------------------------------------------


def test_staff_question_reaches_the_reporter_and_their_answer_reaches_the_case(legal, liaison):
    report, secret = _file(consent_to_share_with_liaison=True)
    case = report.case
    staff = _staff(liaison)
    response = staff.post(
        reverse("cases:ask-reporter", args=[case.reference, report.tracking_code]),
        {f"ask-{report.pk}-body": "Which street were you on when they stopped you?"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question = ReportMessage.objects.get(report=report)
    assert (question.direction, question.author) == ("to_reporter", liaison)
    assert question.history.get().history_user == liaison

    reporter = _signed_in(report, secret)
    page = reporter.get(YOUR_REPORT).content.decode()
    assert "Which street were you on when they stopped you?" in page
    question.refresh_from_db()
    assert question.read_at is not None  # staff can tell it reached them

    answer = reporter.post(
        reverse("intake:answer", args=[question.pk]), {"body": "On Zane Avenue, by the school."}
    )
    assert answer.status_code == 302
    reply = ReportMessage.objects.get(direction="from_reporter")
    assert (reply.reply_to, reply.author) == (question, None)

    # The person agreed to share with liaisons: no warnings either side.
    assert "answers-warning" not in reporter.get(YOUR_REPORT).content.decode()
    for user in (liaison, legal):
        case_page = _staff(user).get(reverse("cases:case", args=[case.reference]))
        text = case_page.content.decode()
        assert "ask-warning" not in text
        assert "On Zane Avenue, by the school." in text
        assert "Answer from the person who reported" in text
    entries = case_timeline(user=legal, case=case)
    subjects = [entry.subject for entry in entries]
    assert f"Question to the person who filed report {report.tracking_code}" in subjects
    assert f"Answer from the person who filed report {report.tracking_code}" in subjects
    answered = next(e for e in entries if e.subject.startswith("Answer"))
    assert answered.changes[0].after == "On Zane Avenue, by the school."
    assert answered.reason == follow_up.ANSWERED_BY_REPORTER


def test_a_reporter_cannot_answer_a_question_of_another_report():
    report, secret = _file()
    other, _other_secret = _file()
    question = ReportMessage.objects.create(
        report=other, direction="to_reporter", author=_any_user(), body="When?"
    )
    client = _signed_in(report, secret)
    response = client.post(reverse("intake:answer", args=[question.pk]), {"body": "Now"})
    assert response.status_code == 400
    assert not ReportMessage.objects.filter(direction="from_reporter").exists()


def test_an_empty_answer_is_refused_with_a_message():
    report, secret = _file()
    question = ReportMessage.objects.create(
        report=report, direction="to_reporter", author=_any_user(), body="When?"
    )
    client = _signed_in(report, secret)
    response = client.post(reverse("intake:answer", args=[question.pk]), {"body": " "})
    assert response.status_code == 400
    assert "Write your answer." in response.content.decode()


def test_the_notice_of_a_question_says_only_that_there_is_a_message(
    legal, django_capture_on_commit_callbacks
):
    report, _secret = _file(safe=True, consent=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask_reporter(
            case=report.case, report=report, author=legal, body="Did Officer Vance say his name?"
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = message.subject + message.body
    assert "Did Officer Vance" not in text
    assert report.tracking_code not in text
    assert reverse("intake:status") in message.body
    assert message.to == [report.complainants.get().email]


@pytest.mark.parametrize(("consent", "safe"), [(True, False), (False, True)])
def test_no_notice_without_consent_and_safety(legal, django_capture_on_commit_callbacks,
                                              consent, safe):
    report, _secret = _file(safe=safe, consent=consent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask_reporter(case=report.case, report=report, author=legal, body="When?")
    assert mail.outbox == []


def test_a_press_report_has_nobody_to_ask(legal):
    from cases.exceptions import CaseError
    from intake.inputs import SourceInput

    report, _secret = _file()
    press = submit_report(
        submission=ReportSubmissionFactory(
            source=SourceInput(file="article.txt", headline="Agents", outlet="Paper")
        ),
        channel="press",
        case=report.case,
        actor=legal,
    ).report
    with pytest.raises(CaseError) as refused:
        ask_reporter(case=report.case, report=press, author=legal, body="When?")
    assert refused.value.code == "reporter_unreachable"
    api = APIClient()
    api.force_authenticate(legal)
    response = api.post(
        f"/api/v1/cases/{report.case.reference}/questions/",
        {"report": press.tracking_code, "body": "When?"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "reporter_unreachable"


def test_staff_ask_through_the_api_and_read_answers_and_additions_in_the_case(legal, liaison):
    report, secret = _file(consent_to_share_with_liaison=False)
    api = APIClient()
    api.force_authenticate(liaison)
    base = f"/api/v1/cases/{report.case.reference}"
    response = api.post(
        base + "/questions/", {"report": report.tracking_code, "body": "When?"}, format="json"
    )
    assert response.status_code == 201, response.content
    question_id = response.json()["id"]
    assert response.json()["direction"] == "to_reporter"
    follow_up.answer_question(report=report, question_id=question_id, body="At noon.")
    follow_up.add_to_report(
        report=report,
        body="One more thing.",
        evidence=[EvidenceInput(file=SimpleUploadedFile("more.png", png_bytes()))],
        witness=WitnessInput(name="Ola Witness", statement="Saw it"),
    )
    # Asking someone who keeps their identity from liaisons, the liaison is told not to ask
    # who they are, and the person is told the liaison reads their answers.
    page = _staff(liaison).get(f"/staff/cases/{report.case.reference}/").content.decode()
    assert f'id="ask-warning-{report.tracking_code}"' in page
    assert 'id="answers-warning"' in _signed_in(report, secret).get(YOUR_REPORT).content.decode()
    detail = api.get(base + "/").json()
    shown = detail["reports"][0]
    assert [m["body"] for m in shown["messages"]] == ["When?", "At noon."]
    assert shown["messages"][1]["reply_to"] == question_id
    assert [a["body"] for a in shown["additions"]] == ["One more thing."]
    addition_id = shown["additions"][0]["id"]
    added_file = next(e for e in shown["evidence"] if e["addition"] == addition_id)
    # The liaison may not see who the person is: the added file and witness stay unnamed.
    assert added_file["original_name"] is None
    added_witness = next(w for w in shown["witnesses"] if w["addition"] == addition_id)
    assert added_witness["name"] is None and added_witness["statement"] == "Saw it"
    history = api.get(base + "/history/").content.decode()
    assert "At noon." in history and "One more thing." in history
    assert "Ola Witness" not in history


def test_asking_needs_the_permission(no_role_user):
    report, _secret = _file()
    from cases.exceptions import CaseError

    with pytest.raises(CaseError) as refused:
        ask_reporter(case=report.case, report=report, author=no_role_user, body="When?")
    assert refused.value.code == "role_not_permitted"


# --- Query counts ---------------------------------------------------------------------------


def _queries(action) -> int:
    """The queries of one page, which must answer 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = action()
    assert response.status_code == 200
    return len(queries.captured_queries)


def _converse(report: Report, author, times: int) -> None:
    for number in range(times):
        question = ask_reporter(case=report.case, report=report, author=author, body=f"Q{number}")
        follow_up.answer_question(report=report, question_id=question.pk, body=f"A{number}")
        follow_up.add_to_report(
            report=report,
            body=f"More {number}",
            evidence=[EvidenceInput(file=SimpleUploadedFile(f"{number}.png", png_bytes()))],
            witness=WitnessInput(name=f"Witness {number}"),
        )


def test_case_page_api_and_reporter_page_run_the_same_queries_for_1_and_4_exchanges(legal):
    # Both reports are filed before either is measured: each case is then the other's
    # suggested duplicate on the case page, the same for both.
    filed = {}
    for times in (1, 4):
        report, secret = _file()
        _converse(report, legal, times)
        filed[times] = report, secret

    def counts(times: int) -> tuple[int, ...]:
        report, secret = filed[times]
        staff = _staff(legal)
        api = APIClient()
        api.force_authenticate(legal)
        reporter = _signed_in(report, secret)
        return (
            _queries(lambda: staff.get(f"/staff/cases/{report.case.reference}/")),
            _queries(lambda: api.get(f"/api/v1/cases/{report.case.reference}/")),
            _queries(lambda: api.get(f"/api/v1/cases/{report.case.reference}/history/")),
            _queries(lambda: reporter.get(YOUR_REPORT)),
            _queries(lambda: reporter.get(ADD)),
        )

    assert counts(1) == counts(4)
