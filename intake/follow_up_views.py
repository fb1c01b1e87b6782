"""Public pages for a person who comes back to their report: sign in with the tracking code and
secret, read its status and our questions, answer them, add to the report, sign out.

Views translate between HTTP and the forms, the session (intake/reporter_session.py) and the
services (intake/follow_up.py). Every page is sent with `Cache-Control: no-store`: a shared
phone's browser keeps no copy of a question or an answer.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from intake import follow_up, ratelimit, reporter_session
from intake.follow_up_forms import AddToReportForm, AnswerForm
from intake.forms import StatusForm
from intake.inputs import EvidenceInput
from intake.models import Report
from intake.selectors import report_for_secret, status_of

View = Callable[..., HttpResponse]


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "intake/refused.html", {"message": message}, status=status)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _refused(
        request, 429, _("Too many attempts from your network. Please try again later.")
    )


def signed_in(view: View) -> View:
    """Pages of a signed-in report: the view gets the report; without a session (never signed
    in, signed out, or timed out) the person is sent to sign in again."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        report = reporter_session.signed_in_report(request.session)
        if report is None:
            messages.info(
                request,
                _("For your safety you were signed out. Sign in again with your tracking code "
                  "and secret."),
            )
            return redirect("intake:status")
        return view(request, report, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in to a report with its tracking code and secret.

    A wrong code and a wrong secret get the same answer, and what was typed is never shown back,
    so the page does not tell whether a code exists. Every attempt counts against a per-address
    limit, checked before anything is looked up."""
    form = StatusForm()
    not_found = False
    if request.method == "POST":
        rate = ratelimit.parse_rate(settings.INTAKE_STATUS_LOOKUP_RATE)
        if not ratelimit.hit("intake-status", request, rate):
            return _too_many(request)
        form = StatusForm(data=request.POST)
        if form.is_valid():
            report = report_for_secret(
                tracking_code=form.cleaned_data["tracking_code"],
                secret=form.cleaned_data["secret"],
            )
            if report is not None:
                reporter_session.sign_in(request.session, report)
                # A new CSRF secret too (it lives in the session): a token read before signing
                # in, by whoever planted the session, no longer sends anything.
                rotate_token(request)
                return redirect("intake:your-report")
            not_found = True
            form = StatusForm()
    return render(
        request,
        "intake/status.html",
        {
            "form": form,
            "errors": form.error_summary() if form.is_bound else [],
            "not_found": not_found,
        },
        status=200,
    )


def _report_page(
    request: HttpRequest,
    report: Report,
    *,
    bound: AnswerForm | None = None,
    bound_question: int | None = None,
    status: int = 200,
) -> HttpResponse:
    conversations = follow_up.conversation(report=report)
    follow_up.mark_questions_read(report=report)
    answer_forms = {
        item.question.pk: (
            bound if item.question.pk == bound_question and bound is not None
            else AnswerForm(question_id=item.question.pk)
        )
        for item in conversations
    }
    return render(
        request,
        "intake/your_report.html",
        {
            "report": report,
            "result": status_of(report),
            "conversations": [
                (item, answer_forms[item.question.pk]) for item in conversations
            ],
            "additions": follow_up.additions_of(report=report),
            "errors": bound.error_summary() if bound is not None else [],
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@signed_in
def your_report(request: HttpRequest, report: Report) -> HttpResponse:
    return _report_page(request, report)


@never_cache
@require_POST
@signed_in
def answer(request: HttpRequest, report: Report, question_id: int) -> HttpResponse:
    form = AnswerForm(data=request.POST, question_id=question_id)
    if form.honeypot_filled:
        return _refused(request, 400, _("This page could not be accepted. Please try again."))
    if form.is_valid():
        if not ratelimit.hit(
            "intake-follow-up", request, ratelimit.parse_rate(settings.INTAKE_FOLLOW_UP_RATE)
        ):
            return _too_many(request)
        try:
            follow_up.answer_question(
                report=report, question_id=question_id, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("body", message)
        else:
            messages.success(request, _("Your answer was sent. Thank you."))
            return redirect("intake:your-report")
    return _report_page(request, report, bound=form, bound_question=question_id, status=400)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def add_information(request: HttpRequest, report: Report) -> HttpResponse:
    form = AddToReportForm()
    if request.method == "POST":
        form = AddToReportForm(data=request.POST, files=request.FILES)
        if form.honeypot_filled:
            return _refused(request, 400, _("This page could not be accepted. Please try again."))
        if form.is_valid():
            if not ratelimit.hit(
                "intake-follow-up", request, ratelimit.parse_rate(settings.INTAKE_FOLLOW_UP_RATE)
            ):
                return _too_many(request)
            data = form.cleaned_data
            try:
                follow_up.add_to_report(
                    report=report,
                    kind=data["kind"],
                    body=data["body"],
                    evidence=[
                        EvidenceInput(file=upload, description=data["description"])
                        for upload in data["files"]
                    ],
                    witness=form.witness(),
                )
            except ValidationError as error:
                for name, field_messages in error.message_dict.items():
                    # An error of no field of this form is shown about the form as a whole.
                    field = _FORM_FIELDS.get(name.split(".")[0])
                    for message in field_messages:
                        form.add_error(field, message)
            else:
                messages.success(
                    request, _("What you sent was added to your report. Thank you.")
                )
                return redirect("intake:your-report")
    return render(
        request,
        "intake/add_information.html",
        {
            "report": report,
            "form": form,
            "errors": form.error_summary() if form.is_bound else [],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# The form field each of add_to_report's error keys belongs to.
_FORM_FIELDS = {
    "kind": "kind",
    "body": "body",
    "evidence": "files",
    "witness": "witness_name",
}


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    reporter_session.sign_out(request.session)
    messages.success(request, _("You are signed out of your report."))
    return redirect("intake:start")
