"""The evidence step: photos, videos and documents, checked by their bytes as they arrive."""

from typing import TYPE_CHECKING, Any, cast

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from intake import evidence as evidence_files

if TYPE_CHECKING:
    pass


from intake.forms.base import StepForm


def accepted_by_evidence_rules(mime: str) -> bool:
    """The rule intake/evidence.py applies to the type it reads from a file's bytes."""
    allowed = mime in evidence_files.ALLOWED_MIME_TYPES or mime.startswith(
        evidence_files.ALLOWED_MIME_PREFIXES
    )
    return allowed and mime not in evidence_files.REFUSED_MIME_TYPES


# What the file chooser offers: the kinds the checks accept, and the extensions of every type
# they recognise (some phones and systems know a HEIC photo only by its name). Each file's
# bytes are still checked when it arrives.
EVIDENCE_ACCEPT = ",".join(
    [f"{prefix}*" for prefix in evidence_files.ALLOWED_MIME_PREFIXES]
    + sorted(evidence_files.ALLOWED_MIME_TYPES)
    + sorted(
        {f".{kind.extension}" for kind in filetype.types if accepted_by_evidence_rules(kind.mime)}
    )
)
# The common formats named on the page, as people know them.
_FORMAT_NAMES = {
    "jpg": "JPEG", "png": "PNG", "heic": "HEIC",
    "mp4": "MP4", "mov": "MOV",
    "mp3": "MP3", "m4a": "M4A",
}  # fmt: skip


def _format_names(prefix: str) -> str:
    names = [
        _FORMAT_NAMES[kind.extension]
        for kind in filetype.types
        if kind.extension in _FORMAT_NAMES
        and kind.mime.startswith(prefix)
        and accepted_by_evidence_rules(kind.mime)
    ]
    return ", ".join(sorted(names, key=list(_FORMAT_NAMES.values()).index))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input. Each is checked by EvidenceForm, one at a time, so one bad
    file does not lose the good ones."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if isinstance(item, UploadedFile)]


def evidence_files_help() -> str:
    """The types and sizes of files accepted as evidence, in the reader's language: the hint
    of every evidence file input (the form's step, and adding to a sent report)."""
    kinds = _("Photos (%(photos)s…), videos (%(videos)s…), audio (%(audio)s…) and PDF.") % {
        "photos": _format_names("image/"),
        "videos": _format_names("video/"),
        "audio": _format_names("audio/"),
    }
    sizes = _(
        "You can choose several files at once. Each file can be up to %(file)d MB, and all "
        "files together up to %(total)d MB."
    ) % {
        "file": settings.EVIDENCE_MAX_FILE_BYTES // (1024 * 1024),
        "total": settings.EVIDENCE_MAX_REPORT_BYTES // (1024 * 1024),
    }
    return f"{kinds} {sizes}"


class EvidenceForm(StepForm):
    """Files to add. Each file's type is read from its bytes (intake/evidence.py); accepted
    files are in `accepted` even when others were refused."""

    files = MultipleFileField(  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
        label=_("Add photos, videos, audio recordings or PDF documents"),
        required=False,
        # usa-file-input: the USWDS JavaScript draws it as a drop zone; without it, it is a
        # plain file input that works the same.
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    description = forms.CharField(
        label=_("What do these files show?"), max_length=500, required=False
    )

    def __init__(self, *args: Any, kept_count: int = 0, kept_bytes: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._kept_count = kept_count
        self._kept_bytes = kept_bytes
        self.accepted: list[tuple[UploadedFile, evidence_files.InspectedFile]] = []
        self.fields["files"].help_text = evidence_files_help()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        count, total = self._kept_count, self._kept_bytes
        for upload in cleaned.get("files") or []:
            if count >= settings.INTAKE_MAX_EVIDENCE_FILES:
                self.add_error(
                    "files",
                    _("You can add up to %(count)d files.")
                    % {"count": settings.INTAKE_MAX_EVIDENCE_FILES},
                )
                break
            try:
                inspected = evidence_files.inspect_upload(upload)
            except ValidationError as error:
                self.add_error("files", error)
                continue
            if total + inspected.size > settings.EVIDENCE_MAX_REPORT_BYTES:
                self.add_error(
                    "files",
                    _("The file “%(name)s” would take all files together over %(limit)d MB.")
                    % {
                        "name": upload.name,
                        "limit": settings.EVIDENCE_MAX_REPORT_BYTES // (1024 * 1024),
                    },
                )
                continue
            self.accepted.append((upload, inspected))
            count, total = count + 1, total + inspected.size
        return cleaned
