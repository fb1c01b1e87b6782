"""Copies of evidence files that leave Rights Desk, without the data phones and cameras put inside
them: where the photo or recording was made (GPS), the camera and its serial number, the owner's
name, the software, comments and tags.

The stored file is evidence and is never changed: its bytes and SHA-256 stay as they were
received (it is stored sealed, plumbing/keys/files.py, and `source` here is always the file
opened from its sealed copy, intake.evidence.open_stored). Every copy that leaves (a download
from the case page or the API) is made from it by `shared_copy`, except the original that
legal staff ask for by name (cases/access.py). Case files (`reports`) list evidence by name,
type, size and hash and embed none of it.

Each type has one cleaner, chosen by the type found in the file's bytes at upload
(`intake.evidence.inspect_upload`). Lossless means the picture or sound is copied byte for
byte: a copy decodes to exactly the pixels and samples of the original.

JPEG: lossless, marker segments.
    Removed: Exif (GPS, camera, serial, owner, thumbnail) and XMP (APP1), IPTC/Photoshop
    (APP13), MPF and every other APPn, comments, anything after the image's end (phones append
    more images there, each with its own Exif).
    Kept: JFIF (APP0), ICC colour profile (APP2), Adobe colour transform (APP14), tables,
    frames, scans.
PNG, APNG: lossless, chunks copied with their CRCs.
    Removed: eXIf, tEXt, zTXt, iTXt (XMP), tIME, sPLT, every private or unknown ancillary
    chunk, anything after IEND.
    Kept: the picture, palette, transparency, colour (gAMA, cHRM, iCCP, sRGB, cICP, HDR
    levels), bKGD, hIST, pHYs, animation.
WebP: lossless, RIFF chunks; VP8X no longer announces Exif and XMP; RIFF size fixed.
    Removed: EXIF, XMP, unknown chunks. Kept: the picture, alpha, animation, ICC profile.
GIF: lossless, blocks.
    Removed: comments, XMP and other application extensions, anything after the trailer.
    Kept: frames, timing, looping, ICC profile.
HEIC, AVIF: lossless, in place (`isobmff`).
    Removed: the Exif item (left as an Exif without tags) and the XMP item (an empty packet),
    other descriptive items, descriptive item properties, `uuid`, `udta` and every box a
    reader does not need, whatever in `mdat` no picture item reads.
    Kept: the picture items and their properties (colour, rotation, HDR), every offset.
MP4, MOV, 3GP, M4V, M4A: lossless, in place (`isobmff`).
    Removed: `udta` (`©xyz`, `loci`, tags, makers' blocks) and `meta` (Apple's location keys,
    make, model, software) of the movie and of each track, top-level `uuid` (XMP) and every
    other box a player does not need; the samples of timed metadata, text and timecode tracks
    (GPS tracks) and whatever else in `mdat` no picture or sound track reads are zeroed.
    Kept: picture and sound tracks, every offset, the recording times of the movie and track
    headers (part of the evidence, not of where it was made).
TIFF, BMP: re-encoded with Pillow in the same format (TIFF with LZW), decoded pixels checked
    identical. Removed: every tag the pixels do not need: Exif, GPS, XMP, IPTC, make, model,
    software, artist, dates. Kept: pixels, palette, transparency, ICC profile, every frame.
MP3, AAC: lossless, the audio frames followed by their lengths. Removed: ID3v2 (before and
    after the sound), ID3v1, APEv2, Lyrics3, a last frame cut short.
WAV: lossless, RIFF chunks. Removed: LIST/INFO, bext, iXML, id3, cue, any other chunk.
    Kept: fmt, fact, data.
FLAC: lossless, metadata blocks. Removed: VORBIS_COMMENT (tags), PICTURE, APPLICATION,
    CUESHEET, PADDING, ID3. Kept: STREAMINFO, SEEKTABLE, frames.
AMR: copied as it is: the format holds nothing but sound.
PDF, Ogg/Opus, WebM/Matroska, AVI, WMV, MPEG, FLV, MIDI, AIFF, JPEG 2000, JPEG XR, Canon raw,
    Photoshop, icons, anything else: no shared copy.

A PDF can carry an Info dictionary and XMP (author, software, dates) and embed photos with their
Exif; cleaning one means rewriting it, which needs a PDF library we do not ship. The other types
without a cleaner either cannot carry location in practice and are rare as evidence, or hide
tags inside the stream (Ogg's comment packets). For all of them, and for any file whose structure
does not hold together (truncated, a length that points outside the file, an unknown part a
reader would need), `shared_copy` raises `NoSharedCopy`: nothing is handed out as if it had been
cleaned. Legal staff can still download the original as received.

Every cleaner is an allow-list (what it keeps is named; what it does not know is left out or
refused), reads only inside the file's bounds and advances on every step, so a hostile file can
make it refuse but not crash or loop. Photos and recordings other than ISO BMFF are read whole
(at most `EVIDENCE_MAX_FILE_BYTES`, 25 MB by default); ISO BMFF files, the large videos, are
copied once into a spooled temporary file (in memory up to `SPOOL_BYTES`, then an unnamed file
on disk, gone when it is closed) and cleaned in place there.
"""

import io
import shutil
import tempfile
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import IO, TypeVar

from intake.metadata import audio, isobmff, stills
from intake.metadata.parsing import Malformed

__all__ = ["NoSharedCopy", "Refusal", "has_cleaner", "shared_copy"]

SPOOL_BYTES = 8 * 1024 * 1024
_T = TypeVar("_T")

# Cleaners that take the whole file and return the clean one.
_WHOLE: dict[str, Callable[[bytes], bytes]] = {
    "image/jpeg": stills.strip_jpeg,
    "image/png": stills.strip_png,
    "image/apng": stills.strip_png,
    "image/webp": stills.strip_webp,
    "image/gif": stills.strip_gif,
    "image/tiff": partial(stills.reencode, expected_format="TIFF"),
    "image/bmp": partial(stills.reencode, expected_format="BMP"),
    "audio/mpeg": partial(audio.strip_frames, frame_length=audio.mpeg_frame_length),
    "audio/aac": partial(audio.strip_frames, frame_length=audio.adts_frame_length),
    "audio/x-wav": audio.strip_wav,
    "audio/x-flac": audio.strip_flac,
    "audio/amr": audio.check_amr,
}
# ISO BMFF, cleaned in place: is the file a HEIF/AVIF photo (True) or a movie (False)?
_IN_PLACE: dict[str, bool] = {
    "video/mp4": False,
    "video/quicktime": False,
    "video/3gpp": False,
    "video/x-m4v": False,
    "audio/mp4": False,
    "image/heic": True,
    "image/heif": True,
    "image/avif": True,
}


class Refusal(StrEnum):
    UNSUPPORTED_TYPE = "unsupported_type"  # no cleaner for this type (see the table)
    UNREADABLE = "unreadable"  # the cleaner could not follow the file's structure


class NoSharedCopy(Exception):
    """No copy without embedded data can be made of this file; nothing may be handed out in
    its place. `detail` says why, for the log (it names no content of the file)."""

    def __init__(self, refusal: Refusal, detail: str) -> None:
        super().__init__(f"{refusal}: {detail}")
        self.refusal = refusal
        self.detail = detail


def has_cleaner(content_type: str) -> bool:
    """Whether files of `content_type` can be shared at all (a file may still turn out to be
    unreadable when its copy is made)."""
    return content_type in _WHOLE or content_type in _IN_PLACE


def shared_copy(source: IO[bytes], content_type: str) -> IO[bytes]:
    """A copy of `source` without location, camera and other embedded data (see the table),
    open for reading at its start; the caller closes it. `source` is only read.

    Raises NoSharedCopy for a type without a cleaner and for a file the cleaner cannot follow.
    Errors reading `source` itself (storage) are not caught: they are not the file's fault.
    """
    if content_type in _WHOLE:
        return io.BytesIO(_refusing(partial(_WHOLE[content_type], source.read())))
    if content_type in _IN_PLACE:
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
        try:
            shutil.copyfileobj(source, copy, length=1024 * 1024)
            size = copy.tell()
            _refusing(partial(isobmff.clean, copy, size, still=_IN_PLACE[content_type]))
        except BaseException:
            copy.close()
            raise
        copy.seek(0)
        return copy
    raise NoSharedCopy(Refusal.UNSUPPORTED_TYPE, f"no cleaner for {content_type or 'no type'}")


def _refusing(clean: Callable[[], _T]) -> _T:
    """Run a cleaner; whatever goes wrong inside it is the file's structure, and refuses."""
    try:
        return clean()
    except Malformed as error:
        raise NoSharedCopy(Refusal.UNREADABLE, str(error)) from error
    except Exception as error:
        # A cleaner reads only inside the file, so any other error is a structure it did not
        # foresee; the caller logs it with its traceback.
        detail = f"{type(error).__name__}: {error}"
        raise NoSharedCopy(Refusal.UNREADABLE, detail) from error
