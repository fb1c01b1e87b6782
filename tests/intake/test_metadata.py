"""Shared copies of evidence (intake/metadata): each type's copy has none of the location, camera
and owner data planted in the original, shows or sounds exactly the same, and leaves the
original untouched; a file whose structure does not hold together is refused, never handed out
half-cleaned, and never crashes or hangs the cleaner."""

import io
import struct
import wave

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile, ImageSequence

from intake.metadata import NoSharedCopy, Refusal, has_cleaner, shared_copy
from intake.metadata.parsing import Malformed
from tests import metadata_samples as samples

PHOTOS = {
    "image/jpeg": samples.jpeg_with_location,
    "image/png": samples.png_with_location,
    "image/webp": samples.webp_with_location,
    "image/avif": samples.avif_with_location,
    "image/tiff": samples.tiff_with_location,
    "image/gif": samples.gif_with_location,
}
RECORDINGS = {
    "video/mp4": samples.mp4_with_location,
    "audio/mpeg": samples.mp3_with_location,
    "audio/x-wav": lambda: samples.wav_with_location()[0],
    "audio/x-flac": samples.flac_with_location,
}
ALL = {**PHOTOS, **RECORDINGS}


def _copy(data: bytes, content_type: str) -> bytes:
    source = io.BytesIO(data)
    copy = shared_copy(source, content_type).read()
    assert source.getvalue() == data  # the original is only read
    return copy


def _frames(data: bytes) -> list[bytes]:
    with Image.open(io.BytesIO(data)) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def _gps(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(0x8825))


# --- Every type ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", list(ALL))
def test_the_original_carries_the_planted_data_and_its_copy_none(content_type):
    original = ALL[content_type]()
    assert len(samples.planted_in(original)) >= 2  # the test would prove nothing otherwise
    assert samples.planted_in(_copy(original, content_type)) == []


@pytest.mark.parametrize("content_type", list(PHOTOS))
def test_a_photo_copy_has_no_gps_and_exactly_the_same_pixels(content_type):
    original = PHOTOS[content_type]()
    copy = _copy(original, content_type)
    assert _frames(copy) == _frames(original)
    assert _gps(copy) == {}
    with Image.open(io.BytesIO(copy)) as image:
        exif = image.getexif()
        assert not {0x010F, 0x0110, 0x013B, 0x8769, 0x8825} & set(exif)
        assert samples.planted_in(repr(image.info).encode()) == []
        if content_type != "image/avif":  # HEIF keeps an emptied XMP item (test below)
            assert not {"xmp", "XML:com.adobe.xmp", "comment", "Comment", "Author"} & set(
                image.info
            )


def test_the_planted_gps_is_really_in_the_originals():
    for content_type in ("image/jpeg", "image/png", "image/webp", "image/avif", "image/tiff"):
        assert _gps(PHOTOS[content_type]())[2] == samples.LATITUDE, content_type


@pytest.mark.parametrize("content_type", [t for t in ALL if t not in ("image/tiff", "image/avif")])
def test_a_copy_of_a_copy_is_the_same_copy(content_type):
    once = _copy(ALL[content_type](), content_type)
    assert _copy(once, content_type) == once


# --- JPEG -------------------------------------------------------------------------------------


def _segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of each segment before the first scan's data."""
    found, pos = [], 2
    while True:
        marker = jpeg[pos + 1]
        length = struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
        found.append((marker, jpeg[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:
            return found
        pos += 2 + length


def test_a_jpeg_copy_keeps_jfif_and_the_colour_profile_and_the_scan_byte_for_byte():
    original = samples.jpeg_with_location()
    copy = _copy(original, "image/jpeg")
    markers = [marker for marker, _ in _segments(copy)]
    assert 0xE1 not in markers  # Exif, XMP
    assert 0xED not in markers  # IPTC
    assert 0xFE not in markers  # comment
    assert b"Exif\x00\x00" not in copy
    assert b"http://ns.adobe.com/xap/1.0/" not in copy
    assert markers[0] == 0xE0  # JFIF
    with Image.open(io.BytesIO(copy)) as image:
        assert image.info["icc_profile"] == samples.icc_profile()
    scan = copy[copy.index(b"\xff\xda") : copy.index(b"\xff\xd9") + 2]
    assert scan in original


def test_a_jpeg_copy_ends_with_the_first_image_and_drops_the_ones_phones_append():
    original = samples.jpeg_with_location(trailing_image=True)
    copy = _copy(original, "image/jpeg")
    assert copy.count(b"\xff\xd8") == 1
    assert copy.endswith(b"\xff\xd9")
    assert len(copy) < original.index(b"\xff\xd9\xff\xd8")


# --- PNG and WebP -------------------------------------------------------------------------------


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        chunks.append((kind, data, crc))
        pos += 12 + length
    return chunks


def test_a_png_copy_drops_text_exif_and_time_chunks_and_keeps_the_rest_with_valid_crcs():
    import zlib

    original = samples.png_with_location()
    before = {kind for kind, _, _ in _png_chunks(original)}
    assert {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"iCCP"} <= before
    chunks = _png_chunks(_copy(original, "image/png"))
    assert [kind for kind, _, _ in chunks] == [b"IHDR", b"iCCP", b"IDAT", b"IEND"]
    for kind, data, crc in chunks:
        assert zlib.crc32(kind + data) == crc


def test_a_webp_copy_no_longer_announces_exif_or_xmp_and_its_riff_size_is_right():
    original = samples.webp_with_location()
    copy = _copy(original, "image/webp")
    assert original[20] & 0x0C == 0x0C  # VP8X flags: Exif and XMP announced
    assert copy[12:16] == b"VP8X"
    assert copy[20] & 0x0C == 0
    assert copy[20] & 0x20  # the ICC profile still is
    assert struct.unpack("<I", copy[4:8])[0] == len(copy) - 8
    assert b"EXIF" not in copy and b"XMP " not in copy


# --- ISO BMFF ------------------------------------------------------------------------------------


def test_a_movie_copy_keeps_every_offset_and_the_picture_and_sound_samples():
    original = samples.mp4_with_location()
    copy = _copy(original, "video/mp4")
    assert len(copy) == len(original)
    for sample in samples.VIDEO_SAMPLES + samples.SOUND_SAMPLES:
        at = original.index(sample)
        assert copy[at : at + len(sample)] == sample
    # The sample tables, and so every offset into the file, are unchanged.
    for table in (b"stco", b"stsz", b"stsc"):
        at = original.index(table) - 4
        (size,) = struct.unpack(">I", original[at : at + 4])
        assert copy[at : at + size] == original[at : at + size]


def test_a_movie_copy_frees_udta_and_meta_and_zeroes_the_gps_track():
    original = samples.mp4_with_location()
    copy = _copy(original, "video/mp4")
    for kind in (b"udta", b"uuid", b"\xa9xyz", b"keys", b"ilst", b"com.apple.quicktime"):
        assert kind in original
        assert kind not in copy
    for sample in samples.GPS_SAMPLES:
        at = original.index(sample)
        assert copy[at : at + len(sample)] == bytes(len(sample))
    # The movie's udta became a free box of the same size where it was.
    at = original.index(b"udta", original.index(b"udta") + 1) - 4
    assert copy[at : at + 8] == original[at : at + 4] + b"free"


def test_a_heif_photo_copy_keeps_its_picture_and_has_an_empty_exif():
    original = samples.avif_with_location()
    copy = _copy(original, "image/avif")
    assert len(copy) == len(original)
    assert _frames(copy) == _frames(original)
    with Image.open(io.BytesIO(copy)) as image:
        assert dict(image.getexif()) == {}
        assert image.info["xmp"].startswith(b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>')
        assert image.info["xmp"].rstrip(b" ").endswith(b'<?xpacket end="w"?>')


# --- Recordings -------------------------------------------------------------------------------


def test_an_mp3_copy_is_its_frames_without_id3_tags():
    assert _copy(samples.mp3_with_location(), "audio/mpeg") == samples.MP3_FRAMES


def test_a_wav_copy_keeps_its_format_and_samples_and_drops_list_info():
    original, frames = samples.wav_with_location()
    copy = _copy(original, "audio/x-wav")
    assert b"LIST" not in copy
    with wave.open(io.BytesIO(copy)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 8000)
        assert reader.readframes(reader.getnframes()) == frames


def test_a_flac_copy_keeps_streaminfo_as_its_last_block_and_the_frames():
    copy = _copy(samples.flac_with_location(), "audio/x-flac")
    assert copy[:4] == b"fLaC"
    assert copy[4] == 0x80  # STREAMINFO, now the last metadata block
    assert copy[8 + 34 :] == samples.FLAC_FRAMES


# --- Types without a cleaner -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "audio/ogg", "video/webm", "video/x-msvideo", ""]
)
def test_types_without_a_cleaner_have_no_shared_copy(content_type):
    assert not has_cleaner(content_type)
    with pytest.raises(NoSharedCopy) as refused:
        shared_copy(io.BytesIO(samples.PDF), content_type)
    assert refused.value.refusal == Refusal.UNSUPPORTED_TYPE


@pytest.mark.parametrize("content_type", list(ALL))
def test_every_cleaned_type_says_it_has_a_cleaner(content_type):
    assert has_cleaner(content_type)


# --- Hostile files ---------------------------------------------------------------------------


def _refused(data: bytes, content_type: str) -> Refusal:
    with pytest.raises(NoSharedCopy) as refused:
        shared_copy(io.BytesIO(data), content_type)
    _by_a_check(refused.value)
    return refused.value.refusal


def _by_a_check(refused: NoSharedCopy) -> None:
    """The cleaner refused because one of its own checks failed (Malformed), not because
    something else broke inside it (which the caller would also refuse, but is a bug)."""
    assert isinstance(refused.__cause__, Malformed), repr(refused.__cause__)


def _copied_or_refused(data: bytes, content_type: str) -> None:
    try:
        copy = shared_copy(io.BytesIO(data), content_type).read()
    except NoSharedCopy as refused:
        _by_a_check(refused)
    else:
        assert samples.planted_in(copy) == []


@pytest.mark.parametrize("content_type", list(ALL))
def test_a_file_cut_short_anywhere_is_refused_or_clean(content_type):
    original = ALL[content_type]()
    step = max(1, len(original) // 150)
    for length in range(0, len(original), step):
        _copied_or_refused(original[:length], content_type)


@pytest.mark.parametrize("content_type", [t for t in ALL if t != "audio/mpeg"])
def test_a_file_cut_in_half_is_refused(content_type):
    original = ALL[content_type]()
    assert _refused(original[: len(original) // 2], content_type) == Refusal.UNREADABLE


def _jpeg_with_segment(marker: int, length: int) -> bytes:
    return b"\xff\xd8" + bytes((0xFF, marker)) + struct.pack(">H", length) + b"rest of file"


def _mp4_with_moov_size(size_field: bytes) -> bytes:
    return samples.box(b"ftyp", b"isom\x00\x00\x00\x00") + size_field + b"moov" + bytes(64)


def _movie_with_table(kind: bytes, payload: bytes) -> bytes:
    """The movie with the start of a table of its GPS track (the last track) overwritten."""
    original = samples.mp4_with_location()
    at = original.rindex(kind)
    (size,) = struct.unpack(">I", original[at - 4 : at])
    patched = original[: at + 4] + payload[: size - 8] + original[at + 4 + len(payload) :]
    assert len(patched) == len(original)
    return patched


HOSTILE = [
    ("image/jpeg", _jpeg_with_segment(0xE1, 0xFFFF), "a segment longer than the file"),
    ("image/jpeg", _jpeg_with_segment(0xE1, 1), "a segment length below its own size"),
    ("image/jpeg", b"\xff\xd8" + b"\xff" * 5000, "nothing but fill bytes"),
    ("image/jpeg", b"\xff\xd8\xff\xd9", "no frame, no scan"),
    ("image/jpeg", _jpeg_with_segment(0xF0, 4), "an unknown marker"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0x7FFFFFFF) + b"IHDR", "a huge chunk"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0) + b"tEXt" + bytes(4), "no IHDR"),
    ("image/webp", b"RIFF\xff\xff\xff\x7fWEBPVP8X", "a RIFF size past the end"),
    ("image/webp", b"RIFF\x14\x00\x00\x00WEBPVP8X\xff\xff\x00\x00" + bytes(4), "a chunk too long"),
    ("image/gif", b"GIF89a" + bytes(7) + b"\x21\xfe\x40short", "a block past the end"),
    ("image/gif", b"GIF89a" + bytes(7) + b"\x99", "an unknown block"),
    ("video/mp4", _mp4_with_moov_size(b"\xff\xff\xff\xf0"), "a box longer than the file"),
    ("video/mp4", _mp4_with_moov_size(b"\x00\x00\x00\x04"), "a box shorter than its header"),
    ("video/mp4", _mp4_with_moov_size(b"\x00\x00\x00\x01") + b"\x7f" + bytes(7), "a 64-bit size"),
    ("video/mp4", samples.box(b"ftyp", b"isom") + samples.box(b"mdat", b"x"), "no moov"),
    ("video/mp4", _movie_with_table(b"stco", b"\x00\x00\x00\x00\xff\xff\xff\xff"), "stco count"),
    ("video/mp4", _movie_with_table(b"stsz", bytes(8) + b"\xff\xff\xff\xff"), "stsz count"),
    ("video/mp4", _movie_with_table(b"stco", bytes(4) + b"\x00\x00\x00\x02\xff\xff\xff\xf0"),
     "a GPS chunk outside the file"),
    ("audio/mpeg", b"ID3\x03\x00\x00\x7f\x7f\x7f\x7f" + samples.MP3_FRAMES, "an ID3 tag too long"),
    ("audio/mpeg", b"ID3\x03\x00\x00\x80\x00\x00\x00" + samples.MP3_FRAMES, "not sync-safe"),
    ("audio/mpeg", b"not a frame at all", "no audio frame"),
    ("audio/x-flac", b"fLaC\x80\xff\xff\xff", "a block past the end"),
    ("audio/x-wav", b"RIFF\x04\x00\x00\x00WAVE", "no format, no sound"),
]


@pytest.mark.parametrize(
    ("content_type", "data"),
    [(content_type, data) for content_type, data, _ in HOSTILE],
    ids=[why for _, _, why in HOSTILE],
)
def test_a_hostile_file_is_refused_as_unreadable(content_type, data):
    assert _refused(data, content_type) == Refusal.UNREADABLE


def test_a_heif_item_placed_outside_the_file_is_refused():
    original = samples.avif_with_location()
    iloc = original.index(b"iloc")
    # Make every 32-bit field of iloc's entries point far away: some extent lands outside.
    patched = original[: iloc + 12] + b"\x7f" * 40 + original[iloc + 52 :]
    assert _refused(patched, "image/avif") == Refusal.UNREADABLE


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content_type=st.sampled_from(sorted(ALL)),
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
)
def test_damaged_files_are_refused_or_copied_never_crash(content_type, changes):
    data = bytearray(ALL[content_type]())
    for where, value in changes:
        data[int(where * len(data))] = value
    try:
        shared_copy(io.BytesIO(bytes(data)), content_type).read()
    except NoSharedCopy as refused:
        _by_a_check(refused)


@settings(max_examples=150, deadline=None)
@given(content_type=st.sampled_from(sorted(ALL)), data=st.binary(max_size=400))
def test_random_bytes_are_refused_or_copied_never_crash(content_type, data):
    try:
        shared_copy(io.BytesIO(data), content_type).read()
    except NoSharedCopy as refused:
        _by_a_check(refused)



def test_boxes_a_player_does_not_need_become_free_and_bytes_no_track_reads_are_zeroed():
    maker = samples.box(b"smta", b"Samsung GPS " + samples.ISO6709)
    left_over = b"a removed track's GPS " + samples.ISO6709
    original = samples.mp4_with_location(extra_moov=maker, orphan=left_over)
    copy = _copy(original, "video/mp4")
    assert len(copy) == len(original)
    assert b"smta" not in copy
    at = original.index(left_over)
    assert copy[at : at + len(left_over)] == bytes(len(left_over))
    for sample in samples.VIDEO_SAMPLES + samples.SOUND_SAMPLES:
        assert sample in copy


def test_beside_quicktime_uncompressed_sound_unread_bytes_are_left_as_they_are():
    # stsz says each sound sample is 1 byte and means a frame of several: the sound track's
    # chunks cannot be measured, so nothing around them is zeroed (the GPS track still is).
    original = samples.mp4_with_location(orphan=b"not read by any track", sound_sample_size=1)
    copy = _copy(original, "video/mp4")
    assert b"not read by any track" in copy
    assert samples.planted_in(copy) == []


def test_a_bmp_copy_has_the_same_pixels_and_a_cut_one_is_refused():
    out = io.BytesIO()
    samples.picture().save(out, "BMP")
    original = out.getvalue()
    assert _frames(_copy(original, "image/bmp")) == _frames(original)
    assert _refused(original[:-100], "image/bmp") == Refusal.UNREADABLE


@pytest.mark.parametrize("content_type", ["image/tiff", "image/bmp"])
def test_a_cut_file_is_refused_even_where_pillow_was_told_to_accept_truncated_images(
    monkeypatch, content_type
):
    # WeasyPrint sets this for the whole process when it is imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    out = io.BytesIO()
    samples.picture().save(out, content_type.split("/")[1].upper())
    original = out.getvalue()
    assert _refused(original[: len(original) - 200], content_type) == Refusal.UNREADABLE
