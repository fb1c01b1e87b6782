"""Downloading an evidence file: the one sequence behind the case page's link and the API's
download, so both refuse, serve and record a download alike.

1. The file is looked up among those the reader may download (`evidence_for_download`); the
   original, as received, also needs `can_download_original_evidence`. Anything else is
   answered as a file that does not exist, so a withheld file never shows it is there.
2. The file is opened from storage and made into the answer (intake/evidence.py,
   `file_response`): the copy without location, camera and other data stored inside it, or the
   original; an attachment with a sanitised name, `nosniff`, `no-store`. Made before anything
   is recorded, so a file that cannot be read or cleaned is not counted as downloaded.
3. The download is counted in the evidence's history (`record_evidence_download`, which says
   whether it was the original) and written to the access log. If either fails, the opened file
   is closed and nothing is served.
"""

from django.http import FileResponse

from accesslog.models import AccessKind
from accesslog.services import AnyRequest, record_access
from cases.access import can_download_original_evidence
from cases.selectors import evidence_for_download
from cases.services import record_evidence_download
from intake import evidence as evidence_files
from intake.metadata import NoSharedCopy
from intake.models import Evidence


class EvidenceNotFound(LookupError):
    """No file the reader may download has this id, or the reader asked for an original they
    may not have: both answered like a file that does not exist."""


class NoSharedCopyOfEvidence(Exception):
    """No copy of `evidence` without the data stored inside the file can be made (a type with no
    cleaner, or a damaged file), so nothing was served or counted."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(f"No shared copy of evidence {evidence.pk}")
        self.evidence = evidence


def download_evidence(*, request: AnyRequest, evidence_id: int, original: bool) -> FileResponse:
    """The file of evidence `evidence_id` for the signed-in user of `request` (a DRF request
    for the API: only it knows a user signed in with a token), as an attachment, its download
    recorded. `original` asks for the file as it was received.

    Raises EvidenceNotFound and NoSharedCopyOfEvidence as above; plumbing.keys.files.Damaged
    and KeyDestroyed when the stored file was altered or its key destroyed (nothing is served
    or counted then either).
    """
    reader = request.user
    evidence = evidence_for_download(user=reader, evidence_id=evidence_id)
    if evidence is None or (original and not can_download_original_evidence(reader, evidence)):
        raise EvidenceNotFound(evidence_id)
    try:
        response = evidence_files.file_response(evidence, original=original)
    except NoSharedCopy as refused:
        raise NoSharedCopyOfEvidence(evidence) from refused
    try:
        record_evidence_download(evidence=evidence, actor=reader, original=original)
        record_access(
            request=request,
            kind=AccessKind.EVIDENCE_DOWNLOAD,
            object_id=evidence.pk,
            case_reference=evidence.report.case.reference,
        )
    except BaseException:
        response.close()
        raise
    return response
