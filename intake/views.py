"""Public pages: the report form and its receipt (a sent report's own pages are in
follow_up_views.py).

Views translate between HTTP and the forms, the draft in the session and the services; the
rules live in forms.py, wizard.py and services.py. Every page of the form is sent with
`Cache-Control: no-store`, so a shared phone's browser keeps no copy of what was typed; going
back re-asks the server, which shows the answers kept in the session.
"""

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from intake import language, ratelimit, wizard
from intake.drafts import Draft, keep_pending, open_pending, pending_exists, sent_draft_id
from intake.forms import (
    MAX_WITNESSES,
    STEPS,
    STEPS_BY_SLUG,
    EvidenceForm,
    ReviewForm,
    Step,
    StepForm,
    WitnessForm,
)
from intake.inputs import EvidenceInput
from intake.models import Report
from intake.services import Receipt, SubmissionKeyReused, sent_receipt, submit_report

logger = logging.getLogger(__name__)


def _step_url(step: Step) -> str:
    if step.slug == "review":
        return reverse("intake:review")
    return reverse("intake:step", args=[step.slug])


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "intake/refused.html", {"message": message}, status=status)


def _go_on(request: HttpRequest, draft: Draft, slug: str) -> HttpResponseRedirect:
    """After a step is saved: back to the review page if the person came from it, else on."""
    if request.GET.get("from") == "review":
        return redirect("intake:review")
    _before, after = wizard.neighbours(draft, slug)
    return redirect(_step_url(after) if after else reverse("intake:review"))


def _back_url(request: HttpRequest, draft: Draft, slug: str) -> str:
    """Where Back goes: the review page for a step changed from it, else the step before, or
    the start page before the first step."""
    if request.GET.get("from") == "review":
        return reverse("intake:review")
    before, _after = wizard.neighbours(draft, slug)
    return _step_url(before) if before else reverse("intake:start")


def _leave_unsaved(
    request: HttpRequest, draft: Draft, step: Step, form: StepForm
) -> HttpResponse | None:
    """A step left without saving it, by its Back link or the header's language switcher (both
    buttons of the step's form): what was typed is kept as it is, unchecked, and shown again
    on the way back. None when the person is saving the step."""
    if "switch_language" in request.POST:
        code = request.POST["switch_language"]
        if not language.is_available(code):
            return _refused(request, 400, _("This language is not available."))
        draft.keep_typed(step.slug, form.typed())
        language.choose_language(request, code)
        return redirect(request.get_full_path())
    if request.POST.get("action") == "back":
        draft.keep_typed(step.slug, form.typed())
        return redirect(_back_url(request, draft, step.slug))
    return None


def _kept(draft: Draft, slug: str) -> dict[str, Any] | None:
    """What a step's page shows: what was typed and left there, else its saved answers."""
    typed = draft.typed(slug)
    return typed if typed is not None else draft.answers(slug)


def _render_step(
    request: HttpRequest,
    draft: Draft,
    step: Step,
    form: StepForm,
    template: str = "intake/step.html",
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "step": step,
        "form": form,
        "errors": form.error_summary() if form.is_bound else [],
        "progress": wizard.progress(draft, step.slug),
        "back_url": _back_url(request, draft, step.slug),
        # On a step, Back and the header's language buttons send the step's form, to keep what
        # was typed (includes/back_link.html, language_switcher.html); `default_action` is the
        # button that Enter in a field presses.
        "leave_by_form": step.slug != "review",
        "default_action": "continue",
        **(extra or {}),
    }
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD"])
def start(request: HttpRequest) -> HttpResponse:
    draft = Draft(request.session)
    return render(
        request,
        "intake/start.html",
        {"has_draft": not draft.is_empty, "first_url": _step_url(STEPS[0])},
    )


@require_POST
def start_over(request: HttpRequest) -> HttpResponse:
    """Forget the answers and delete the files of the report in progress."""
    Draft(request.session).clear()
    return redirect("intake:start")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def step(request: HttpRequest, slug: str) -> HttpResponse:
    current = STEPS_BY_SLUG.get(slug)
    if current is None or slug == "review":
        raise Http404
    draft = Draft(request.session)
    if current not in wizard.steps_for(draft):
        # An identifying step of an anonymous report: there is nothing to ask.
        return _go_on(request, draft, "about")
    if slug == "witnesses":
        return _witnesses(request, draft, current)
    if slug == "evidence":
        return _evidence(request, draft, current)
    voice = wizard.voice_for(draft)
    if request.method == "POST":
        form = current.form_class(data=request.POST, voice=voice)
        if form.honeypot_filled:
            return _refused(request, 400, _("This page could not be accepted. Please try again."))
        left = _leave_unsaved(request, draft, current, form)
        if left is not None:
            return left
        if form.is_valid():
            draft.set_answers(slug, form.answers())
            if slug == "about" and draft.is_anonymous:
                draft.forget_identity()
            return _go_on(request, draft, slug)
    else:
        form = current.form_class(kept=_kept(draft, slug), voice=voice)
    return _render_step(request, draft, current, form)


def _witnesses(request: HttpRequest, draft: Draft, current: Step) -> HttpResponse:
    """Witnesses are added one at a time ("add", "remove" and "continue" are plain buttons),
    so any number can be added without JavaScript."""
    voice = wizard.voice_for(draft)
    form = WitnessForm(kept=draft.typed(current.slug), voice=voice)
    if request.method == "POST":
        if "remove" in request.POST:
            with contextlib.suppress(ValueError):
                draft.remove_witness(int(request.POST["remove"]))
            return redirect(request.get_full_path())
        form = WitnessForm(data=request.POST, voice=voice)
        if form.honeypot_filled:
            return _refused(request, 400, _("This page could not be accepted. Please try again."))
        left = _leave_unsaved(request, draft, current, form)
        if left is not None:
            return left
        adding = request.POST.get("action") == "add"
        if not adding and form.is_blank():
            draft.set_answers(current.slug, {})
            return _go_on(request, draft, current.slug)
        if form.is_valid():
            if len(draft.witnesses) >= MAX_WITNESSES:
                form.add_error(
                    None, _("You can add up to %(count)d witnesses.") % {"count": MAX_WITNESSES}
                )
            else:
                draft.add_witness(form.answers())
                draft.forget_typed(current.slug)
                messages.success(request, _("Witness added."))
                if adding:
                    return redirect(request.get_full_path())
                draft.set_answers(current.slug, {})
                return _go_on(request, draft, current.slug)
    return _render_step(
        request,
        draft,
        current,
        form,
        "intake/witnesses.html",
        {"witnesses": draft.witnesses, "default_action": "add"},
    )


def _evidence(request: HttpRequest, draft: Draft, current: Step) -> HttpResponse:
    """Files are checked one by one as they arrive and kept in private storage until the report
    is sent; a refused file is named in an error and the accepted ones are kept. Leaving the
    page by Back or another language keeps the description typed, not the files chosen."""
    voice = wizard.voice_for(draft)
    form = EvidenceForm(kept=draft.typed(current.slug), voice=voice)
    if request.method == "POST":
        if "remove" in request.POST:
            draft.remove_evidence(str(request.POST["remove"]))
            return redirect(request.get_full_path())
        form = EvidenceForm(
            data=request.POST,
            files=request.FILES,
            kept_count=len(draft.evidence),
            kept_bytes=draft.evidence_bytes,
            voice=voice,
        )
        if form.honeypot_filled:
            return _refused(request, 400, _("This page could not be accepted. Please try again."))
        left = _leave_unsaved(request, draft, current, form)
        if left is not None:
            return left
        valid = form.is_valid()
        description = form.cleaned_data.get("description", "")
        for upload, inspected in form.accepted:
            draft.add_evidence(keep_pending(upload, inspected, description))
        if form.accepted:
            draft.forget_typed(current.slug)
            messages.success(request, _("Files added: %(count)d.") % {"count": len(form.accepted)})
        if valid:
            if request.POST.get("action") == "upload":
                return redirect(request.get_full_path())
            draft.set_answers(current.slug, {})
            return _go_on(request, draft, current.slug)
    return _render_step(
        request,
        draft,
        current,
        form,
        "intake/evidence.html",
        {"files": draft.evidence, "default_action": "upload"},
    )


@dataclass(frozen=True)
class ReviewSection:
    title: str
    url: str
    blocks: list[tuple[str, list[tuple[str, str]]]]


def _review_sections(draft: Draft, checked: wizard.CheckedDraft) -> list[ReviewSection]:
    sections = []
    voice = wizard.voice_for(draft)
    for current in wizard.steps_for(draft):
        url = f"{_step_url(current)}?from=review"
        if current.slug == "review":
            continue
        if current.slug == "witnesses":
            blocks = [
                (_("Witness %(number)d") % {"number": number}, witness.summary())
                for number, witness in enumerate(checked.witnesses, start=1)
            ] or [("", [(_("Witnesses"), _("None added"))])]
        elif current.slug == "evidence":
            rows = [
                (
                    entry["original_name"],
                    f"{entry['content_type']}, {filesizeformat(entry['size'])}",
                )
                for entry in draft.evidence
            ] or [(_("Files"), _("None added"))]
            blocks = [("", rows)]
        else:
            blocks = [("", checked.forms[current.slug].summary())]
        sections.append(ReviewSection(title=current.title_in(voice), url=url, blocks=blocks))
    return sections


def _submit(request: HttpRequest, draft: Draft, checked: wizard.CheckedDraft) -> Receipt:
    with contextlib.ExitStack() as files:
        evidence = [
            EvidenceInput(
                file=files.enter_context(open_pending(entry)), description=entry["description"]
            )
            for entry in draft.evidence
        ]
        submission = wizard.build_submission(
            cleaned=checked.cleaned,
            when=checked.when,
            witnesses=[witness.cleaned_data for witness in checked.witnesses],
            evidence=evidence,
            language=request.LANGUAGE_CODE,
        )
        receipt = submit_report(submission=submission, channel=Report.Channel.WEB, key=draft.id)
    draft.mark_sent()
    return receipt


def _receipt_page(request: HttpRequest, receipt: Receipt) -> HttpResponse:
    return render(
        request,
        "intake/receipt.html",
        {"tracking_code": receipt.tracking_code, "secret": receipt.secret},
    )


def _service_errors(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [("main-content", str(m)) for ms in error.message_dict.values() for m in ms]
    return [("main-content", str(message)) for message in error.messages]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """The answers on one page, and the send button.

    Sending is idempotent on the draft's id, which the page carries: a second send of the same
    draft, at the same instant (a double click) or after the first finished (a resend when the
    answer was lost), shows the first send's receipt and files nothing more.
    """
    draft = Draft(request.session)
    if request.method == "POST":
        posted = str(request.POST.get("draft", ""))
        if posted and posted != draft.id:
            if posted == sent_draft_id(request.session):
                sent = sent_receipt(channel=Report.Channel.WEB, key=posted)
                if sent is not None:
                    return _receipt_page(request, sent)
            messages.info(request, _("Your answers changed. Please check them before sending."))
            return redirect("intake:review")
    if draft.is_empty:
        return redirect("intake:start")
    checked = wizard.check_draft(draft)
    if checked.first_incomplete is not None:
        messages.info(request, _("Please answer this step before you send your report."))
        return redirect(_step_url(checked.first_incomplete))
    current = STEPS_BY_SLUG["review"]
    form = ReviewForm()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = ReviewForm(data=request.POST)
        if form.honeypot_filled:
            return _refused(request, 400, _("This page could not be accepted. Please try again."))
        rate = ratelimit.parse_rate(settings.INTAKE_SUBMISSION_RATE)
        if not ratelimit.hit("intake-submit", request, rate):
            return _refused(
                request,
                429,
                _("Too many reports have been sent from your network. Please try again later."),
            )
        try:
            receipt = _submit(request, draft, checked)
        except FileNotFoundError:
            # The files go once the draft is sent: a send of the same draft that started
            # before the first one finished may find them gone, and gets its receipt.
            sent = sent_receipt(channel=Report.Channel.WEB, key=draft.id)
            if sent is not None:
                draft.mark_sent()
                return _receipt_page(request, sent)
            for entry in draft.evidence:
                if not pending_exists(entry):
                    draft.remove_evidence(entry["token"])
            messages.error(
                request, _("A file you added is no longer available. Please add it again.")
            )
            return redirect("intake:step", "evidence")
        except SubmissionKeyReused:
            # Only a copied session can send one draft with two sets of answers.
            return _refused(
                request,
                409,
                _("This form was already sent. Start a new report to send other answers."),
            )
        except ValidationError as error:
            errors = _service_errors(error)
        else:
            return _receipt_page(request, receipt)
    return _render_step(
        request,
        draft,
        current,
        form,
        "intake/review.html",
        {"sections": _review_sections(draft, checked), "errors": errors, "draft_id": draft.id},
        status=400 if errors else 200,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Shown when a form is sent without a valid CSRF token (usually an expired page)."""
    return render(request, "intake/csrf_failure.html", status=403)


@require_http_methods(["GET", "HEAD"])
def privacy(request: HttpRequest) -> HttpResponse:
    """Who reads a report, what is done with it, how it is protected and for how long."""
    return render(request, "intake/privacy.html")


@require_http_methods(["GET", "HEAD"])
def rights(request: HttpRequest) -> HttpResponse:
    """General information on what to do when stopped by immigration agents."""
    return render(request, "intake/rights.html")


@csrf_exempt
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Forget the report in progress and any report signed in to: "Leave this site quickly"
    sends this as the page goes, so that Back shows none of it.

    Exempt from CSRF: it must work from a page whose token has expired, its only effect is to
    forget the caller's own session, and the session cookie (SameSite=Lax) is not sent with
    another site's POST.
    """
    Draft(request.session).clear()
    request.session.flush()
    return HttpResponse(status=204)
