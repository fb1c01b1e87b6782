"""Staff see the browsers signed in to their account and sign out the ones they do not want."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessKind, AccessLogEntry
from cases.models import StaffSession
from cases.staff_sessions import describe_user_agent

pytestmark = pytest.mark.django_db

PAGE = "/staff/account/sessions/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(user, user_agent: str = FIREFOX, address: str = "203.0.113.5") -> Client:
    """A client signed in through the sign-in form's signal, with a user agent and address."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    client.force_login(user)
    row = StaffSession.objects.get(session_key=client.session.session_key)
    # force_login builds its own request; give the row what a real sign-in would have.
    StaffSession.objects.filter(pk=row.pk).update(user_agent=user_agent, address=address)
    return client


def _signed_in(client: Client) -> bool:
    return client.get(reverse("cases:queue")).status_code == 200


def _row(client: Client) -> StaffSession:
    return StaffSession.objects.get(session_key=client.session.session_key)


def test_signing_in_records_the_session_and_signing_out_forgets_it(liaison):
    client = Client(HTTP_USER_AGENT=FIREFOX)
    client.post(
        reverse("cases:login"),
        {"username": "liaison", "password": "correct horse battery staple"},
        REMOTE_ADDR="198.51.100.3",
    )
    row = _row(client)
    assert row.user == liaison
    assert str(row.address) == "198.51.100.3"
    assert "Firefox" in row.user_agent
    client.post(reverse("cases:logout"))
    assert not StaffSession.objects.filter(pk=row.pk).exists()


def test_the_list_shows_both_sessions_and_marks_this_one(liaison):
    here = _browser(liaison, FIREFOX, "203.0.113.5")
    there = _browser(liaison, SAFARI_IPHONE, "198.51.100.77")
    response = here.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('id="session-') == 2
    assert "Firefox on Windows" in html
    assert "Safari on iPhone" in html
    assert "198.51.100.77" in html
    this_row = html[html.index(f'id="session-{_row(here).pk}"') :]
    assert 'id="this-browser"' in this_row[: this_row.index("</tr>")]
    assert f'id="end-session-{_row(there).pk}"' in html
    assert f'id="end-session-{_row(here).pk}"' not in html


def test_the_list_leaves_out_other_accounts_and_expired_sessions(liaison, other_liaison):
    here = _browser(liaison)
    stale = _browser(liaison)
    stale_row = _row(stale)
    Session.objects.filter(session_key=stale_row.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    colleague = _browser(other_liaison)
    html = here.get(PAGE).content.decode()
    assert f'id="session-{stale_row.pk}"' not in html
    assert f'id="session-{_row(colleague).pk}"' not in html
    assert html.count('id="session-') == 1
    assert not StaffSession.objects.filter(pk=stale_row.pk).exists()


def test_ending_another_session_signs_that_browser_out(liaison):
    here, there = _browser(liaison), _browser(liaison)
    there_row = _row(there)
    assert _signed_in(there)

    response = here.post(reverse("cases:end-session", args=[there_row.pk]))

    assert response.status_code == 302
    assert not _signed_in(there)
    assert not Session.objects.filter(session_key=there_row.session_key).exists()
    assert not StaffSession.objects.filter(pk=there_row.pk).exists()
    assert _signed_in(here)
    entry = AccessLogEntry.objects.get(kind=AccessKind.SESSION_ENDED)
    assert (entry.user, entry.object_id) == (liaison, str(there_row.pk))


def test_everywhere_else_ends_all_but_this_session(liaison, other_liaison):
    here = _browser(liaison)
    others = [_browser(liaison) for _ in range(3)]
    colleague = _browser(other_liaison)

    here.post(reverse("cases:end-other-sessions"))

    assert _signed_in(here)
    assert not any(_signed_in(other) for other in others)
    assert _signed_in(colleague)
    assert StaffSession.objects.filter(user=liaison).count() == 1
    assert AccessLogEntry.objects.filter(kind=AccessKind.SESSION_ENDED).count() == 3
    assert "No other browser" in here.get(PAGE).content.decode()


def test_one_cannot_end_another_users_session(liaison, other_liaison):
    here = _browser(liaison)
    colleague = _browser(other_liaison)
    response = here.post(reverse("cases:end-session", args=[_row(colleague).pk]))
    assert response.status_code == 404
    assert _signed_in(colleague)
    assert not AccessLogEntry.objects.filter(kind=AccessKind.SESSION_ENDED).exists()


def test_ending_this_session_from_the_list_is_refused(liaison):
    here = _browser(liaison)
    assert here.post(reverse("cases:end-session", args=[_row(here).pk])).status_code == 404
    assert _signed_in(here)


def test_ending_a_session_needs_a_post(liaison):
    here, there = _browser(liaison), _browser(liaison)
    assert here.get(reverse("cases:end-session", args=[_row(there).pk])).status_code == 405
    assert _signed_in(there)


def test_the_sessions_page_needs_a_signed_in_account(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:login"))


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (FIREFOX, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5.0", "Another program"),
        ("", "Unknown browser"),
    ],
)
def test_the_user_agent_is_summed_up_in_a_few_words(user_agent, summary):
    assert describe_user_agent(user_agent) == summary


def test_ordinary_pages_never_read_or_write_the_sessions_table(client, legal):
    """The list is kept at sign-in and sign-out only: the queue, a case page and the API run
    the queries they ran before (tests/cases/test_query_counts.py counts them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intake.models import Report
    from intake.services import submit_report
    from tests.factories import ReportSubmissionFactory

    case = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    client.force_login(legal)
    pages = ["/staff/cases/", f"/staff/cases/{case.report.case.reference}/", "/api/v1/cases/"]
    with CaptureQueriesContext(connection) as queries:
        for page in pages:
            assert client.get(page).status_code == 200
    assert not [q for q in queries.captured_queries if "staffsession" in q["sql"]]


def test_rows_of_sessions_that_ended_without_a_sign_out_are_dropped_daily(liaison):
    from cases.tasks import forget_ended_staff_sessions

    live, expired, cleared = _browser(liaison), _browser(liaison), _browser(liaison)
    Session.objects.filter(session_key=_row(expired).session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    Session.objects.filter(session_key=_row(cleared).session_key).delete()
    forget_ended_staff_sessions()
    assert list(StaffSession.objects.values_list("session_key", flat=True)) == [
        live.session.session_key
    ]


def test_signing_in_again_in_the_same_browser_keeps_one_row(liaison):
    client = _browser(liaison)
    client.force_login(liaison)
    assert StaffSession.objects.filter(user=liaison).count() == 1
    assert _row(client).user == liaison
