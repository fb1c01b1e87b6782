"""Read-only questions about reports, asked by the public form and the public API."""

from dataclasses import dataclass
from datetime import datetime

from intake import tracking
from intake.models import Report


@dataclass(frozen=True)
class ReportStatus:
    """What a person may learn about their report: where its case is, and since when. Nothing
    personal, no case reference, no staff names."""

    tracking_code: str
    status: str
    status_label: str
    last_update: datetime


def report_status(*, tracking_code: str, secret: str) -> ReportStatus | None:
    """The status of the report with this tracking code, if `secret` is its status secret
    (see `report_for_secret`)."""
    report = report_for_secret(tracking_code=tracking_code, secret=secret)
    if report is None:
        return None
    return status_of(report)


def status_of(report: Report) -> ReportStatus:
    """What the person who filed `report` may learn of where its case is."""
    case = report.case
    return ReportStatus(
        tracking_code=report.tracking_code,
        status=case.status,
        status_label=str(case.get_status_display()),
        last_update=case.status_changed_at,
    )


def report_for_secret(*, tracking_code: str, secret: str) -> Report | None:
    """The report with this tracking code, if `secret` is its status secret.

    Returns None alike for an unknown code, a wrong secret and a report that has no secret (a
    press report), so an answer never tells whether a code exists. The secret is hashed and
    compared in constant time even when the code is unknown, so the time taken does not tell
    either. Callers must rate-limit guessing.
    """
    code = tracking.normalise_tracking_code(tracking_code or "")
    report = (
        Report.objects.select_related("case")
        .only(
            "tracking_code", "secret_hash", "language", "case__status", "case__status_changed_at"
        )
        .filter(tracking_code=code)
        .first()
    )
    stored = report.secret_hash if report is not None else ""
    matches = tracking.secret_matches(secret or "", stored)
    if report is None or not matches:
        return None
    return report
