"""The staff case API: one view per operation.

The views only translate between HTTP and the case selectors and services. Who may see and do
what is decided in cases/access.py (and, for the workflow, cases/workflow.py via the services):

- every operation needs a signed-in user (session or `Authorization: Token <key>`) whose role
  may work on cases (`cases.view_case`); anyone else gets 401 or 403 `role_not_permitted`;
- a case the user may not see answers 404 `not_found`, exactly like one that does not exist;
- a `CaseError` from a service answers 400 with its code, or 403 for `role_not_permitted`.

Merged cases are not redirected: their detail and history stay readable (that is where the
record of the merge lives) and carry `merged_into`, the survivor's reference. Writes to a
merged case answer 400 `case_merged`.

Writes that change a case (`transition/`, `assign/`, `tags/`, `merge/`) are made on the
version of the case the client read: the detail answers with an `ETag` (the case's `version`
in quotes), each of these writes requires it back in `If-Match`, answers 428
`precondition_required` without it and 412 `stale_case` with the case as it is now when the
case changed since (cases/concurrency.py). A note adds and overwrites nothing: `notes/` takes
no `If-Match`.

Status and assignee change only through `transition/`, `assign/` and `merge/`; there is no
generic update.

One module per kind of operation: `reading` (the queue, a case, its history), `writing` (the
workflow, notes, questions, merges, assignment, tags) and `evidence`; `base` holds what they
share.
"""

from cases.api.views.base import CaseAPIView, CaseWriteView
from cases.api.views.evidence import EvidenceDownloadView
from cases.api.views.reading import CaseDetailView, CaseHistoryView, CaseListView, CasePagination
from cases.api.views.writing import (
    CaseAssignView,
    CaseMergeView,
    CaseNoteCreateView,
    CaseQuestionCreateView,
    CaseTagsView,
    CaseTransitionView,
)

__all__ = [
    "CaseAPIView",
    "CaseAssignView",
    "CaseDetailView",
    "CaseHistoryView",
    "CaseListView",
    "CaseMergeView",
    "CaseNoteCreateView",
    "CasePagination",
    "CaseQuestionCreateView",
    "CaseTagsView",
    "CaseTransitionView",
    "CaseWriteView",
    "EvidenceDownloadView",
]
