"""The queue's own pages beside the queue itself (cases/views.py): saving and deleting a view,
and the current view as a CSV file. Views only translate: the rules are in
cases/saved_views.py and cases/queue_export.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accesslog.models import AccessKind
from accesslog.services import record_access
from cases.access import assignable_staff
from cases.forms import QueueFilterForm
from cases.queue_export import EXPORT_LIMIT, export_rows
from cases.queue_forms import SaveViewForm
from cases.saved_views import SavedViewError, canonical_query, delete_view, save_view
from cases.selectors import case_queue
from plumbing.form_errors import error_summary


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def save(request: HttpRequest) -> HttpResponse:
    """Name the queue's current filters. GET shows the form (for a link from the queue); POST
    saves, then opens the saved view; a refused view comes back with the reason, status 400."""
    if request.method != "POST":
        form = SaveViewForm(initial={"query": canonical_query(request.GET)})
        return render(request, "cases/save_view.html", {"form": form, "errors": []})
    form = SaveViewForm(request.POST)
    if form.is_valid():
        try:
            view = save_view(
                owner=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except SavedViewError as error:
            form.add_error(error.field if error.field == "name" else None, error.message)
        else:
            messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
            return redirect(_queue_url(view.query))
    context = {
        "form": form,
        "errors": error_summary([form], form_anchor=lambda _f: "save-view-form"),
    }
    return render(request, "cases/save_view.html", context, status=400)


def _queue_url(query: str) -> str:
    base = reverse("cases:queue")
    return f"{base}?{query}" if query else base


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_POST
def delete(request: HttpRequest, view_id: int) -> HttpResponse:
    """Delete one of the signed-in person's saved views; anyone else's answers 404, exactly
    like a view that does not exist."""
    if not delete_view(owner=request.user, view_id=view_id):
        raise Http404
    messages.success(request, _("Deleted the saved view."))
    return redirect("cases:queue")


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest) -> StreamingHttpResponse:
    """The queue's current view as a CSV file (cases/queue_export.py), recorded in the access
    log with the number of cases it holds."""
    form = QueueFilterForm(request.GET, workers=assignable_staff())
    form.is_valid()
    cases = case_queue(user=request.user, filters=form.queue_filters())
    # How many cases the file holds, for the log: ids only, stopping at the limit.
    count = len(cases.prefetch_related(None).values_list("pk", flat=True)[:EXPORT_LIMIT])
    record_access(request=request, kind=AccessKind.QUEUE_EXPORT, object_id=count)
    response = StreamingHttpResponse(
        export_rows(reader=request.user, cases=cases), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
