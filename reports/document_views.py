"""Staff pages for case files, under /staff/documents/: ask for one from the case page, and
download documents. The list on the case page is the `case_documents` tag
(reports/templatetags/report_documents.py).

Views only translate; reports/services.py and reports/access.py decide. A case or document the
user may not see answers 404 exactly like a missing one, and so does a download the user's role
may not have.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accesslog.models import AccessKind
from cases.models import Case
from reports import services
from reports.api.documents import document_file_response, record_document_access
from reports.services import DocumentError, ErrorCode


class CaseFileRequestForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(kind.value, kind.label) for kind in services.CASE_FILE_KINDS]
    )


def _documents_of(reference: str) -> str:
    return reverse("cases:case", kwargs={"reference": reference}) + "#documents"


@login_required
@require_POST
def request_case_file(request: HttpRequest, reference: str) -> HttpResponse:
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        raise Http404(_("No such case."))
    form = CaseFileRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the full or the redacted case file."))
        return redirect(_documents_of(reference))
    try:
        document = services.request_document(
            case=case, kind=form.cleaned_data["kind"], actor=request.user
        )
    except DocumentError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise Http404(_("No such case.")) from error
        if error.code == ErrorCode.ROLE_NOT_PERMITTED:
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
        return redirect(_documents_of(reference))
    messages.success(
        request,
        _("%(kind)s asked for. It is built in the background; reload this page to see when it "
          "is ready.") % {"kind": document.get_kind_display()},
    )
    return redirect(_documents_of(reference))


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        document = services.get_document(document_id=pk, actor=request.user)
    except DocumentError as error:
        raise Http404(_("No such document.")) from error
    try:
        downloaded = services.record_download(document=document, actor=request.user)
    except DocumentError as error:
        if error.code != ErrorCode.NOT_READY:
            raise Http404(_("No such document.")) from error
        messages.warning(request, _("This document is not ready yet."))
        if document.case_id is None:
            return redirect("reports:document", pk=document.pk)
        return redirect(_documents_of(document.case.reference))  # type: ignore[union-attr]
    record_document_access(request=request, document=document, kind=AccessKind.DOCUMENT_DOWNLOAD)
    return document_file_response(downloaded)
