"""Photos: JPEG, PNG, WebP and GIF cleaned losslessly (the compressed picture is copied byte for
byte, only the parts that carry data about the photo are left out), TIFF and BMP re-encoded with
Pillow, pixels checked identical. What each keeps and removes is in the table of
`intake.metadata`.

Every cleaner reads the whole file from `data` and returns the new file; each is an allow-list:
a part it does not know is left out where the format says readers may ignore it, and refused
(Malformed) where a reader could not show the picture without it.
"""

import io
from typing import Any, cast

from PIL import Image, ImageFile, ImageSequence

from intake.metadata.parsing import Malformed, riff_chunks, take, u16be, u32be, u32le

# --- JPEG -------------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
# Markers without a length: restarts and TEM.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# What decoding needs: frames (SOF0-15, DHT, DAC), quantisation and restart tables (DQT, DNL, DRI,
# DHP, EXP) and JPEG-LS's frame and parameters (SOF55, LSE).
_DECODING = {*range(0xC0, 0xD0), 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8}
_APP0, _APP2, _APP14, _COM = 0xE0, 0xE2, 0xEE, 0xFE
_FRAMES = {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0), 0xF7}


def _keeps_application_segment(marker: int, payload: bytes) -> bool:
    # JFIF (pixel density), Adobe (which colour transform the scans use) and the ICC profile
    # (colours) change how the picture looks; every other APPn is data about it: Exif with GPS,
    # XMP, IPTC/Photoshop, MPF (which points at more images after the first), makers' blocks.
    return (
        (marker == _APP0 and payload.startswith(b"JFIF\x00"))
        or (marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"))
        or (marker == _APP14 and payload.startswith(b"Adobe"))
    )


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG without Exif, XMP, IPTC, comments and anything after the picture's end (where
    phones append more pictures, each with its own Exif); scans copied as they are."""
    if take(data, 0, 2) != b"\xff\xd8":
        raise Malformed("no JPEG start-of-image")
    out = bytearray(b"\xff\xd8")
    pos, end = 2, len(data)
    seen_frame = seen_scan = False
    while True:
        if take(data, pos, 1)[0] != 0xFF:
            raise Malformed(f"a marker was expected at {pos}")
        while pos < end and data[pos] == 0xFF:  # fill bytes may pad any marker
            pos += 1
        marker = take(data, pos, 1)[0]
        pos += 1
        if marker == _EOI:
            if not (seen_frame and seen_scan):
                raise Malformed("the JPEG ends before it has a frame and a scan")
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += bytes((0xFF, marker))
            continue
        length = u16be(data, pos)
        if length < 2:
            raise Malformed(f"segment length {length} at {pos}")
        segment = take(data, pos, length)
        pos += length
        if marker in _DECODING or marker == _SOS:
            out += bytes((0xFF, marker)) + segment
            seen_frame = seen_frame or marker in _FRAMES
        elif 0xE0 <= marker <= 0xEF:
            if _keeps_application_segment(marker, segment[2:]):
                out += bytes((0xFF, marker)) + segment
        elif marker != _COM:
            raise Malformed(f"unknown JPEG marker 0x{marker:02X}")
        if marker == _SOS:
            if not seen_frame:
                raise Malformed("a scan before any frame")
            seen_scan = True
            start = pos
            pos = _end_of_entropy_coded_data(data, pos)
            out += data[start:pos]


def _end_of_entropy_coded_data(data: bytes, pos: int) -> int:
    # Inside a scan 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything else
    # is the next marker, which the caller reads.
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise Malformed("a scan runs to the end of the file")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


# --- PNG (and APNG) -----------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that change what is shown: the picture, its palette and transparency, colour (gamma,
# chromaticities, ICC, sRGB, cICP, HDR levels), background, pixel size, and APNG's frames.
# Every other chunk is left out: tEXt/zTXt/iTXt (XMP lives in iTXt), eXIf, tIME, sPLT (a named
# palette) and any private one. PNG marks chunks a reader may skip with a lower-case first letter.
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi", b"bKGD", b"hIST", b"pHYs", b"acTL", b"fcTL",
    b"fdAT",
}  # fmt: skip


def strip_png(data: bytes) -> bytes:
    """The PNG with only the chunks that change what is shown, each copied with its CRC."""
    if take(data, 0, 8) != _PNG_SIGNATURE:
        raise Malformed("no PNG signature")
    out = bytearray(_PNG_SIGNATURE)
    pos = 8
    first = True
    while True:
        length = u32be(data, pos)
        if length > 0x7FFFFFFF:
            raise Malformed(f"chunk length {length} at {pos}")
        kind = take(data, pos + 4, 4)
        chunk = take(data, pos, 12 + length)
        pos += 12 + length
        if first and kind != b"IHDR":
            raise Malformed("the PNG does not start with IHDR")
        first = False
        if kind in _PNG_KEEP:
            out += chunk
        elif not kind[0:1].islower():
            raise Malformed(f"unknown critical PNG chunk {kind!r}")
        if kind == b"IEND":
            return bytes(out)  # anything after the end is left out


# --- WebP ---------------------------------------------------------------------------------------

# The picture (lossy, lossless, extended header, alpha), animation and the ICC profile. EXIF and
# "XMP " are left out, and so is any chunk WebP does not define (readers must ignore those).
_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def strip_webp(data: bytes) -> bytes:
    """The WebP without EXIF and XMP chunks; VP8X no longer announces them; RIFF size fixed."""
    if take(data, 0, 4) != b"RIFF" or take(data, 8, 4) != b"WEBP":
        raise Malformed("not a RIFF WEBP file")
    riff_end = 8 + u32le(data, 4)
    if riff_end > len(data):
        raise Malformed("the RIFF size runs past the end of the file")
    body = bytearray()
    has_picture = False
    for kind, chunk in riff_chunks(data, 12, riff_end):
        if kind not in _WEBP_KEEP:
            continue
        if kind == b"VP8X":
            header = bytearray(chunk)
            take(chunk, 8, 1)  # the flags byte must be there
            header[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
            chunk = bytes(header)
        has_picture = has_picture or kind in (b"VP8 ", b"VP8L", b"ANMF")
        body += chunk
    if not has_picture:
        raise Malformed("a WebP without a picture")
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WEBP" + bytes(body)


# --- GIF ----------------------------------------------------------------------------------------

# Application extensions that change how the picture plays (looping) or looks (colour profile);
# every other one (XMP is "XMP DataXMP") and every comment is left out.
_GIF_APPLICATIONS_KEPT = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def strip_gif(data: bytes) -> bytes:
    """The GIF without comments, XMP and other application extensions, and nothing after its
    trailer; frames and their timing copied as they are."""
    if take(data, 0, 6) not in (b"GIF87a", b"GIF89a"):
        raise Malformed("no GIF header")
    flags = take(data, 10, 1)[0]
    pos = 13 + (3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0)
    out = bytearray(take(data, 0, pos))
    while True:
        introducer = take(data, pos, 1)[0]
        if introducer == 0x3B:
            return bytes(out + b"\x3b")
        if introducer == 0x2C:  # an image: descriptor, local colour table, LZW data
            start = pos
            flags = take(data, pos + 9, 1)[0]
            pos += 10 + (3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0)
            take(data, pos, 1)  # LZW minimum code size
            pos = _after_sub_blocks(data, pos + 1)
            out += data[start:pos]
        elif introducer == 0x21:
            start = pos
            label = take(data, pos + 1, 1)[0]
            pos = _after_sub_blocks(data, pos + 2)
            if label == 0xFF:
                identifier = take(data, start + 2, 12)
                keep = identifier[0] == 11 and identifier[1:] in _GIF_APPLICATIONS_KEPT
            else:
                keep = label in (0xF9, 0x01)  # graphic control, plain text (drawn in the frame)
            if keep:
                out += data[start:pos]
        else:
            raise Malformed(f"unknown GIF block 0x{introducer:02X} at {pos}")


def _after_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        size = take(data, pos, 1)[0]
        pos += 1 + size
        if size == 0:
            return pos
        if pos > len(data):
            raise Malformed("a GIF data block runs past the end of the file")


# --- TIFF and BMP: re-encoded ---------------------------------------------------------------------

# TIFF tags that describe the photo or who took it rather than its pixels; a re-encoded copy
# must have none (checked after writing, in case a Pillow version starts copying them).
_TIFF_DESCRIPTIVE_TAGS = {
    270,  # ImageDescription
    271,  # Make
    272,  # Model
    305,  # Software
    306,  # DateTime
    315,  # Artist
    316,  # HostComputer
    700,  # XMP
    33432,  # Copyright
    33723,  # IPTC
    34377,  # Photoshop
    34665,  # Exif IFD
    34853,  # GPS IFD
    37724,  # ImageSourceData
}
_REENCODED_FORMATS = {"TIFF", "BMP"}


def reencode(data: bytes, expected_format: str) -> bytes:
    """A new file of the same format made from the decoded pixels only (with their palette,
    transparency and ICC profile), frame by frame; refused unless reading it back gives the same
    pixels and no descriptive tag. Used where a lossless cleaner would have to understand every
    tag of the format (TIFF's IFDs point anywhere in the file)."""
    if expected_format not in _REENCODED_FORMATS:
        raise Malformed(f"{expected_format} is not re-encoded")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected_format:
                raise Malformed(f"Pillow reads a {image.format}, not a {expected_format}")
            frames = []
            for frame in ImageSequence.Iterator(image):
                # The iterator yields the opened file itself, seeked to each frame.
                _check_complete(cast(ImageFile.ImageFile, frame), len(data))
                frames.append(_bare(frame))
    except Malformed:
        raise
    except Exception as error:
        # Pillow's plugins say a file is damaged in many ways (OSError for a truncated file,
        # SyntaxError for a header they cannot read, TypeError, ValueError, bombs...).
        raise Malformed(f"Pillow: {type(error).__name__}: {error}") from error
    out = io.BytesIO()
    options: dict[str, Any] = {"format": expected_format}
    if expected_format == "TIFF":
        options.update(compression="tiff_lzw", save_all=True, append_images=frames[1:])
    icc = frames[0].info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    frames[0].save(out, **options)
    copy = out.getvalue()
    _check_reencoded(copy, frames)
    return copy


def _check_complete(frame: ImageFile.ImageFile, size: int) -> None:
    """Refuse a frame whose pixel data runs past the end of the file. Pillow would refuse it
    too, unless something in the process has set `ImageFile.LOAD_TRUNCATED_IMAGES` (WeasyPrint
    does, on import), when it fills in what is missing: we never make a copy of a damaged file."""
    tags = getattr(frame, "tag_v2", None)
    if tags is not None:  # TIFF: strips or tiles, with their offsets and lengths
        offsets = tags.get(273) or tags.get(324) or ()
        lengths = tags.get(279) or tags.get(325) or ()
        if not offsets or len(offsets) != len(lengths):
            raise Malformed("TIFF strips or tiles without lengths")
        if any(start + length > size for start, length in zip(offsets, lengths, strict=True)):
            raise Malformed("a TIFF strip or tile runs past the end of the file")
        return
    for _, box, offset, args in frame.tile:  # BMP: rows from an offset
        if frame.tile[0][0] != "raw":
            raise Malformed("a compressed BMP")
        stride = abs(args[1]) if isinstance(args, tuple) and len(args) > 1 else 0
        height = box[3] - box[1]  # type: ignore[index]  # a BMP tile always has extents
        if not stride or offset + stride * height > size:
            raise Malformed("BMP rows run past the end of the file")


def _bare(frame: Image.Image) -> Image.Image:
    """The frame's pixels in a new image that carries nothing else of the file."""
    frame.load()
    bare = Image.frombytes(frame.mode, frame.size, frame.tobytes())
    if frame.mode in ("P", "PA") and (palette := frame.getpalette()):
        bare.putpalette(palette)
    for kept in ("transparency", "icc_profile"):
        if kept in frame.info:
            bare.info[kept] = frame.info[kept]
    return bare


def _check_reencoded(copy: bytes, frames: list[Image.Image]) -> None:
    with Image.open(io.BytesIO(copy)) as image:
        written = list(ImageSequence.Iterator(image))
        if len(written) != len(frames):
            raise Malformed("the re-encoded copy lost frames")
        for original, frame in zip(frames, written, strict=True):
            if frame.tobytes() != original.tobytes():
                raise Malformed("the re-encoded copy's pixels differ")
            tags = getattr(frame, "tag_v2", {})
            if _TIFF_DESCRIPTIVE_TAGS & set(tags) or "exif" in frame.info:
                raise Malformed("the re-encoded copy still describes the photo")
