"""/staff/retention/upcoming/: the cases the retention schedule purges in the next days, for
legal staff, each with a form to put it under a legal hold.

Anyone signed in without `cases.manage_legal_hold` gets 403, as on the access log; anonymous
visitors are sent to sign in. The page lists what `cases.retention.upcoming_purges` returns
(one query) and places holds through `cases.legal_holds.place_legal_hold`; a refusal or an
empty reason shows the page again with the error summary, the form filled in as it was sent.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import retention
from cases.exceptions import CaseError
from cases.forms import UpcomingHoldForm
from cases.legal_holds import PERMISSION, place_legal_hold
from cases.retention import UpcomingPurge
from plumbing.form_errors import error_summary


def _render(
    request: HttpRequest,
    rows: list[UpcomingPurge],
    *,
    bound: UpcomingHoldForm | None = None,
    status: int = 200,
) -> HttpResponse:
    listed = []
    for row in rows:
        form = UpcomingHoldForm(case_id=row.case.pk, initial={"reference": row.case.reference})
        if bound is not None and bound.prefix == form.prefix:
            form = bound
        listed.append((row, form))
    context = {
        "rows": listed,
        "capped": len(rows) >= retention.UPCOMING_LIMIT,
        "days": settings.RETENTION_UPCOMING_DAYS,
        "errors": error_summary([bound]) if bound is not None else [],
    }
    return render(request, "cases/upcoming_purges.html", context, status=status)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def upcoming_purges(request: HttpRequest) -> HttpResponse:
    rows = retention.upcoming_purges()
    if request.method != "POST":
        return _render(request, rows)
    # Which row's form was sent: its prefix carries the case's id.
    by_prefix = {f"hold-{row.case.pk}": row for row in rows}
    prefix = next(
        (key[: -len("-reference")] for key in request.POST if key.endswith("-reference")), ""
    )
    row = by_prefix.get(prefix)
    if row is None:
        messages.error(request, _("That case is no longer due to be purged."))
        return redirect("cases:upcoming-purges")
    form = UpcomingHoldForm(request.POST, case_id=row.case.pk)
    if form.is_valid():
        if form.cleaned_data["reference"] != row.case.reference:
            form.add_error(None, _("That case is no longer due to be purged."))
        else:
            try:
                place_legal_hold(case=row.case, actor=request.user,
                                 reason=form.cleaned_data["reason"])
            except CaseError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(reference)s is under a legal hold: it will not be purged.")
                    % {"reference": row.case.reference},
                )
                return redirect("cases:upcoming-purges")
    return _render(request, rows, bound=form, status=400)
