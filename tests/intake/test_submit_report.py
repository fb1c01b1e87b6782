from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.encounter_codes import refresh_encounter_codes
from cases.models import Case
from cases.search import refresh_search_text
from intake.inputs import ComplainantInput, EvidenceInput
from intake.models import Complainant, Encounter, Report, Witness
from intake.services import submit_report
from intake.tracking import secret_matches
from plumbing.keys import store
from tests.factories import (
    EncounterInputFactory,
    ReportSubmissionFactory,
    WitnessInputFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def test_submit_report_opens_a_case_with_priority_from_the_worst_kind():
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(kind_codes=("questioned-status", "shots-fired"))
    )
    receipt = submit_report(submission=submission, channel=Report.Channel.WEB)
    case = receipt.report.case
    assert case.status == Case.Status.NEW
    assert case.priority == Case.Priority.URGENT
    assert case.reference.startswith(f"RD-{timezone.now().year}-")
    assert set(receipt.report.encounter.kinds.values_list("code", flat=True)) == {
        "questioned-status",
        "shots-fired",
    }


def test_submit_report_stores_only_a_hash_of_the_secret():
    receipt = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    stored = Report.objects.get(pk=receipt.report.pk).secret_hash
    assert receipt.secret not in stored
    assert secret_matches(receipt.secret, stored)
    assert not secret_matches("WRONG-SECRET-0000-0000", stored)


def test_submit_report_records_history_with_the_channel_reason(liaison):
    submission = ReportSubmissionFactory(witnesses=(WitnessInputFactory(), WitnessInputFactory()))
    receipt = submit_report(submission=submission, channel=Report.Channel.WEB)
    report = receipt.report
    for history in (
        report.case.history.get(),
        report.history.get(),
        report.encounter.history.get(),
        *(w.history.get() for w in report.witnesses.all()),
        *(c.history.get() for c in report.complainants.all()),
    ):
        assert history.history_type == "+"
        assert history.history_change_reason == "submitted via web form"


def test_submit_report_by_staff_records_the_staff_member_in_history(liaison):
    receipt = submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.STAFF, actor=liaison
    )
    history = receipt.report.history.get()
    assert history.history_user == liaison
    assert history.history_change_reason == "entered by staff"
    assert receipt.report.case.history.get().history_user == liaison


def test_unknown_encounter_kind_is_refused_and_nothing_is_written():
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(kind_codes=("boxed-in", "teleported"))
    )
    with pytest.raises(ValidationError) as caught:
        submit_report(submission=submission, channel=Report.Channel.WEB)
    assert "encounter.kinds" in caught.value.message_dict
    assert "teleported" in str(caught.value)
    assert Case.objects.count() == Report.objects.count() == Encounter.objects.count() == 0


def test_future_encounter_date_is_refused():
    submission = ReportSubmissionFactory(
        encounter=EncounterInputFactory(occurred_at=timezone.now() + timedelta(days=1))
    )
    with pytest.raises(ValidationError) as caught:
        submit_report(submission=submission, channel=Report.Channel.WEB)
    assert "encounter.occurred_at" in caught.value.message_dict


def test_invalid_witness_field_rolls_back_the_whole_report():
    submission = ReportSubmissionFactory(
        witnesses=(WitnessInputFactory(), WitnessInputFactory(name="x" * 500))
    )
    with pytest.raises(ValidationError) as caught:
        submit_report(submission=submission, channel=Report.Channel.WEB)
    assert "witnesses.1.name" in caught.value.message_dict
    assert Case.objects.count() == 0
    assert Report.objects.count() == Witness.objects.count() == Complainant.objects.count() == 0


def test_anonymous_complainant_with_a_name_is_refused():
    submission = ReportSubmissionFactory(
        complainants=(ComplainantInput(role="affected", is_anonymous=True, name="Ana"),)
    )
    with pytest.raises(ValidationError) as caught:
        submit_report(submission=submission, channel=Report.Channel.WEB)
    assert "complainants.0" in caught.value.message_dict
    assert Report.objects.count() == 0


def test_public_report_cannot_be_attached_to_an_existing_case():
    first = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    with pytest.raises(ValidationError):
        submit_report(
            submission=ReportSubmissionFactory(),
            channel=Report.Channel.WEB,
            case=first.report.case,
        )


def test_press_report_added_to_a_case_raises_its_priority(legal):
    first = submit_report(
        submission=ReportSubmissionFactory(
            encounter=EncounterInputFactory(kind_codes=("questioned-status",))
        ),
        channel=Report.Channel.STAFF,
        actor=legal,
    )
    case = first.report.case
    assert case.priority == Case.Priority.LOW
    submit_report(
        submission=ReportSubmissionFactory(
            encounter=EncounterInputFactory(kind_codes=("injury",))
        ),
        channel=Report.Channel.STAFF,
        actor=legal,
        case=case,
    )
    case.refresh_from_db()
    assert case.priority == Case.Priority.URGENT
    latest = case.history.first()
    assert latest.history_user == legal
    assert latest.history_change_reason.startswith("Report RD-")


def test_case_references_are_sequential_within_a_year():
    refs = [
        submit_report(submission=ReportSubmissionFactory(), channel="web").report.case.reference
        for _ in range(3)
    ]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_history_tables_index_the_ids_timelines_read_and_not_the_live_tables_lookups():
    from cases.models import Case, CaseNote
    from intake.models import Complainant, Encounter, Evidence, Report, ReportFact, Witness

    def indexed(model, name):
        return model.history.model._meta.get_field(name).db_index

    for model in (Case, Report, Encounter, Complainant, Witness, ReportFact, Evidence):
        assert indexed(model, "id"), model
    assert indexed(CaseNote, "case") and indexed(Evidence, "report")
    unread = {Case: ["reference", "assignee", "merged_into"],
              Report: ["case", "tracking_code", "submitted_at", "submitted_by"],
              Encounter: ["report", "occurred_at", "city"],
              Complainant: ["report"], Witness: ["report"], ReportFact: ["report"]}
    for model, names in unread.items():
        assert not any(indexed(model, name) for name in [*names, "history_date"]), model


def test_every_report_gets_a_data_key_of_its_own_in_the_key_store():
    first = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    second = submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    keys = set(Report.objects.values_list("data_key", flat=True))
    assert keys == {first.report.data_key, second.report.data_key}
    assert None not in keys and len(keys) == 2
    assert store.existing_keys(keys) == keys


def test_a_report_whose_keys_could_not_be_stored_is_not_written(monkeypatch):
    """The data keys are written to the key store while the transaction runs; it commits only
    once they are there, so nothing is ever saved sealed with a key that was lost."""

    def disk_full(keys):
        raise OSError("No space left on device")

    monkeypatch.setattr(store, "_write_keys", disk_full)
    with pytest.raises(OSError, match="No space"):
        submit_report(submission=ReportSubmissionFactory(), channel=Report.Channel.WEB)
    assert not Report.objects.exists()
    assert not Case.objects.exists()


@pytest.mark.parametrize("shared", [False, True])
def test_a_new_case_is_written_with_the_search_text_and_codes_a_refresh_gives(shared):
    """The case is opened with its first report's search text and codes, made before the
    report's rows are written: the same as reading those rows back."""
    upload = SimpleUploadedFile("Ana-at-home.png", png_bytes(), content_type="image/png")
    submission = ReportSubmissionFactory(
        consent_to_share_with_liaison=shared,
        witnesses=(WitnessInputFactory(name="Bo Neighbour", contact="612 555 0101"),),
        evidence=(EvidenceInput(file=upload, description="Agents at the car"),),
    )
    report = submit_report(submission=submission, channel=Report.Channel.WEB).report
    case = Case.objects.get(pk=report.case_id)
    written = (case.search_text, case.kind_codes, case.agency_codes)
    assert all(written)
    refresh_search_text([case.pk])
    refresh_encounter_codes([case.pk])
    case.refresh_from_db()
    assert (case.search_text, case.kind_codes, case.agency_codes) == written
