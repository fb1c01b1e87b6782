"""Recordings: MP3 and AAC without their ID3 and APE tags, WAV with only its format and sound
chunks, FLAC with only the blocks a decoder needs, AMR as it is (the format has no place for
anything but sound). The sound itself is copied byte for byte. M4A recordings are ISO BMFF
(`intake.metadata.isobmff`).
"""

from collections.abc import Callable

from intake.metadata.parsing import Malformed, riff_chunks, take, u32be, u32le


def _syncsafe(data: bytes, at: int) -> int:
    raw = take(data, at, 4)
    if any(byte & 0x80 for byte in raw):
        raise Malformed("an ID3 size that is not sync-safe")
    return raw[0] << 21 | raw[1] << 14 | raw[2] << 7 | raw[3]


def _after_leading_id3(data: bytes) -> int:
    """Where the sound starts after any number of ID3v2 tags."""
    pos = 0
    while data[pos : pos + 3] == b"ID3":
        flags = take(data, pos + 5, 1)[0]
        pos += 10 + _syncsafe(data, pos + 6) + (10 if flags & 0x10 else 0)
        if pos > len(data):
            raise Malformed("an ID3 tag runs past the end of the file")
    return pos


def _before_trailing_tags(data: bytes, start: int) -> int:
    """Where the sound ends before any ID3v1, APEv2, Lyrics3 or appended ID3v2 tags."""
    end = len(data)
    while end > start:
        if end - start >= 128 and data[end - 128 : end - 125] == b"TAG":
            end -= 128
        elif end - start >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
            size = u32le(data, end - 20)
            has_header = u32le(data, end - 12) & 0x80000000
            end -= size + (32 if has_header else 0)
        elif end - start >= 10 and data[end - 10 : end - 7] == b"3DI":
            end -= 20 + _syncsafe(data, end - 4)
        elif end - start >= 15 and data[end - 9 : end] == b"LYRICS200":
            digits = take(data, end - 15, 6)
            if not digits.isdigit():
                raise Malformed("a Lyrics3 size that is not a number")
            end -= 15 + int(digits)
        else:
            return end
        if end < start:
            raise Malformed("a trailing tag longer than the file")
    return end


# Bit rates in kbit/s by (MPEG version 1 or 2, layer) and bit-rate index; 2.5 uses version 2's.
_MPEG_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by the header's version bits (3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5).
_MPEG_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(data: bytes, pos: int) -> int:
    """The length of the MPEG audio frame whose header is at `pos`, or 0 where there is none
    (free-format frames, which do not say their length, included)."""
    if pos + 4 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xE0 != 0xE0:
        return 0
    version_bits, layer_bits = (data[pos + 1] >> 3) & 3, (data[pos + 1] >> 1) & 3
    bitrate_index, rate_index = data[pos + 2] >> 4, (data[pos + 2] >> 2) & 3
    if version_bits == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    layer, mpeg1, padding = 4 - layer_bits, version_bits == 3, (data[pos + 2] >> 1) & 1
    table = (1, layer) if mpeg1 else (2, 1 if layer == 1 else 2)
    bitrate = _MPEG_BITRATES[table][bitrate_index] * 1000
    rate = _MPEG_SAMPLE_RATES[version_bits][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def adts_frame_length(data: bytes, pos: int) -> int:
    """The length of the AAC (ADTS) frame whose header is at `pos`, or 0 where there is none."""
    if pos + 7 > len(data) or data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
        return 0
    length = (data[pos + 3] & 0x03) << 11 | data[pos + 4] << 3 | data[pos + 5] >> 5
    return length if length >= 7 else 0


def strip_frames(data: bytes, frame_length: Callable[[bytes, int], int]) -> bytes:
    """MP3 or AAC (ADTS): the audio frames only, found by following each frame's length from
    the end of any ID3v2 tags. After the last frame there may be only ID3v1, APEv2, Lyrics3 or
    appended ID3v2 tags (left out), or a last frame cut short (left out); anything else means
    the file holds something we cannot follow, and is refused rather than cut there."""
    start = pos = _after_leading_id3(data)
    while (length := frame_length(data, pos)) and pos + length <= len(data):
        pos += length
    if pos == start:
        raise Malformed("no audio frame where the tags end")
    cut_short = length and pos + length > len(data)
    if not cut_short and _before_trailing_tags(data, pos) != pos:
        raise Malformed(f"something other than audio frames or tags at {pos}")
    return data[start:pos]


# WAV: the format, the sample count of compressed formats, and the sound. LIST/INFO (title,
# artist, creation date, software), bext (originator, description), iXML, id3, cue points and
# any other chunk are left out.
_WAV_KEEP = {b"fmt ", b"fact", b"data"}


def strip_wav(data: bytes) -> bytes:
    if take(data, 0, 4) != b"RIFF" or take(data, 8, 4) != b"WAVE":
        raise Malformed("not a RIFF WAVE file")
    riff_end = 8 + u32le(data, 4)
    if riff_end > len(data):
        raise Malformed("the RIFF size runs past the end of the file")
    chunks = riff_chunks(data, 12, riff_end)
    kinds = [kind for kind, _ in chunks]
    if b"fmt " not in kinds or b"data" not in kinds:
        raise Malformed("a WAVE file without its format or its sound")
    body = b"".join(chunk for kind, chunk in chunks if kind in _WAV_KEEP)
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body


# FLAC metadata blocks a decoder uses: STREAMINFO and SEEKTABLE. PADDING, APPLICATION,
# VORBIS_COMMENT (the tags), CUESHEET and PICTURE are left out.
_FLAC_KEEP = {0, 3}


def strip_flac(data: bytes) -> bytes:
    pos = _after_leading_id3(data)
    if take(data, pos, 4) != b"fLaC":
        raise Malformed("no FLAC marker")
    pos += 4
    kept: list[tuple[int, bytes]] = []
    last = False
    while not last:
        header = u32be(data, pos)
        last, kind, length = bool(header >> 31), (header >> 24) & 0x7F, header & 0xFFFFFF
        if kind == 127 or (not kept and kind != 0):
            raise Malformed(f"FLAC block type {kind} at {pos}")
        block = take(data, pos + 4, length)
        if (kind == 0 and length != 34) or (kind == 3 and length % 18):
            raise Malformed(f"FLAC block type {kind} of {length} bytes")
        if kind in _FLAC_KEEP:
            kept.append((kind, block))
        pos += 4 + length
    frames = data[pos : _before_trailing_tags(data, pos)]
    if len(frames) < 2 or frames[0] != 0xFF or frames[1] & 0xFC != 0xF8:
        raise Malformed("no FLAC frame where the metadata ends")
    out = bytearray(b"fLaC")
    for index, (kind, block) in enumerate(kept):
        flag = 0x80 if index == len(kept) - 1 else 0
        out += bytes((flag | kind,)) + len(block).to_bytes(3, "big") + block
    return bytes(out + frames)


def check_amr(data: bytes) -> bytes:
    """AMR is a magic number and sound frames: there is nothing to take out."""
    if not data.startswith((b"#!AMR\n", b"#!AMR-WB\n", b"#!AMR_MC1.0\n", b"#!AMR-WB_MC1.0\n")):
        raise Malformed("no AMR magic number")
    return data
