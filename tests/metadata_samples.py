"""Real photos and recordings that carry location, camera and owner data, built in the test so
no binary fixture is needed. Each planted value is in PLANTED, so a test can look for every one
of them in a copy's bytes."""

import io
import struct
import wave
import zlib

from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

LATITUDE = (44.0, 58.0, 40.12)
LONGITUDE = (93.0, 15.0, 56.78)
ISO6709 = b"+44.9778-093.2658+000.000/"
MAKER = "PlantedMaker"
MODEL = "PlantedPhone 12"
ARTIST = "Ana Planted"
SERIAL = "SERIAL-PLANTED-0042"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="44,58.6687N" '
    b'exif:GPSLongitude="93,15.9463W">PlantedXMP</rdf:Description></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"Planted comment: Brooklyn Blvd and Zane Ave N"
# What must appear in no copy: the words, the coordinates as text, and the GPS rationals as
# Exif stores them (numerator and denominator of 40.12 and 56.78 seconds).
PLANTED = [
    MAKER.encode(),
    MODEL.encode(),
    ARTIST.encode(),
    SERIAL.encode(),
    b"PlantedXMP",
    b"Brooklyn Blvd",
    ISO6709,
    b"+44.9778",
    b"GPSLatitude",
]


def planted_in(data: bytes) -> list[bytes]:
    return [value for value in PLANTED if value in data]


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = MAKER
    exif[0x0110] = MODEL
    exif[0x013B] = ARTIST
    exif[0x8769] = {0xA431: SERIAL}  # Exif IFD: body serial number
    exif[0x8825] = {1: "N", 2: LATITUDE, 3: "W", 4: LONGITUDE}  # GPS IFD
    return exif


def picture(size: tuple[int, int] = (48, 32)) -> Image.Image:
    """A gradient, so a copy with other pixels cannot pass for the same."""
    image = Image.new("RGB", size)
    image.putdata(
        [(x * 5 % 256, y * 7 % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])]
    )
    return image


def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_location(*, trailing_image: bool = True) -> bytes:
    """A JPEG as a phone writes it: Exif with GPS, serial and owner, XMP, an ICC profile, an
    IPTC block, a comment, and a second image with its own Exif after the first one's end."""
    out = io.BytesIO()
    picture().save(
        out, "JPEG", quality=95, exif=gps_exif(), xmp=XMP, icc_profile=icc_profile(),
        comment=COMMENT,
    )
    data = out.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x5a\x00\x0cBrooklyn Blvd"
    data = data[:2] + _segment(0xED, iptc) + data[2:]
    if trailing_image:
        second = io.BytesIO()
        picture((8, 8)).save(second, "JPEG", exif=gps_exif())
        data += second.getvalue()
    return data


def png_with_location() -> bytes:
    info = PngInfo()
    info.add_text("Comment", COMMENT.decode())
    info.add_text("Author", ARTIST, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info, exif=gps_exif(), icc_profile=icc_profile())
    data = out.getvalue()
    # A tIME chunk before IEND, as some phones write it.
    body = b"tIME" + struct.pack(">HBBBBB", 2026, 11, 30, 7, 45, 0)
    time_chunk = struct.pack(">I", 7) + body + struct.pack(">I", zlib.crc32(body))
    return data[:-12] + time_chunk + data[-12:]


def webp_with_location() -> bytes:
    out = io.BytesIO()
    picture().save(
        out, "WEBP", lossless=True, exif=gps_exif(), xmp=XMP, icc_profile=icc_profile()
    )
    return out.getvalue()


def avif_with_location() -> bytes:
    out = io.BytesIO()
    picture().save(out, "AVIF", quality=90, exif=gps_exif(), xmp=XMP)
    return out.getvalue()


def tiff_with_location() -> bytes:
    exif = Image.Exif()
    exif.load(gps_exif().tobytes())  # TIFF's writer reads the nested IFDs from a loaded Exif
    exif[270] = COMMENT.decode()  # ImageDescription
    exif[700] = XMP
    out = io.BytesIO()
    picture().save(out, "TIFF", exif=exif)
    return out.getvalue()


def gif_with_location() -> bytes:
    out = io.BytesIO()
    picture().convert("P").save(out, "GIF", comment=COMMENT)
    data = out.getvalue()
    # An XMP application extension before the trailer, as editors write it.
    xmp_blocks = b"".join(bytes((len(part),)) + part for part in (XMP[i : i + 255] for i in
                          range(0, len(XMP), 255)))
    extension = b"\x21\xff\x0bXMP DataXMP" + xmp_blocks + b"\x00"
    return data[:-1] + extension + b"\x3b"


# --- ISO BMFF: a movie built box by box ------------------------------------------------------


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes, version: int = 0) -> bytes:
    return box(kind, bytes((version, 0, 0, 0)) + payload)


VIDEO_SAMPLES = [b"\x00\x00\x00\x10VIDEO-FRAME-ONE-", b"\x00\x00\x00\x11VIDEO-FRAME-TWO-!"]
SOUND_SAMPLES = [b"SOUND-SAMPLE-ONE", b"SOUND-SAMPLE-TWO"]
GPS_SAMPLES = [b"GPS5 +44.9778-093.2658 fix 1", b"GPS5 +44.9779-093.2657 fix 2"]


def _track(
    handler: bytes, offsets: list[int], samples: list[bytes], *, udta: bytes, fixed: int = 0
) -> bytes:
    # One sample per chunk; `fixed` is stsz's constant sample size (QuickTime's PCM says 1).
    sizes = b"" if fixed else b"".join(struct.pack(">I", len(s)) for s in samples)
    stbl = box(
        b"stbl",
        full_box(b"stsd", struct.pack(">I", 0))
        + full_box(b"stts", struct.pack(">I", 0))
        + full_box(b"stsc", struct.pack(">I", 1) + struct.pack(">III", 1, 1, 1))
        + full_box(b"stsz", struct.pack(">II", fixed, len(samples)) + sizes)
        + full_box(b"stco", struct.pack(">I", len(offsets)) + b"".join(
            struct.pack(">I", offset) for offset in offsets
        )),
    )
    hdlr = full_box(b"hdlr", struct.pack(">I", 0) + handler + bytes(12) + b"Handler\x00")
    mdia = box(b"mdia", full_box(b"mdhd", bytes(20)) + hdlr + box(b"minf", stbl))
    return box(b"trak", full_box(b"tkhd", bytes(80)) + mdia + udta)


def _movie(offsets: dict[str, list[int]], *, extra: bytes, sound_sample_size: int) -> bytes:
    location = box(b"\xa9xyz", struct.pack(">HH", len(ISO6709), 0x15C7) + ISO6709)
    owner = box(b"\xa9ART", struct.pack(">HH", len(ARTIST), 0) + ARTIST.encode())
    apple_keys = box(
        b"meta",
        full_box(b"hdlr", struct.pack(">I", 0) + b"mdta" + bytes(13))
        + box(b"keys", struct.pack(">II", 0, 2)
              + box(b"mdta", b"com.apple.quicktime.location.ISO6709")
              + box(b"mdta", b"com.apple.quicktime.model"))
        + box(b"ilst", box(struct.pack(">I", 1), box(b"data", bytes(8) + ISO6709))
              + box(struct.pack(">I", 2), box(b"data", bytes(8) + MODEL.encode()))),
    )
    return box(
        b"moov",
        full_box(b"mvhd", bytes(96))
        + _track(b"vide", offsets["vide"], VIDEO_SAMPLES, udta=box(b"udta", location))
        + _track(b"soun", offsets["soun"], SOUND_SAMPLES, udta=b"", fixed=sound_sample_size)
        + _track(b"meta", offsets["meta"], GPS_SAMPLES, udta=b"")
        + box(b"udta", location + owner)
        + apple_keys
        + extra,
    )


def mp4_with_location(
    *, extra_moov: bytes = b"", orphan: bytes = b"", sound_sample_size: int = 0
) -> bytes:
    """A QuickTime-style movie: a picture, a sound and a GPS track, location in the movie's
    and a track's `udta`, Apple's location key in `moov/meta`, XMP in a top-level `uuid`.
    `extra_moov` is added to `moov`; `orphan` ends `mdat`, read by no track."""
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    xmp = box(b"uuid", bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + XMP)
    samples = {"vide": VIDEO_SAMPLES, "soun": SOUND_SAMPLES, "meta": GPS_SAMPLES}
    options = {"extra": extra_moov, "sound_sample_size": sound_sample_size}
    placeholder = {kind: [0] * len(values) for kind, values in samples.items()}
    start = len(ftyp) + len(_movie(placeholder, **options)) + len(xmp) + 8
    offsets: dict[str, list[int]] = {}
    payload = b""
    for kind, values in samples.items():
        offsets[kind] = []
        for value in values:
            offsets[kind].append(start + len(payload))
            payload += value
    return ftyp + _movie(offsets, **options) + xmp + box(b"mdat", payload + orphan)


# --- Recordings --------------------------------------------------------------------------------


def _syncsafe(size: int) -> bytes:
    return bytes(((size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F))


MP3_FRAMES = (b"\xff\xfb\x90\x64" + bytes(413)) * 3


def mp3_with_location() -> bytes:
    text = b"\x00GPS\x00" + ISO6709
    frame = b"TXXX" + struct.pack(">I", len(text)) + b"\x00\x00" + text
    artist = b"TPE1" + struct.pack(">I", len(ARTIST) + 1) + b"\x00\x00\x00" + ARTIST.encode()
    body = frame + artist
    id3v2 = b"ID3\x03\x00\x00" + _syncsafe(len(body)) + body
    id3v1 = b"TAG" + MODEL.encode().ljust(30, b"\x00") + ARTIST.encode().ljust(30, b"\x00")
    id3v1 = id3v1.ljust(128, b"\x00")
    return id3v2 + MP3_FRAMES + id3v1


def wav_with_location() -> tuple[bytes, bytes]:
    """(the file, its frames)."""
    frames = bytes(range(256)) * 8
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(frames)
    data = out.getvalue()
    info = b"INFO" + b"IART" + struct.pack("<I", len(ARTIST) + 1) + ARTIST.encode() + b"\x00"
    info += b"ICMT" + struct.pack("<I", len(ISO6709)) + ISO6709
    chunk = b"LIST" + struct.pack("<I", len(info)) + info
    body = data[12:36] + chunk + data[36:]  # after fmt, before data
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body, frames


FLAC_FRAMES = b"\xff\xf8\x69\x08\x00\x00" + bytes(40)


def flac_with_location() -> bytes:
    streaminfo = bytes(34)
    comment = struct.pack("<I", 6) + b"vendor" + struct.pack("<I", 1)
    entry = b"LOCATION=" + ISO6709
    comment += struct.pack("<I", len(entry)) + entry
    return (
        b"fLaC"
        + bytes((0,)) + len(streaminfo).to_bytes(3, "big") + streaminfo
        + bytes((0x80 | 4,)) + len(comment).to_bytes(3, "big") + comment
        + FLAC_FRAMES
    )


PDF = b"%PDF-1.4\n1 0 obj << /Author (Ana Planted) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
