"""Case file PDFs: what the full and the redacted file hold, what the renderer refuses to
fetch, page counts, and the loader's query count."""

import gc
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader
from weasyprint import HTML

from cases.conflicts import case_conflicts
from cases.models import Case
from cases.services import add_note, assign_case
from intake.models import EncounterKind, Report
from intake.services import submit_report
from reports.case_file import load_case_file
from reports.models import Document
from reports.rendering import (
    INTERNAL_BASE_URL,
    LocalOnlyFetcher,
    ResourceRefused,
    html_to_pdf,
    render_case_file,
)
from tests.factories import ReportSubmissionFactory, WitnessInputFactory
from tests.reports.test_redaction import PERSONAL, named_case

pytestmark = pytest.mark.django_db

# Our file names for the seed articles: never printed, the citations are.
SEED_FILES = [
    "000_f79b33a27991bac7",
    "001_b2fa28ae29f995a5",
    "002_7128cad8904362e3",
    "003_dee4fc953622843a",
    "004_89ea6e2145fe0dff",
]
SEED_CITATIONS = [
    "Audacy",
    "The Independent",
    "Twin Cities Chiefs Say TO ICE",
    "Urgent: ICE Agents Draw Guns on Off-Duty Officer",
    "No publication date given in the article",
    "No URL given",
]


def _cites_the_seed_articles(text: str) -> None:
    for citation in SEED_CITATIONS:
        assert citation in text
    for name in SEED_FILES:
        assert name not in text


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of white space made one space (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def squeezed(text: str) -> str:
    """Without any white space: a 64-digit hash may wrap inside a table cell."""
    return re.sub(r"\s+", "", text)


def render(case, user, kind):
    document = Document.objects.create(kind=kind, case=case, requested_by=user)
    return render_case_file(document=document)


@pytest.fixture
def seed_officer_case(db):
    call_command("load_seed_cases")
    return Case.objects.get(reports__external_id="seed:off-duty-officer-boxed-in:000")


def test_full_file_of_the_seed_case_shows_sources_conflicts_kinds_and_timeline(
    seed_officer_case, legal
):
    result = render(seed_officer_case, legal, Document.Kind.CASE_FILE)
    text = pdf_text(result.pdf)
    assert seed_officer_case.reference in text
    assert "Confidential" in text
    assert "Redacted" not in text
    _cites_the_seed_articles(text)
    for value in ("Mark Rooley", "Mark Bruley", "January 21, 2023"):
        assert value in text
    labels = set(
        EncounterKind.objects.filter(encounters__report__case=seed_officer_case)
        .values_list("label", flat=True)
    )
    assert len(labels) >= 5
    for label in labels:
        assert label in text
    assert "Why: loaded from the seed articles" in text
    assert f"Page 1 of {result.pages}" in text
    assert f"Page {result.pages} of {result.pages}" in text


def test_the_case_file_lists_where_the_sources_of_the_case_disagree(seed_officer_case, legal):
    def shown(conflicts, sources):
        return [
            (c.label, [(v.value, len(sources(v))) for v in c.versions]) for c in conflicts
        ]

    expected = shown(case_conflicts(seed_officer_case), lambda version: version.reports)
    assert expected
    data = load_case_file(case=seed_officer_case, reader=legal, redacted=False)
    assert shown(data.conflicts, lambda version: version.sources) == expected
    disputed = {fact.label for report in data.reports for fact in report.facts if fact.disputed}
    assert disputed == {label for label, _ in expected}


def test_seed_case_files_have_several_pages_counted_as_the_pdf_does(seed_officer_case, legal):
    for kind in (Document.Kind.CASE_FILE, Document.Kind.REDACTED_CASE_FILE):
        result = render(seed_officer_case, legal, kind)
        assert result.pdf.startswith(b"%PDF-")
        assert result.pages > 1
        assert result.pages == len(PdfReader(io.BytesIO(result.pdf)).pages)


def test_redacted_seed_file_names_no_private_person_but_keeps_public_statements(
    seed_officer_case, legal
):
    text = pdf_text(render(seed_officer_case, legal, Document.Kind.REDACTED_CASE_FILE).pdf)
    assert "Redacted" in text and "Confidential" in text
    # The officer is a private person: what she does for a living identifies her.
    assert "police officer (off duty)" not in text
    # The chief spoke at a news conference: public record, in both spellings the sources use,
    # so the conflict table still says what the sources disagree on.
    for name in ("Bruley", "Rooley"):
        assert name in text
    _cites_the_seed_articles(text)
    assert "Weapons drawn" in text


def test_full_file_names_the_complainant_and_lists_every_evidence_hash(legal):
    case = named_case(legal)
    text = pdf_text(render(case, legal, Document.Kind.CASE_FILE).pdf)
    hashes = list(
        Report.objects.get(case=case).evidence.values_list("sha256", flat=True)
    )
    assert len(hashes) == 2
    assert "Ana Lucía Restrepo" in text
    assert "ana.restrepo@example.org" in text
    assert "Tomasz Wierzbicki" in text
    assert "4127 Xerxes Ave N" in text
    for digest in hashes:
        assert digest in squeezed(text)


def test_redacted_file_removes_names_contacts_and_address_but_keeps_hashes_and_kinds(legal):
    case = named_case(legal)
    text = pdf_text(render(case, legal, Document.Kind.REDACTED_CASE_FILE).pdf)
    for value in PERSONAL:
        assert value.casefold() not in text.casefold(), value
    assert "[withheld]" in text
    for digest in Report.objects.get(case=case).evidence.values_list("sha256", flat=True):
        assert digest in squeezed(text)
    for label in ("Boxed in by vehicles", "Weapons drawn"):
        assert label in text
    assert "Minneapolis" in text


HOSTILE = (
    'Before <img src="file:///etc/passwd"> and <img src="http://127.0.0.1:9/x.png"> after '
    '<link rel="stylesheet" href="file:///etc/passwd"> <style>@import "http://127.0.0.1:9/";'
    "</style>"
)


def test_markup_in_a_narrative_renders_as_text_and_is_never_fetched(legal, monkeypatch):
    asked: list[str] = []
    fetch = LocalOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(LocalOnlyFetcher, "fetch", spy)
    case = submit_report(
        submission=ReportSubmissionFactory(narrative=HOSTILE), channel=Report.Channel.WEB
    ).report.case
    result = render(case, legal, Document.Kind.CASE_FILE)
    text = pdf_text(result.pdf)
    assert '<img src="file:///etc/passwd">' in text
    assert '<img src="http://127.0.0.1:9/x.png">' in text
    assert "root:x:0:0" not in text
    assert b"root:x:0:0" not in result.pdf
    # The only thing the renderer asked for is our own stylesheet.
    assert asked == [f"{INTERNAL_BASE_URL}static/reports/pdf.css"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.png",
        "ftp://example.org/x.png",
        "https://rights-desk.invalid/etc/passwd",
        "https://rights-desk.invalid/static/../../../etc/passwd",
        "https://rights-desk.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://rights-desk.invalid/static/reports/no-such-file.css",
        "http://rights-desk.invalid/static/reports/pdf.css",
        "https://rights-desk.invalid.example.org/static/reports/pdf.css",
        "https://rights-desk.invalid/static/reports/pdf.css?x=/etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_static_files_and_data_urls(url):
    with pytest.raises(ResourceRefused):
        LocalOnlyFetcher().fetch(url)


def test_fetcher_serves_our_static_files_and_data_urls():
    fetcher = LocalOnlyFetcher()
    css = fetcher.fetch(f"{INTERNAL_BASE_URL}static/reports/pdf.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    assert fetcher.fetch("data:,plain%20text").read() == b"plain text"


def test_a_refused_image_is_left_out_and_the_rest_renders():
    result = html_to_pdf(
        '<p>Kept</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
    )
    assert "Kept" in pdf_text(result.pdf)
    assert b"root:x:0:0" not in result.pdf


def test_html_to_pdf_counts_pages_as_the_pdf_does():
    html = "".join(f'<p style="break-after: page">Page {n}</p>' for n in range(3))
    result = html_to_pdf(html)
    assert result.pages == len(PdfReader(io.BytesIO(result.pdf)).pages) == 3


def test_html_to_pdf_turns_the_garbage_collector_back_on_even_when_a_render_fails(monkeypatch):
    assert gc.isenabled()
    seen: list[bool] = []
    render = HTML.render

    def spy(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return render(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", spy)
    html_to_pdf("<p>Paused while rendering</p>")
    assert seen == [False]
    assert gc.isenabled()

    def broken(self, *args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(HTML, "render", broken)
    with pytest.raises(RuntimeError):
        html_to_pdf("<p>Never rendered</p>")
    assert gc.isenabled()


def test_html_to_pdf_leaves_a_collector_that_was_off_off():
    gc.disable()
    try:
        html_to_pdf("<p>Hello</p>")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_timeline_prints_each_changed_field_with_its_before_and_after(legal):
    case = submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case
    assign_case(
        case=case, assignee=legal, actor=legal, reason="Taking this one", expected_version=None
    )
    text = pdf_text(render(case, legal, Document.Kind.CASE_FILE).pdf)
    assert f"Case {case.reference} created" in text
    assert "Status: — → New" in text
    assert "Why: Taking this one" in text
    assert f"Assignee: — → {legal.get_username()}" in text


def test_render_case_file_refuses_a_reader_whose_role_no_longer_allows_it(liaison, legal):
    case = submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case
    full_for_liaison = Document.objects.create(
        kind=Document.Kind.CASE_FILE, case=case, requested_by=liaison
    )
    with pytest.raises(PermissionDenied):
        render_case_file(document=full_for_liaison)
    redacted = Document.objects.create(
        kind=Document.Kind.REDACTED_CASE_FILE, case=case, requested_by=liaison
    )
    assert render_case_file(document=redacted).pages >= 1
    liaison.groups.clear()
    liaison = type(liaison).objects.get(pk=liaison.pk)  # permission caches emptied
    redacted.requested_by = liaison
    with pytest.raises(PermissionDenied):
        render_case_file(document=redacted)


def test_render_case_file_refuses_other_document_kinds(legal):
    with pytest.raises(ValueError, match="Not a case file"):
        render_case_file(document=Document(kind=Document.Kind.STATISTICS, requested_by=legal))


# --- Query count ------------------------------------------------------------------------------


def _loader_queries(user, case, *, redacted: bool) -> int:
    user = type(user).objects.get(pk=user.pk)  # as a worker would load it: empty caches
    with CaptureQueriesContext(connection) as ctx:
        load_case_file(case=case, reader=user, redacted=redacted)
    return len(ctx.captured_queries)


def _case_with(witnesses: int, changes: int, actor) -> Case:
    submission = ReportSubmissionFactory(
        witnesses=tuple(WitnessInputFactory() for _ in range(witnesses))
    )
    case = submit_report(submission=submission, channel=Report.Channel.WEB).report.case
    # One assignment even in the small case: with no assignee anywhere in its history the
    # timeline skips the query that names assignees.
    assign_case(case=case, assignee=actor, actor=actor, expected_version=None)
    for index in range(changes):
        add_note(case=case, author=actor, body=f"Note {index}")
    return case


@pytest.mark.parametrize("redacted", [False, True])
def test_loader_query_count_does_not_grow_with_history_or_witnesses(legal, liaison, redacted):
    small = _case_with(witnesses=1, changes=0, actor=legal)
    big = _case_with(witnesses=50, changes=50, actor=legal)
    for _ in range(5):
        assign_case(case=big, assignee=liaison, actor=legal, expected_version=None)
        assign_case(case=big, assignee=legal, actor=legal, expected_version=None)
    big_data = load_case_file(case=big, reader=legal, redacted=False)
    assert len(big_data.reports[0].witnesses) == 50
    assert len(big_data.timeline) > 50
    assert _loader_queries(legal, big, redacted=redacted) == _loader_queries(
        legal, small, redacted=redacted
    )
