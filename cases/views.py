"""Staff pages under /staff/: the case queue and its bulk actions (the case page is in
cases/case_views.py).

Views only translate. They parse a form, call a selector or a service, and render or redirect
(post/redirect/get). Who may see what is decided in cases/access.py: the queue needs the
`cases.view_case` permission (403 without it), and a case the user may not see answers 404
exactly like a reference that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import assignable_staff
from cases.bulk_changes import change_cases_in_bulk
from cases.exceptions import CaseError, StaleCaseError
from cases.forms import BulkForm, QueueFilterForm
from cases.models import Case
from cases.pagination import CappedPaginator
from cases.queue_forms import SaveViewForm
from cases.queue_rows import queue_page_rows
from cases.saved_views import canonical_query, current_view, views_for
from cases.selectors import (
    case_queue,
    status_counts,
)
from plumbing.form_errors import error_summary

PAGE_SIZE = 25


# --- The queue ---------------------------------------------------------------------------------


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def queue(request: HttpRequest) -> HttpResponse:
    workers = list(assignable_staff())
    form = QueueFilterForm(request.GET, workers=workers)
    form.is_valid()
    filters = form.queue_filters()
    # Counts stop at COUNT_CAP ("more than 1000"): see cases/pagination.py.
    paginator = CappedPaginator(case_queue(user=request.user, filters=filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    counts = status_counts(user=request.user, filters=filters)
    views = views_for(request.user)
    query = canonical_query(request.GET)
    context = {
        "form": form,
        "errors": error_summary([form]),
        "page": page,
        "rows": queue_page_rows(page.object_list, query=request.GET),
        "status_counts": [
            (status, label, min(counts[status], paginator.cap), counts[status] > paginator.cap)
            for status, label in Case.Status.choices
        ],
        "total": paginator.shown_count,
        "total_capped": paginator.count_capped,
        "bulk_form": BulkForm(user=request.user, workers=workers),
        "may_bulk": request.user.has_perm("cases.assign_case")
        and request.user.has_perm("cases.transition_case"),
        "views": views,
        "current_view": current_view(views, request.GET),
        "query": query,
        "save_view_form": SaveViewForm(initial={"query": query}),
    }
    return render(request, "cases/queue.html", context)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "cases:queue")


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign or move the ticked cases (`change_cases_in_bulk`): if any case is refused, none
    changes, and the message says which and why. Each row carries the version the queue showed,
    so a case someone changed since the queue was loaded refuses the whole action."""
    form = BulkForm(request.POST, user=request.user, workers=assignable_staff())
    if not form.is_valid():
        for message in form.errors.values():
            messages.error(request, " ".join(str(text) for text in message))
        return _back_to_queue(request)
    data = form.cleaned_data
    try:
        change_cases_in_bulk(
            cases=data["cases"],
            expected_versions=data["versions"],
            action=data["action"],
            actor=request.user,
            reason=data["reason"],
            assignee=data["assignee"],
            to=data["to"],
            close_reason=data["close_reason"],
        )
    except StaleCaseError as error:
        messages.error(
            request,
            _("None of the ticked cases was changed. %(why)s Reload the queue to see them now.")
            % {"why": error.message},
        )
    except CaseError as error:
        messages.error(request, _("Nothing was changed. %(why)s") % {"why": error.message})
    else:
        messages.success(
            request,
            _("Updated %(references)s.")
            % {"references": ", ".join(case.reference for case in data["cases"])},
        )
    return _back_to_queue(request)
