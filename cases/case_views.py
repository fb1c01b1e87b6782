"""The case page under /staff/cases/<reference>/ and its actions: the workbench a case worker
triages from, with the case on the left and the actions beside it.

Views only translate. They parse a form, call a selector or a service, and render or redirect
(post/redirect/get). An action sent by htmx (the page's script) answers instead with the parts
of the page it changed, so the page updates in place; without the script every form is a plain
POST. Who may see what is decided in cases/access.py: a case the user may not see answers 404
exactly like a reference that does not exist.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accesslog.models import AccessKind
from accesslog.selectors import recent_case_views
from accesslog.services import record_access
from cases import evidence_downloads, services
from cases.access import (
    assignable_staff,
    can_be_asked,
    can_download_evidence,
    can_download_original_evidence,
)
from cases.conflicts import conflicts_among
from cases.duplicates import duplicate_suggestions
from cases.evidence_downloads import EvidenceNotFound, NoSharedCopyOfEvidence
from cases.exceptions import CaseError, StaleCaseError
from cases.forms import (
    AskReporterForm,
    AssignForm,
    DueDateForm,
    LegalHoldForm,
    MergeForm,
    NoteForm,
    PriorityForm,
    TagsForm,
    TransitionForm,
)
from cases.legal_holds import PERMISSION as HOLD_PERMISSION
from cases.legal_holds import hold_in_force, lift_legal_hold, place_legal_hold
from cases.models import Case
from cases.people import display_name
from cases.privacy import Projected, project_case
from cases.retention import purge_date
from cases.roles import role_of
from cases.selectors import (
    case_contents,
    case_detail,
    report_of_case,
)
from cases.timeline import case_timeline
from cases.workflow import allowed_targets
from intake.metadata import has_cleaner
from plumbing.form_errors import error_summary

# --- The case page -----------------------------------------------------------------------------

# The timeline shows this many of the latest changes; the rest are one click away.
TIMELINE_SHOWN = 8


@dataclass(frozen=True)
class Notice:
    """What an action sent by htmx answers with: its message, shown in the live region next to
    the form it came from (`slot`, the form's prefix)."""

    slot: str
    text: str


@dataclass
class FactRow:
    fact: Projected
    conflicting: bool


@dataclass
class EvidenceRow:
    file: Projected
    may_download: bool
    # Legal staff may also download the file as received, with its location data.
    may_download_original: bool = False
    # Whether a copy without the data inside the file can be made of its type (intake/metadata).
    has_shared_copy: bool = True


@dataclass
class ReportView:
    """One report as the reader may see it: every record is a `Projected` one."""

    report: Projected
    show_identity: bool
    encounter: Projected | None
    witnesses: list[Projected] = field(default_factory=list)
    facts: list[FactRow] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)
    # What the person who filed added later, and the questions and answers exchanged with them.
    additions: list[Projected] = field(default_factory=list)
    messages: list[Projected] = field(default_factory=list)
    # The form to ask them a question, where they can be asked and the reader may ask.
    ask_form: AskReporterForm | None = None


def _sent_by_htmx(request: HttpRequest) -> bool:
    """Whether the page's script sent the request (django-htmx's middleware reads the header)."""
    return bool(getattr(request, "htmx", False))


def _duplicates_asked(request: HttpRequest) -> bool:
    """The link shown in place of the suggestions without the script asks for them this way."""
    return request.GET.get("duplicates") == "show"


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    case = case_detail(user=request.user, reference=reference)
    if case is None:
        raise Http404(_("No such case."))
    return case


def _action_forms(request: HttpRequest, case: Case) -> dict[str, forms.Form]:
    """The page's forms, each carrying the version of the case the page shows."""
    user = request.user
    workers = list(assignable_staff()) if user.has_perm("cases.assign_case") else []
    seen = {"version": case.version}
    return {
        "transition": TransitionForm(
            targets=allowed_targets(case.status, role_of(user)), initial=seen
        ),
        "assign": AssignForm(
            workers=workers, initial={**seen, "assignee": str(case.assignee_id or "")}
        ),
        "priority": PriorityForm(initial={**seen, "priority": case.priority}),
        "due": DueDateForm(initial={**seen, "due_date": case.due_date}),
        "tags": TagsForm(initial={**seen, "tags": ", ".join(tag.name for tag in case.tags.all())}),
        "note": NoteForm(may_write_legal=user.has_perm("cases.view_legal_notes")),
        "merge": MergeForm(user=user, initial=seen),
        "hold": LegalHoldForm(),
        "lift": LegalHoldForm(lifting=True),
    }


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    bound: forms.Form | None = None,
    status: int = 200,
    notice: Notice | None = None,
    refresh: tuple[str, ...] = (),
) -> HttpResponse:
    """The case page; for an action sent by htmx, only the parts of it the action may have
    changed (`cases/_case_update.html`): the summary, the panel's forms with the case's new
    version, the notes and the timeline, and what `refresh` names ("reports")."""
    user = request.user
    contents = case_contents(user=user, case=case)
    projection = project_case(reader=user, reports=contents.reports)
    conflicts = conflicts_among(contents.reports)
    disputed = {conflict.topic for conflict in conflicts}
    may_ask = user.has_perm("cases.ask_reporter")
    reports = []
    for report in contents.reports:
        shown = projection.record(report)
        ask_form = None
        if may_ask and can_be_asked(report):
            if isinstance(bound, AskReporterForm) and bound.prefix == f"ask-{report.pk}":
                ask_form = bound
            else:
                ask_form = AskReporterForm(report_id=report.pk)
        reports.append(
            ReportView(
                report=shown,
                show_identity=not shown.identity_withheld,
                encounter=shown.encounter,
                witnesses=shown.witnesses,
                facts=[FactRow(fact, fact.topic in disputed) for fact in shown.facts],
                evidence=[
                    EvidenceRow(
                        file,
                        can_download_evidence(user, raw),
                        can_download_original_evidence(user, raw),
                        has_cleaner(raw.content_type),
                    )
                    for file, raw in zip(shown.evidence, report.evidence.all(), strict=True)
                ],
                additions=shown.additions,
                messages=shown.messages,
                ask_form=ask_form,
            )
        )
    action_forms = _action_forms(request, case)
    if bound is not None and not isinstance(bound, AskReporterForm):
        action_forms[bound.prefix or ""] = bound
    timeline = case_timeline(user=user, case=case, projection=projection, newest_first=True)
    partial = _sent_by_htmx(request) and request.method == "POST"
    context = {
        "case": projection.record(case),
        # A staff member's role, not case data: read with the case (cases.selectors).
        "assignee_role": getattr(case, "assignee_role", None),
        "reports": reports,
        "ask_items": [item for item in reports if item.ask_form is not None],
        # Newest first, as the timeline: the note just added is the one at the top.
        "notes": projection.records(contents.notes)[::-1],
        "merged_cases": contents.merged_cases,
        "conflicts": projection.conflicts(conflicts),
        # Open cases that may be the same incident, for those who may merge: looked for after
        # the page has loaded (`duplicates`), or in the page when asked without the script.
        # Not part of the parts an action sent by htmx swaps, so not looked for then.
        "duplicates": (
            duplicate_suggestions(user=user, case=case, reports=contents.reports)
            if user.has_perm("cases.merge_case") and not partial and _duplicates_asked(request)
            else None
        ),
        "timeline_recent": timeline[:TIMELINE_SHOWN],
        "timeline_older": timeline[TIMELINE_SHOWN:],
        "timeline_recent_count": min(len(timeline), TIMELINE_SHOWN),
        "forms": action_forms,
        "may_assign": user.has_perm("cases.assign_case"),
        "may_work": user.has_perm("cases.transition_case"),
        "may_add_note": user.has_perm("cases.add_casenote"),
        "may_merge": user.has_perm("cases.merge_case"),
        "errors": error_summary([bound]) if bound is not None else [],
        "notice": notice,
        "refresh": refresh,
        # Legal staff only: the hold in force (one query) and when the case is purged.
        "may_hold": user.has_perm(HOLD_PERMISSION),
        "legal_hold": hold_in_force(case) if user.has_perm(HOLD_PERMISSION) else None,
        "purge_date": purge_date(case),
        # Legal staff only; asked of the permissions already loaded, so no query for others.
        "recent_views": (
            recent_case_views(reference=case.reference, limit=settings.ACCESS_LOG_CASE_PAGE_ROWS)
            if user.has_perm("accesslog.view_accesslogentry")
            else None
        ),
    }
    if partial:
        return render(request, "cases/_case_update.html", context, status=status)
    return render(request, "cases/case.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_or_404(request, reference)
    if case.merged_into_id is not None:
        return redirect("cases:case", reference=case.merged_into.reference)  # type: ignore[union-attr]
    record_access(
        request=request,
        kind=AccessKind.CASE,
        object_id=case.reference,
        case_reference=case.reference,
    )
    return _render_case(request, case)


@login_required
@permission_required("cases.merge_case", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def duplicates(request: HttpRequest, reference: str) -> HttpResponse:
    """The case page's possible duplicates, which its script asks for once the page is shown:
    reading the candidates through the reader projection is most of the page's own work, and
    the case should not wait for it. Without the script the page asks for them itself."""
    case = _case_or_404(request, reference)
    if not _sent_by_htmx(request) or case.merged_into_id is not None:
        return redirect(f"{reverse('cases:case', args=[reference])}?duplicates=show")
    return render(
        request,
        "cases/_duplicate_suggestions.html",
        {
            "case": project_case(reader=request.user, reports=()).record(case),
            "duplicates": duplicate_suggestions(user=request.user, case=case),
            "may_merge": True,
        },
    )


def _act(
    request: HttpRequest,
    reference: str,
    make_form: Callable[[QueryDict, Case], forms.Form],
    perform: Callable[[Case, dict[str, Any]], str],
    *,
    refresh: tuple[str, ...] = (),
) -> HttpResponse:
    """The shape of every action: parse, call the service, redirect with a message; on a
    refusal, show the case page again with the service's message on the form.

    A change made on an out-of-date page (stale_case) answers 409 with the case as it is now,
    the message saying what changed, and the form as the user filled it in, now carrying the
    current version: sending it again is a decision made on what the page shows.

    Sent by htmx, an action answers 200 with the parts of the page it changed and the message
    next to its form instead of the redirect, and a refusal (400, 409) with the form and its
    error in place; `refresh` names the parts beyond the usual ones it may change."""
    case = _case_or_404(request, reference)
    form = make_form(request.POST, case)
    if form.is_valid():
        try:
            message = perform(case, form.cleaned_data)
        except StaleCaseError as error:
            case = _case_or_404(request, reference)
            data = request.POST.copy()
            data[form.add_prefix("version")] = str(error.current_version)
            form = make_form(data, case)
            form.is_valid()
            form.add_error(
                None,
                _("%(why)s What you entered is kept below: send it again if it still applies.")
                % {"why": error.message},
            )
            return _render_case(request, case, bound=form, status=409, refresh=refresh)
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            if _sent_by_htmx(request):
                # The case as it is now: its new version goes into every form.
                case = _case_or_404(request, reference)
                if case.merged_into_id is not None:
                    return HttpResponseClientRedirect(
                        reverse("cases:case", kwargs={"reference": case.merged_into.reference})  # type: ignore[union-attr]
                    )
                return _render_case(
                    request, case, notice=Notice(form.prefix or "", message), refresh=refresh
                )
            messages.success(request, message)
            return redirect("cases:case", reference=case.reference)
    return _render_case(request, case, bound=form, status=400, refresh=refresh)


@login_required
@require_POST
def transition(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        case = services.transition_case(
            case=case,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            close_reason=data["close_reason"],
            expected_version=data["version"],
        )
        return _("%(reference)s is now %(status)s.") % {
            "reference": case.reference,
            "status": case.get_status_display(),
        }

    return _act(
        request,
        reference,
        lambda data, case: TransitionForm(
            data, targets=allowed_targets(case.status, role_of(request.user))
        ),
        perform,
    )


@login_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        assignee = data["assignee"]
        services.assign_case(
            case=case,
            assignee=assignee,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        if assignee is None:
            return _("The case is now unassigned.")
        return _("Assigned to %(name)s.") % {"name": display_name(assignee)}

    return _act(
        request, reference, lambda data, case: AssignForm(data, workers=assignable_staff()), perform
    )


@login_required
@require_POST
def priority(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        case = services.override_priority(
            case=case,
            priority=data["priority"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return _("Priority set to %(priority)s.") % {"priority": case.get_priority_display()}

    return _act(request, reference, lambda data, case: PriorityForm(data), perform)


@login_required
@require_POST
def due_date(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        services.set_due_date(
            case=case,
            due_date=data["due_date"],
            actor=request.user,
            expected_version=data["version"],
        )
        return _("Due date saved.")

    return _act(request, reference, lambda data, case: DueDateForm(data), perform)


@login_required
@require_POST
def tags(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        services.set_tags(
            case=case,
            names=data["tags"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return _("Tags saved.")

    return _act(request, reference, lambda data, case: TagsForm(data), perform)


@login_required
@require_POST
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        services.add_note(
            case=case,
            author=request.user,
            body=data["body"],
            visibility=data["visibility"],
        )
        return _("Note added.")

    return _act(
        request,
        reference,
        lambda data, case: NoteForm(
            data, may_write_legal=request.user.has_perm("cases.view_legal_notes")
        ),
        perform,
    )


@login_required
@require_POST
def ask_reporter(request: HttpRequest, reference: str, tracking_code: str) -> HttpResponse:
    """Post a question to the person who filed one report of the case."""

    def form_for(data: QueryDict, case: Case) -> forms.Form:
        report = report_of_case(case=case, tracking_code=tracking_code)
        if report is None:
            raise Http404(_("No such report."))
        return AskReporterForm(data, report_id=report.pk)

    def perform(case: Case, data: dict[str, Any]) -> str:
        report = report_of_case(case=case, tracking_code=tracking_code)
        if report is None:
            raise Http404(_("No such report."))
        services.ask_reporter(case=case, report=report, author=request.user, body=data["body"])
        return _("Question posted. The person will see it when they next sign in to their report.")

    return _act(request, reference, form_for, perform, refresh=("reports",))


@login_required
@require_POST
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        duplicates = data["duplicates"]
        services.merge_cases(
            survivor=case,
            duplicates=duplicates,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        # The redirect lands on the survivor's page (the case itself, or the case it was
        # merged into), which is "this case" there.
        return _("Merged %(references)s into this case.") % {
            "references": ", ".join(duplicate.reference for duplicate in duplicates)
        }

    return _act(
        request,
        reference,
        lambda data, case: MergeForm(data, user=request.user),
        perform,
        refresh=("reports",),
    )


# --- Legal hold (legal staff only; 403 for anyone else) ---------------------------------------


@login_required
@permission_required(HOLD_PERMISSION, raise_exception=True)
@require_POST
def place_hold(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        place_legal_hold(case=case, actor=request.user, reason=data["reason"])
        return _("%(reference)s is under a legal hold: it will not be purged.") % {
            "reference": case.reference
        }

    return _act(request, reference, lambda data, case: LegalHoldForm(data), perform)


@login_required
@permission_required(HOLD_PERMISSION, raise_exception=True)
@require_POST
def lift_hold(request: HttpRequest, reference: str) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        lift_legal_hold(case=case, actor=request.user, reason=data["reason"])
        return _("The legal hold on %(reference)s is lifted.") % {"reference": case.reference}

    return _act(request, reference, lambda data, case: LegalHoldForm(data, lifting=True), perform)


# --- Evidence ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def download_evidence(request: HttpRequest, evidence_id: int) -> HttpResponse | FileResponse:
    """An evidence file, for the roles cases/access.py allows; 404 for everyone else, exactly as
    for a file that does not exist. Each download is recorded in the file's history.

    The copy served leaves out the location, camera and other data stored inside the file
    (intake/metadata); where none can be made, a page says so (409) and nothing is served.
    `?original=1` is the file as received, for legal staff only (404 for anyone else), and its
    history row says it was the original."""
    original = request.GET.get("original") == "1"
    try:
        return evidence_downloads.download_evidence(
            request=request, evidence_id=evidence_id, original=original
        )
    except EvidenceNotFound as missing:
        raise Http404(_("No such file.")) from missing
    except NoSharedCopyOfEvidence as refused:
        evidence = refused.evidence
        context = {
            "case_reference": evidence.report.case.reference,
            "evidence_id": evidence.pk,
            "may_download_original": can_download_original_evidence(request.user, evidence),
        }
        return render(request, "cases/no_shared_copy.html", context, status=409)
