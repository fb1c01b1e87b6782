"""`{% case_documents case %}`: the case page's list of case files, with a download link where
the user's role may have the file and a button per kind they may ask for."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case
from reports import services
from reports.access import may_export
from reports.models import Document

register = template.Library()


@dataclass
class DocumentRow:
    document: Document
    download_url: str | None
    waiting: bool


def _button_labels() -> dict[str, str]:
    return {
        Document.Kind.CASE_FILE: _("Ask for the full case file"),
        Document.Kind.REDACTED_CASE_FILE: _("Ask for a redacted case file"),
    }


@register.inclusion_tag("reports/_case_documents.html", takes_context=True)
def case_documents(context: template.Context, case: Case) -> dict[str, Any]:
    user = context["request"].user
    try:
        documents = services.case_documents(case=case, actor=user, limit=20)
    except services.DocumentError:
        documents = []
    # The page is only shown to people who may see the case, so the kind decides the link.
    rows = [
        DocumentRow(
            document=document,
            download_url=reverse("documents:download", kwargs={"pk": document.pk})
            if document.status == Document.Status.READY and may_export(user, document.kind)
            else None,
            waiting=document.status in (Document.Status.QUEUED, Document.Status.RENDERING),
        )
        for document in documents
    ]
    labels = _button_labels()
    buttons = [
        {"kind": kind.value, "label": labels[kind]}
        for kind in services.CASE_FILE_KINDS
        if may_export(user, kind) and case.merged_into_id is None
    ]
    return {"case": case, "rows": rows, "buttons": buttons, "shown": bool(rows or buttons)}
