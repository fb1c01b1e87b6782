"""The retention purge (reports/retention.py): a case past its retention and under no legal
hold loses its data keys first, then every row, history row and file, while the statistics keep
counting it; a held case survives whole; a crashed run is completed by the next one."""

import io
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accesslog.models import AccessKind, AccessLogEntry
from cases.legal_holds import lift_legal_hold, place_legal_hold
from cases.models import Case, CaseNote, LegalHold
from cases.retention import due_for_purge, purge_date, upcoming_purges
from cases.services import add_note, merge_cases, set_tags, transition_case
from intake.inputs import EvidenceInput
from intake.models import Complainant, Encounter, Evidence, Report, Witness
from intake.services import submit_report
from plumbing.keys import store
from plumbing.keys.sealing import seal, unseal
from reports import retention
from reports.models import Document, PurgedCase, PurgedTally
from reports.retention import destroy_orphan_keys, purge_expired_cases
from reports.retention_tasks import purge_expired_cases_task
from reports.statistics.figures import compute_figures
from reports.statistics.filters import StatisticsFilters
from reports.tallies import rebuild_tallies, recount
from tests.factories import (
    ReportSubmissionFactory,
    WitnessInputFactory,
    png_bytes,
    report_with_evidence,
)

pytestmark = pytest.mark.django_db

NAME_CONTEXT = b"intake.complainant.name"


@pytest.fixture(autouse=True)
def keystore(settings, tmp_path):
    """A key store of this test's own, so orphan keys of other tests are not in it."""
    settings.KEYSTORE_PATH = tmp_path / "data-keys.sqlite3"
    store.forget()
    yield settings.KEYSTORE_PATH
    store.forget()


def _closed_case(legal, *, reason=Case.CloseReason.SPAM, closed_days_ago=0, note="Checked"):
    """A case with one web report (complainant, witness, encounter, an evidence file), a note,
    a tag and a case file, closed `closed_days_ago` days ago for `reason`."""
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    submission = ReportSubmissionFactory(
        witnesses=(WitnessInputFactory(),),
        evidence=(EvidenceInput(file=upload, description="Agents at the car"),),
    )
    case = submit_report(submission=submission, channel="web").report.case
    add_note(case=case, author=legal, body=note)
    case = set_tags(case=case, names=["media-attention"], actor=legal,
                    expected_version=case.version)
    case = transition_case(case=case, to=Case.Status.CLOSED, actor=legal, reason="Not a report",
                           close_reason=Case.CloseReason.SPAM, expected_version=case.version)
    name = default_storage.save(f"documents/test/{uuid.uuid4().hex}.pdf", ContentFile(b"%PDF-1"))
    Document.objects.create(kind=Document.Kind.CASE_FILE, case=case, requested_by=legal,
                            status=Document.Status.READY, file=name, sha256="0" * 64)
    # The workflow closes a new case early only for spam and the like; a resolved one would
    # go the long way round, which is not what these tests are about.
    Case.objects.filter(pk=case.pk).update(
        status_changed_at=timezone.now() - timedelta(days=closed_days_ago), close_reason=reason
    )
    case.refresh_from_db()
    return case


def _rows_of(case):
    """Every live and history row of `case`, by table, and the names of its stored files."""
    reports = list(Report.objects.filter(case=case).values_list("pk", flat=True))
    rows = {
        "case": Case.objects.filter(pk=case.pk).count(),
        "case history": Case.history.filter(id=case.pk).count(),
        "reports": len(reports),
        "report history": Report.history.filter(id__in=reports).count(),
        "complainants": Complainant.objects.filter(report__in=reports).count(),
        "complainant history": Complainant.history.filter(report_id__in=reports).count(),
        "witnesses": Witness.objects.filter(report__in=reports).count(),
        "encounters": Encounter.objects.filter(report__in=reports).count(),
        "kind links": Encounter.kinds.through.objects.filter(
            encounter__report__in=reports
        ).count(),
        "evidence": Evidence.objects.filter(report__in=reports).count(),
        "evidence history": Evidence.history.filter(report_id__in=reports).count(),
        "notes": CaseNote.objects.filter(case=case).count(),
        "note history": CaseNote.history.filter(case_id=case.pk).count(),
        "tag links": Case.tags.through.objects.filter(case=case).count(),
        "documents": Document.objects.filter(case=case).count(),
        "document history": Document.history.filter(case_id=case.pk).count(),
    }
    files = [e.file.name for e in Evidence.objects.filter(report__in=reports)] + [
        d.file.name for d in Document.objects.filter(case=case)
    ]
    return rows, files


def _rows_pointing_at(model, pks):
    """Rows of any table, history tables and link tables included, whose foreign key names one
    of `pks` of `model`: table.column -> how many."""
    found = {}
    for other in apps.get_models(include_auto_created=True):
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                n = other._base_manager.filter(**{f"{field.attname}__in": pks}).count()
                if n:
                    found[f"{other._meta.db_table}.{field.column}"] = n
    return found


def _figures():
    return compute_figures(filters=StatisticsFilters())


def test_the_done_scenario_list_ahead_hold_one_purge_the_rest_statistics_still_count(
    legal, client
):
    # Spam is kept 90 days: closed 70 days ago, these are due in 20, inside the 30-day window.
    held = _closed_case(legal, closed_days_ago=70, note="Keep me")
    doomed = _closed_case(legal, closed_days_ago=70, note="Goes")
    later = _closed_case(legal, reason=Case.CloseReason.RESOLVED, closed_days_ago=365)
    still_open = report_with_evidence(consent_to_share_with_liaison=False).case

    listed = [row.case.reference for row in upcoming_purges()]
    assert listed == sorted([held.reference, doomed.reference])
    assert purge_date(doomed) == doomed.status_changed_at + timedelta(days=90)
    assert purge_date(later) is not None and purge_date(still_open) is None

    place_legal_hold(case=held, actor=legal, reason="Litigation: Doe v. County")
    assert [row.case.reference for row in upcoming_purges()] == [doomed.reference]
    held_rows, held_files = _rows_of(held)
    doomed_rows, doomed_files = _rows_of(doomed)
    doomed_reports = list(doomed.reports.values_list("pk", flat=True))
    doomed_evidence = list(
        Evidence.objects.filter(report__case=doomed).values_list("pk", flat=True)
    )
    assert _rows_pointing_at(Case, [doomed.pk])
    assert all(doomed_rows.values()), doomed_rows
    before = _figures()

    # Nothing is due yet today.
    assert purge_expired_cases().purged == []
    result = purge_expired_cases(at=timezone.now() + timedelta(days=21))

    assert result.purged == [doomed.reference]
    assert _rows_of(held) == (held_rows, held_files)
    assert all(default_storage.exists(name) for name in held_files)
    gone_rows, _files = _rows_of(doomed)
    assert set(gone_rows.values()) == {0}, gone_rows
    assert _rows_pointing_at(Case, [doomed.pk]) == {}
    assert _rows_pointing_at(Report, doomed_reports) == {}
    assert _rows_pointing_at(Evidence, doomed_evidence) == {}
    assert not any(default_storage.exists(name) for name in doomed_files)
    assert Case.objects.filter(pk__in=[later.pk, still_open.pk]).count() == 2

    tombstone = PurgedCase.objects.get()
    assert (tombstone.reference, tombstone.close_reason, tombstone.report_count) == (
        doomed.reference, "spam", 1
    )
    assert tombstone.closed_at == doomed.status_changed_at

    # The statistics still count the purged case and its report, before and after a recount.
    assert _figures() == before
    assert rebuild_tallies() == 0
    assert _figures() == before
    client.force_login(legal)
    answer = client.get("/api/v1/statistics/", {"fresh": "true"}).json()
    assert answer["totals"] == before["totals"] == {"reports": 4, "cases": 4}
    page = client.get("/staff/statistics/")
    assert page.status_code == 200


def test_the_purge_destroys_the_data_key_before_it_deletes_a_row(legal, monkeypatch):
    case = _closed_case(legal, closed_days_ago=91)
    report = case.reports.get()
    # A value sealed with the report's key, copied aside as a backup of the database would be.
    backup = seal(report.data_key, "Ana García", context=NAME_CONTEXT)
    assert unseal(report.data_key, backup, context=NAME_CONTEXT) == "Ana García"
    seen = {}
    delete_rows = retention._delete_rows

    def deleting(plan):
        seen["keys left"] = store.existing_keys([report.data_key])
        seen["report rows"] = Report.objects.filter(pk=report.pk).count()
        delete_rows(plan)

    monkeypatch.setattr(retention, "_delete_rows", deleting)
    result = purge_expired_cases()

    assert seen == {"keys left": set(), "report rows": 1}
    assert result.keys_destroyed == 2  # the report's and the case's
    assert store.existing_keys([report.data_key, case.data_key]) == set()
    with pytest.raises(store.KeyDestroyed):
        unseal(report.data_key, backup, context=NAME_CONTEXT)


def test_a_rerun_after_a_crash_between_key_destruction_and_row_deletion_completes_the_purge(
    legal, monkeypatch
):
    case = _closed_case(legal, closed_days_ago=91)
    report = case.reports.get()
    before = _figures()

    def crash(plan):
        raise RuntimeError("the machine lost power")

    monkeypatch.setattr(retention, "_delete_rows", crash)
    with pytest.raises(RuntimeError):
        purge_expired_cases()
    # The keys are gone; the rows, rolled back, are still there and still due.
    assert store.existing_keys([report.data_key]) == set()
    assert Report.objects.filter(pk=report.pk).exists()
    assert PurgedCase.objects.count() == 0 and PurgedTally.objects.count() == 0
    assert list(due_for_purge()) == [case]

    monkeypatch.undo()
    assert purge_expired_cases().purged == [case.reference]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Report.history.filter(id=report.pk).exists()
    assert PurgedCase.objects.get().reference == case.reference
    # Counted once, not twice.
    assert rebuild_tallies() == 0
    assert _figures() == before
    # And again: nothing left to do.
    assert purge_expired_cases().purged == []


def test_orphan_keys_are_destroyed_and_keys_a_row_refers_to_are_kept(legal):
    report = report_with_evidence(consent_to_share_with_liaison=False)
    orphan = store.create_key()
    # Younger than a day: it may belong to a write still in progress.
    assert destroy_orphan_keys() == 0
    assert store.existing_keys([orphan, report.data_key]) == {orphan, report.data_key}
    assert destroy_orphan_keys(older_than_hours=0) == 1
    assert store.existing_keys([orphan, report.data_key]) == {report.data_key}


def test_a_key_named_only_by_a_history_row_is_not_an_orphan(legal):
    report = report_with_evidence(consent_to_share_with_liaison=False)
    key = report.data_key
    Report.objects.filter(pk=report.pk).update(data_key=None)
    assert destroy_orphan_keys(older_than_hours=0) == 0
    assert store.existing_keys([key]) == {key}


def test_a_lifted_hold_no_longer_protects_and_goes_with_the_case(legal):
    case = _closed_case(legal, closed_days_ago=91)
    place_legal_hold(case=case, actor=legal, reason="Subpoena")
    assert purge_expired_cases().purged == []
    lift_legal_hold(case=case, actor=legal, reason="Subpoena withdrawn")
    assert purge_expired_cases().purged == [case.reference]
    assert not LegalHold.objects.exists() and not LegalHold.history.exists()


def test_merged_cases_go_with_the_case_they_were_merged_into_and_a_hold_on_one_holds_both(
    legal,
):
    survivor = _closed_case(legal, closed_days_ago=0)
    duplicate = report_with_evidence(consent_to_share_with_liaison=False).case
    survivor = transition_case(case=survivor, to=Case.Status.TRIAGED, actor=legal,
                               reason="Reopened to merge", expected_version=survivor.version)
    merge_cases(survivor=survivor, duplicates=[duplicate], actor=legal, reason="Same stop",
                expected_version=survivor.version)
    survivor.refresh_from_db()
    survivor = transition_case(case=survivor, to=Case.Status.CLOSED, actor=legal,
                               reason="Spam after all", close_reason=Case.CloseReason.SPAM,
                               expected_version=survivor.version)
    long_ago = timezone.now() - timedelta(days=400)
    Case.objects.filter(pk__in=[survivor.pk, duplicate.pk]).update(status_changed_at=long_ago)
    duplicate.refresh_from_db()
    # The duplicate holds no reports and has no date of its own.
    assert purge_date(duplicate) is None
    assert list(due_for_purge()) == [survivor]

    hold = place_legal_hold(case=duplicate, actor=legal, reason="Evidence in another matter")
    assert list(due_for_purge()) == []
    lift_legal_hold(case=duplicate, actor=legal, reason="Released")

    assert sorted(purge_expired_cases().purged) == sorted([survivor.reference,
                                                            duplicate.reference])
    assert not Case.objects.filter(pk__in=[survivor.pk, duplicate.pk]).exists()
    assert not LegalHold.history.filter(id=hold.pk).exists()
    tombstones = {t.reference: t for t in PurgedCase.objects.all()}
    assert tombstones[survivor.reference].report_count == 2
    assert tombstones[duplicate.reference].merged_into_reference == survivor.reference


def test_access_log_rows_about_a_purged_case_stay_and_the_pages_reading_them_work(
    legal, client
):
    case = _closed_case(legal, closed_days_ago=91)
    client.force_login(legal)
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    purge_expired_cases()
    assert AccessLogEntry.objects.filter(
        kind=AccessKind.CASE, case_reference=case.reference
    ).exists()
    page = client.get("/staff/access-log/", {"case": case.reference})
    assert page.status_code == 200 and case.reference in page.content.decode()
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 404


def test_the_daily_task_and_the_command_purge_what_is_due(legal):
    first = _closed_case(legal, closed_days_ago=91)
    assert purge_expired_cases_task() == 1
    second = _closed_case(legal, closed_days_ago=91)
    out = io.StringIO()
    call_command("purge_expired_cases", stdout=out)
    assert out.getvalue().startswith("1 cases purged")
    assert set(PurgedCase.objects.values_list("reference", flat=True)) == {
        first.reference, second.reference
    }


def test_the_retention_schedule_is_read_from_settings(legal, settings):
    case = _closed_case(legal, closed_days_ago=10)
    assert list(due_for_purge()) == []
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "spam": 7}
    assert list(due_for_purge()) == [case]
    assert purge_date(case) == case.status_changed_at + timedelta(days=7)


def test_purged_counts_are_kept_per_figure(legal):
    case = _closed_case(legal, closed_days_ago=91)
    expected = recount(case_ids=[case.pk])
    purge_expired_cases()
    kept = {(t.figure, t.month, t.key): t.count for t in PurgedTally.objects.all()}
    assert kept == {key: n for key, n in expected.items() if n}
    assert kept[("case", "", f"closed:{case.priority}")] == 1


def test_a_purge_on_postgresql_checks_every_foreign_key_at_commit(postgres, legal):
    case = _closed_case(legal, closed_days_ago=91)
    purge_expired_cases()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not Case.objects.filter(pk=case.pk).exists()
