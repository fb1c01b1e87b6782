"""Signing in to a report with its tracking code and secret: a short session, no account.

What the session holds is the report's id and two times. It ends after
REPORTER_SESSION_IDLE_MINUTES without a page, or REPORTER_SESSION_MAX_MINUTES after signing in,
whichever comes first, and when the person signs out: on a shared phone the next person to pick
it up finds nothing open. Signing in gives the session a new key, so a session id planted
before cannot ride on it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from intake.models import Report

SESSION_KEY = "intake_reporter"


def sign_in(session: SessionBase, report: Report) -> None:
    session.cycle_key()
    now = timezone.now().isoformat()
    session[SESSION_KEY] = {"report": report.pk, "since": now, "seen": now}


def sign_out(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)
    session.cycle_key()


def signed_in_report(session: SessionBase) -> Report | None:
    """The report this session is signed in to, or None (never signed in, or timed out: the
    session then forgets it)."""
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict):
        return None
    try:
        since = datetime.fromisoformat(held["since"])
        seen = datetime.fromisoformat(held["seen"])
        report_id = int(held["report"])
    except (KeyError, TypeError, ValueError):
        session.pop(SESSION_KEY, None)
        return None
    now = timezone.now()
    idle = timedelta(minutes=settings.REPORTER_SESSION_IDLE_MINUTES)
    longest = timedelta(minutes=settings.REPORTER_SESSION_MAX_MINUTES)
    if now - seen > idle or now - since > longest:
        session.pop(SESSION_KEY, None)
        return None
    report = Report.objects.select_related("case").filter(pk=report_id).first()
    if report is None:
        session.pop(SESSION_KEY, None)
        return None
    session[SESSION_KEY] = {**held, "seen": now.isoformat()}
    return report
