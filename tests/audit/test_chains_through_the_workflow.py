"""Chains stay whole through everything the application writes."""

import pytest

from cases.models import Case
from cases.services import (
    add_note,
    ask_reporter,
    assign_case,
    merge_cases,
    record_evidence_download,
    transition_case,
)
from cases.synthetic import generate_synthetic_cases
from intake.follow_up import add_to_report, answer_question
from intake.models import Evidence, Report
from intake.services import submit_report
from plumbing.audit.verify import verify_all
from tests.factories import EncounterInputFactory, ReportSubmissionFactory, report_with_evidence

pytestmark = pytest.mark.django_db


def _case() -> Case:
    submission = ReportSubmissionFactory(encounter=EncounterInputFactory(kind_codes=["boxed-in"]))
    return submit_report(submission=submission, channel=Report.Channel.WEB).report.case


def test_chains_stay_valid_through_the_case_workflow(legal, liaison, other_liaison):
    report = report_with_evidence(consent_to_share_with_liaison=True)
    case = report.case
    case = transition_case(
        case=case, to="triaged", actor=liaison, reason="Read", expected_version=None
    )
    case = assign_case(case=case, assignee=other_liaison, actor=liaison, expected_version=None)
    add_note(case=case, author=legal, body="Legal looked.", visibility="legal")
    evidence = Evidence.objects.get(report=report)
    record_evidence_download(evidence=evidence, actor=legal)
    record_evidence_download(evidence=evidence, actor=legal, original=True)
    question = ask_reporter(case=case, report=report, author=liaison, body="Which street?")
    answer_question(report=report, question_id=question.pk, body="Zane Avenue.")
    add_to_report(report=report, body="One more thing: they had no badges.")
    duplicate = _case()
    merge_cases(
        survivor=case,
        duplicates=[duplicate],
        actor=liaison,
        reason="Same stop",
        expected_version=None,
    )
    case.refresh_from_db()
    transition_case(
        case=case, to="investigating", actor=liaison, reason="On it", expected_version=None
    )

    assert list(verify_all()) == []
    seqs = list(
        Case.history.model.objects.filter(id=case.pk)
        .order_by("chain_seq")
        .values_list("chain_seq", flat=True)
    )
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 4
    assert Evidence.history.model.objects.filter(id=evidence.pk).count() == 3


def test_synthetic_cases_are_chained(liaison):
    generate_synthetic_cases(count=30, seed=3, chunk_size=10)
    assert list(verify_all()) == []
    assert not Case.history.model.objects.filter(chain_hash="").exists()
