"""The database refuses what the services would never write, even when asked directly."""

import pytest
from django.db import IntegrityError, transaction

from cases.models import Case, CaseNote
from intake.models import Complainant, Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report() -> Report:
    return submit_report(submission=ReportSubmissionFactory(), channel="web").report


def _refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_duplicate_case_reference_is_refused(report):
    _refused(lambda: Case.objects.create(reference=report.case.reference, title="copy"))


def test_duplicate_tracking_code_is_refused(report):
    _refused(lambda: Report.objects.create(case=report.case, tracking_code=report.tracking_code,
                                           channel="web", narrative="again"))


def test_closed_case_without_a_reason_is_refused(report):
    _refused(lambda: Case.objects.filter(pk=report.case.pk).update(status="closed"))


def test_priority_override_without_a_reason_is_refused(report):
    _refused(lambda: Case.objects.filter(pk=report.case.pk).update(priority=1,
                                                                   computed_priority=3))


def test_press_report_without_a_source_is_refused(report):
    _refused(lambda: Report.objects.create(case=report.case, tracking_code="RD-TEST-0001",
                                           channel="press", narrative="x"))


def test_anonymous_complainant_with_a_name_is_refused(report):
    _refused(lambda: Complainant.objects.create(report=report, role="affected",
                                                is_anonymous=True, name="Named"))


def test_empty_note_is_refused(report, liaison):
    _refused(lambda: CaseNote.objects.create(case=report.case, author=liaison, body=""))


def test_merged_case_must_be_closed_as_duplicate(report):
    other = submit_report(submission=ReportSubmissionFactory(), channel="web").report.case
    _refused(lambda: Case.objects.filter(pk=other.pk).update(merged_into=report.case))


def test_case_cannot_be_merged_into_itself(report):
    case = report.case
    _refused(lambda: Case.objects.filter(pk=case.pk).update(
        merged_into=case, status="closed", close_reason="duplicate"))


def test_model_validation_explains_a_missing_close_reason(report):
    from django.core.exceptions import ValidationError

    case = report.case
    case.status = "closed"
    with pytest.raises(ValidationError, match=r"A closed case needs a reason\."):
        case.full_clean()
