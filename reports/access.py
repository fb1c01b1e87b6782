"""Who may ask for, see and download documents. Every access decision about documents is made
here, in the style of cases/access.py.

- Asking for a document, and downloading one, need the export permission of its kind: the full
  case file is for legal staff, the redacted one for liaisons and legal staff, statistics for
  those who may see statistics.
- A document's state (queued, rendering, ready, failed; pages, hash) is shown to whoever asked
  for it and to anyone who may export its kind.
- Documents of a case are only ever visible to people who may see the case. A document the
  user may not see is treated exactly like one that does not exist (callers answer 404 for
  both), so existence never leaks.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from cases.access import visible_cases
from reports.models import Document

User = AbstractBaseUser | AnonymousUser

EXPORT_PERMISSIONS: dict[str, str] = {
    Document.Kind.CASE_FILE: "cases.export_full_case_file",
    Document.Kind.REDACTED_CASE_FILE: "cases.export_redacted_case_file",
    Document.Kind.STATISTICS: "cases.view_statistics",
}


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def may_export(user: User | None, kind: str) -> bool:
    """Whether `user` may ask for, and download, documents of `kind`."""
    permission = EXPORT_PERMISSIONS.get(kind)
    return bool(_active(user) and permission and user.has_perm(permission))  # type: ignore[union-attr]


def exportable_kinds(user: User | None) -> list[str]:
    return [kind for kind in EXPORT_PERMISSIONS if may_export(user, kind)]


def visible_documents(user: User | None) -> QuerySet[Document]:
    """The documents whose state `user` may see: the ones they asked for and the ones of kinds
    they may export, case files only of cases they may see."""
    if not _active(user):
        return Document.objects.none()
    mine_or_exportable = Q(requested_by=user) | Q(kind__in=exportable_kinds(user))
    of_a_visible_case = Q(case__isnull=True) | Q(case__in=visible_cases(user))
    return Document.objects.filter(mine_or_exportable & of_a_visible_case)


def may_download(user: User | None, document: Document) -> bool:
    """Whether `user` may have the file of `document` (which they can see): the export
    permission of its kind, checked at download time, not when it was asked for."""
    if not may_export(user, document.kind):
        return False
    return document.case_id is None or visible_cases(user).filter(pk=document.case_id).exists()
