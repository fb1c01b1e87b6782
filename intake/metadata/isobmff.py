"""Videos, M4A recordings and HEIC/AVIF photos: the ISO base media file format (MP4, MOV, 3GP,
M4V, M4A, HEIF, AVIF), cleaned in place.

Nothing moves. At each level we walk (the file, `moov`, each `trak` and its `mdia`, a HEIF
`meta`, its item properties) the boxes a player needs are named; every other box (`udta`,
`meta`, `uuid`, makers' own boxes) becomes a `free` box of the same size with its contents
zeroed, and the contents of `free`, `skip` and `wide` boxes are zeroed too (muxers leave old
metadata in them). The samples of tracks that are neither picture nor sound are zeroed where
they lie. Every offset in the file (the sample tables' `stco`/`co64`, `iloc`) stays valid, so
players read the copy exactly as they read the original.

Where location lives, and what happens to it:
- `moov/udta` (`©xyz`, `loci`, iTunes tags, GoPro's `GPMF`, Samsung's `smta`), `moov/meta`
  (Apple's keys, among them `com.apple.quicktime.location.ISO6709`), and `udta`/`meta` of each
  track: made `free`;
- top-level `uuid` boxes (XMP, cameras' own blocks) and, in a movie, a top-level `meta`: `free`;
- timed metadata, text, subtitle and timecode tracks (GoPro's GPS track, Google's `camm`, drones'
  telemetry subtitles, Apple's `mebx`): their samples zeroed, the track kept so that nothing that
  refers to it breaks;
- HEIF/AVIF photos keep their top-level `meta`, which is the picture: its `Exif` item becomes an
  Exif without tags and its XMP an empty packet (padded to their length, where `iloc` puts
  them), other descriptive items are zeroed, and descriptive item properties (`udes`, creation
  and modification times) become `free`.

- anything else in `mdat`, which no kept track or item reads (a track an editor removed without
  rewriting the file, leftovers): zeroed. Not in fragmented files, whose samples are listed in
  the fragments, nor beside QuickTime's uncompressed sound, whose sample table does not give
  its samples' lengths in bytes.

The cleaner first plans every change, then checks that nothing it would zero or free is read by
a picture or sound track or a picture item, then makes the changes. Refused: a compressed movie
header (`cmov`); a fragmented file with a track other than picture or sound (its samples are in
the fragments); sample tables or item locations that point outside the file or overlap what
must be kept; a HEIF item of a type we do not know, one that `iloc` does not place, or an Exif
or XMP item whose bytes are not Exif or XMP where `iloc` says they are.
"""

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import IO

from intake.metadata.parsing import Malformed, read_at, u32be, uint_be, zero_range

# Boxes whose contents are ignored by definition: zeroed, kept.
_PADDING = {b"free", b"skip", b"wide"}
# What a player needs, level by level. Anything else is made `free`.
_TOP_MOVIE = {b"ftyp", b"styp", b"moov", b"mdat", b"moof", b"mfra", b"sidx", b"ssix", b"prft",
              b"pdin"}  # fmt: skip
_TOP_STILL = {b"ftyp", b"meta", b"mdat", b"moov", b"idat"}
_MOVIE = {b"mvhd", b"trak", b"mvex", b"iods", b"pssh"}
_TRACK = {b"tkhd", b"mdia", b"edts", b"tref", b"tapt", b"load", b"txas", b"clip", b"matt",
          b"imap"}  # fmt: skip
_MEDIA = {b"mdhd", b"hdlr", b"minf", b"elng"}
_HEIF_META = {b"hdlr", b"pitm", b"iloc", b"iinf", b"iref", b"iprp", b"idat", b"dinf", b"grpl",
              b"ipro"}  # fmt: skip
# Item properties that describe the picture (size, colour, codec configuration, rotation,
# cropping, auxiliary and layer selection, HDR levels); `udes` (a user's description), `crtt`
# and `mdft` (times) and anything unknown are made `free`.
_PICTURE_PROPERTIES = {b"ispe", b"pixi", b"colr", b"hvcC", b"av1C", b"avcC", b"vvcC", b"jpgC",
                       b"uncC", b"cmpd", b"j2kH", b"irot", b"imir", b"clap", b"auxC", b"pasp",
                       b"lsel", b"a1op", b"a1lx", b"clli", b"mdcv", b"cclv", b"amve", b"rloc",
                       b"iscl", b"tols"}  # fmt: skip
# Item types that are the picture (coded images, tiles, grids, overlays, derived and tone-mapped
# images, masks). Exif and XMP are emptied; `mime` and `uri ` items of other kinds zeroed;
# anything else is refused: we cannot tell whether a reader needs it.
_PICTURE_ITEMS = {b"hvc1", b"hvt1", b"lhv1", b"av01", b"avc1", b"vvc1", b"jpeg", b"j2k1",
                  b"unci", b"grid", b"iovl", b"iden", b"tmap", b"mski"}  # fmt: skip
# Handlers of tracks whose samples are the recording itself: picture, sound, auxiliary picture
# (depth, alpha) and HEIF image sequences.
_AV_HANDLERS = {b"vide", b"soun", b"auxv", b"pict"}
_XMP_CONTENT_TYPES = {b"application/rdf+xml", b"application/xmp+xml"}


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int
    body: int  # after size, type and a 64-bit size: where `free` may start zeroing
    payload: int  # after a `uuid` box's user type too
    end: int


def boxes(file: IO[bytes], start: int, end: int) -> list[Box]:
    """The boxes between `start` and `end`, each checked to lie inside them."""
    found = []
    pos = start
    while pos < end:
        if end - pos < 8:
            raise Malformed(f"{end - pos} stray bytes at {pos}")
        header = read_at(file, pos, 8)
        size, kind = u32be(header, 0), header[4:8]
        body = pos + 8
        if size == 1:
            size = uint_be(read_at(file, pos + 8, 8), 0, 8)
            body = pos + 16
        elif size == 0:  # to the end of what contains it
            size = end - pos
        payload = body + (16 if kind == b"uuid" else 0)
        if size < payload - pos or pos + size > end:
            raise Malformed(f"box {kind!r} at {pos} has size {size}")
        found.append(Box(kind, pos, body, payload, pos + size))
        pos += size
    return found


@dataclass
class _Plan:
    """What cleaning a file will change, collected before anything is changed."""

    frees: list[Box] = field(default_factory=list)  # become `free`, contents zeroed
    zeros: list[tuple[int, int]] = field(default_factory=list)  # byte ranges zeroed
    writes: list[tuple[int, bytes]] = field(default_factory=list)  # emptied Exif and XMP items
    kept: list[tuple[int, int]] = field(default_factory=list)  # read by picture and sound
    # Whether `kept` is every byte the kept tracks read (see the module's docstring).
    exact: bool = True

    def keep_only(self, found: list[Box], kept: set[bytes]) -> list[Box]:
        """Free every box of `found` that is not `kept`, zero the padding boxes' contents, and
        return the kept boxes."""
        remaining = []
        for box in found:
            if box.kind in _PADDING:
                self.zeros.append((box.body, box.end))
            elif box.kind in kept:
                remaining.append(box)
            else:
                self.frees.append(box)
        return remaining

    def apply(self, file: IO[bytes]) -> None:
        changed = [(box.start, box.end) for box in self.frees] + self.zeros
        changed += [(offset, offset + len(data)) for offset, data in self.writes]
        if _overlap(changed, self.kept):
            raise Malformed("data a picture or sound track reads would be changed")
        for box in self.frees:
            file.seek(box.start + 4)
            file.write(b"free")
            zero_range(file, box.body, box.end)
        for start, end in self.zeros:
            zero_range(file, start, end)
        for offset, data in self.writes:
            file.seek(offset)
            file.write(data)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(ranges: list[tuple[int, int]], others: list[tuple[int, int]]) -> bool:
    events = sorted(
        [(start, end, 0) for start, end in _merged(ranges)]
        + [(start, end, 1) for start, end in _merged(others)]
    )
    furthest = {0: -1, 1: -1}
    for start, end, group in events:
        if start < furthest[1 - group]:
            return True
        furthest[group] = max(furthest[group], end)
    return False


def _unread(box: Box, kept: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `box`'s contents that no range of `kept` covers."""
    gaps, pos = [], box.payload
    for start, end in _merged(kept):
        if end <= pos or start >= box.end:
            continue
        if start > pos:
            gaps.append((pos, start))
        pos = max(pos, end)
    if pos < box.end:
        gaps.append((pos, box.end))
    return gaps


def clean(file: IO[bytes], size: int, *, still: bool) -> None:
    """Clean the ISO BMFF file in place. `still` is a HEIF/AVIF photo, whose top-level `meta`
    holds the picture; otherwise a movie, which must have a `moov`."""
    plan = _Plan()
    found = boxes(file, 0, size)
    fragmented = any(box.kind == b"moof" for box in found)
    top = plan.keep_only(found, _TOP_STILL if still else _TOP_MOVIE)
    metas = [box for box in top if box.kind == b"meta"]
    if still and len(metas) != 1:
        raise Malformed(f"a HEIF file with {len(metas)} top-level meta boxes")
    if not still and not any(box.kind == b"moov" for box in top):
        raise Malformed("a movie without moov")
    for box in top:
        if box.kind == b"moov":
            _plan_movie(file, box, size, plan, fragmented=fragmented)
        elif box.kind == b"meta":
            _plan_items(file, box, size, plan)
    if plan.exact and not fragmented:
        for mdat in (box for box in top if box.kind == b"mdat"):
            plan.zeros += _unread(mdat, plan.kept)
    plan.apply(file)


def _plan_movie(file: IO[bytes], moov: Box, size: int, plan: _Plan, *, fragmented: bool) -> None:
    children = boxes(file, moov.payload, moov.end)
    if any(child.kind == b"cmov" for child in children):
        raise Malformed("a compressed movie header")
    for child in plan.keep_only(children, _MOVIE):
        if child.kind == b"trak":
            _plan_track(file, child, size, plan, fragmented=fragmented)


def _only(found: list[Box], kind: bytes, where: str) -> Box:
    matching = [box for box in found if box.kind == kind]
    if len(matching) != 1:
        raise Malformed(f"{len(matching)} {kind!r} boxes in {where}")
    return matching[0]


def _plan_track(file: IO[bytes], trak: Box, size: int, plan: _Plan, *, fragmented: bool) -> None:
    children = plan.keep_only(boxes(file, trak.payload, trak.end), _TRACK)
    mdia = _only(children, b"mdia", "a track")
    media = plan.keep_only(boxes(file, mdia.payload, mdia.end), _MEDIA)
    hdlr = _only(media, b"hdlr", "a track's media")
    if hdlr.end - hdlr.payload < 12:
        raise Malformed("a handler box too short to name its handler")
    # version and flags, then QuickTime's component type (ISO: pre_defined), then the handler.
    handler = read_at(file, hdlr.payload + 8, 4)
    picture_or_sound = handler in _AV_HANDLERS
    if fragmented:
        if not picture_or_sound:
            raise Malformed(f"a fragmented file with a {handler!r} track")
        return
    minf = _only(media, b"minf", "a track's media")
    stbl = _only(boxes(file, minf.payload, minf.end), b"stbl", "a track's media information")
    ranges, exact = _sample_ranges(file, boxes(file, stbl.payload, stbl.end), size)
    if picture_or_sound:
        plan.kept += ranges
        plan.exact = plan.exact and exact
    else:
        plan.zeros += ranges


def _table(file: IO[bytes], box: Box, header: int, entry_size: int) -> tuple[bytes, int]:
    """A sample table's bytes and its entry count, checked to fit its box."""
    data = read_at(file, box.payload, box.end - box.payload)
    count = u32be(data, header - 4)
    if header + count * entry_size > len(data):
        raise Malformed(f"{box.kind!r} claims {count} entries")
    return data, count


def _sample_sizes(
    file: IO[bytes], tables: list[Box]
) -> tuple[Callable[[int, int], int], int, bool]:
    """(the byte length of `n` samples from `first`, the number of samples, whether those
    lengths are exact), from stsz or stz2. QuickTime's uncompressed sound says its samples are
    1 byte each and means frames of several bytes: not exact."""
    if any(box.kind == b"stz2" for box in tables):
        data, count = _table(file, _only(tables, b"stz2", "a sample table"), 12, 0)
        bits = uint_be(data, 7, 1)
        if bits not in (4, 8, 16) or 12 + (count * bits + 7) // 8 > len(data):
            raise Malformed(f"stz2 with {count} samples of {bits} bits")
        if bits == 4:
            nibbles = [n for byte in data[12:] for n in (byte >> 4, byte & 0xF)]
            return (lambda first, n: sum(nibbles[first : first + n])), count, True
        width = bits // 8
        sizes = [uint_be(data, 12 + width * i, width) for i in range(count)]
        return (lambda first, n: sum(sizes[first : first + n])), count, True
    data, count = _table(file, _only(tables, b"stsz", "a sample table"), 12, 0)
    fixed = u32be(data, 4)
    if fixed:
        return (lambda first, n: fixed * n), count, fixed != 1
    if 12 + 4 * count > len(data):
        raise Malformed(f"stsz claims {count} sizes")
    sizes = list(struct.unpack(f">{count}I", data[12 : 12 + 4 * count]))
    return (lambda first, n: sum(sizes[first : first + n])), count, True


def _sample_ranges(
    file: IO[bytes], tables: list[Box], size: int
) -> tuple[list[tuple[int, int]], bool]:
    """Where in the file each chunk of the track's samples lies (from the sample sizes, stsc and
    stco/co64), and whether those are exact byte ranges (see `_sample_sizes`)."""
    length_of, sample_count, exact = _sample_sizes(file, tables)
    stsc, stsc_count = _table(file, _only(tables, b"stsc", "a sample table"), 8, 12)
    if any(box.kind == b"co64" for box in tables):
        offsets, chunk_count = _table(file, _only(tables, b"co64", "a sample table"), 8, 8)
        width = 8
    else:
        offsets, chunk_count = _table(file, _only(tables, b"stco", "a sample table"), 8, 4)
        width = 4
    runs = [(u32be(stsc, 8 + 12 * i), u32be(stsc, 12 + 12 * i)) for i in range(stsc_count)]
    if any(first < 1 for first, _ in runs) or any(
        later[0] <= earlier[0] for earlier, later in pairwise(runs)
    ):
        raise Malformed("stsc's runs are out of order")
    ranges: list[tuple[int, int]] = []
    sample = 0
    for index, (first, per_chunk) in enumerate(runs):
        last = runs[index + 1][0] - 1 if index + 1 < len(runs) else chunk_count
        for chunk in range(first, min(last, chunk_count) + 1):
            if sample >= sample_count:
                return ranges, exact
            taken = min(per_chunk, sample_count - sample)
            start = uint_be(offsets, 8 + width * (chunk - 1), width)
            end = start + length_of(sample, taken)
            if end > size:
                raise Malformed(f"chunk {chunk} lies outside the file")
            ranges.append((start, end))
            sample += taken
    if sample < sample_count:
        raise Malformed(f"{sample_count - sample} samples are in no chunk")
    return ranges, exact


def _plan_items(file: IO[bytes], meta: Box, size: int, plan: _Plan) -> None:
    """Plan emptying the descriptive items of a HEIF `meta` box where its `iloc` places them,
    freeing its descriptive boxes and item properties, and keeping what picture items read."""
    children = plan.keep_only(boxes(file, meta.payload + 4, meta.end), _HEIF_META)  # full box
    for iprp in (box for box in children if box.kind == b"iprp"):
        for ipco in (box for box in boxes(file, iprp.payload, iprp.end) if box.kind == b"ipco"):
            plan.keep_only(boxes(file, ipco.payload, ipco.end), _PICTURE_PROPERTIES)
    if not any(box.kind == b"iloc" for box in children):
        return  # no item is stored anywhere
    locations = _item_locations(file, _only(children, b"iloc", "meta"))
    kinds = _item_kinds(file, _only(children, b"iinf", "meta"))
    idat = [box for box in children if box.kind == b"idat"]
    for item, (method, extents) in locations.items():
        if item not in kinds:
            raise Malformed(f"item {item} is stored but not listed")
        if method == 1:
            if len(idat) != 1:
                raise Malformed("an item in idat without one idat")
            base, limit = idat[0].payload, idat[0].end
        else:
            base, limit = 0, size
        if any(length == 0 or base + offset + length > limit for offset, length in extents):
            raise Malformed(f"item {item} lies outside its data")
        places = [(base + offset, base + offset + length) for offset, length in extents]
        if kinds[item] == b"picture":
            plan.kept += places
            continue
        content = b"".join(read_at(file, start, end - start) for start, end in places)
        payload = _emptied_item(kinds[item], content)
        for start, end in places:
            plan.writes.append((start, payload[: end - start]))
            payload = payload[end - start :]


# What an emptied item holds: decoders check that an Exif item is Exif (libavif refuses to show
# a picture whose Exif item is zeros), so it becomes a valid Exif with no tags, and XMP an empty
# packet, both padded to the item's length.
_EMPTY_EXIF = (
    b"\x00\x00\x00\x00"  # the TIFF header follows at once
    + b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF, first IFD at 8
    + b"\x00\x00\x00\x00\x00\x00"  # no entries, no next IFD
)
_EMPTY_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>'
)


def _emptied_item(kind: bytes, content: bytes) -> bytes:
    """The bytes that replace a descriptive item, after checking that `content` (what `iloc`
    points at) is what the item says it is: otherwise the real data could be elsewhere."""
    length = len(content)
    if kind == b"Exif":
        # A 32-bit offset to the TIFF header ("Exif\0\0" may come before it).
        start = 4 + uint_be(content, 0, 4)
        if content[start : start + 4] not in (b"MM\x00\x2a", b"II\x2a\x00"):
            raise Malformed("an Exif item that holds no Exif")
        if length < len(_EMPTY_EXIF):
            raise Malformed(f"an Exif item of {length} bytes")
        return _EMPTY_EXIF + bytes(length - len(_EMPTY_EXIF))
    if kind == b"XMP":
        if b"xmpmeta" not in content and b"<rdf:RDF" not in content:
            raise Malformed("an XMP item that holds no XMP")
        if length < len(_EMPTY_XMP):
            return b" " * length
        return _EMPTY_XMP + b" " * (length - len(_EMPTY_XMP))
    return bytes(length)


def _item_kinds(file: IO[bytes], iinf: Box) -> dict[int, bytes]:
    """item_ID -> b"picture", b"Exif", b"XMP" or b"other" for each item `iinf` lists;
    Malformed for an item type we do not know."""
    data = read_at(file, iinf.payload, 6)
    header = 6 if data[0] == 0 else 8  # version, flags, then a 16- or 32-bit entry count
    targets = {}
    for infe in boxes(file, iinf.payload + header, iinf.end):
        if infe.kind != b"infe":
            raise Malformed(f"a {infe.kind!r} box among the item entries")
        entry = read_at(file, infe.payload, infe.end - infe.payload)
        version = uint_be(entry, 0, 1)
        if version < 2:
            # item_ID, protection index, then name, content type and encoding as C strings.
            item, kind, strings = uint_be(entry, 4, 2), b"mime", entry[8:].split(b"\x00")
        else:
            id_size = 2 if version == 2 else 4
            item = uint_be(entry, 4, id_size)
            kind = entry[6 + id_size : 10 + id_size]
            strings = entry[10 + id_size :].split(b"\x00")
        content_type = strings[1] if len(strings) > 1 else b""
        if kind == b"Exif":
            targets[item] = b"Exif"
        elif kind == b"mime":
            targets[item] = b"XMP" if content_type in _XMP_CONTENT_TYPES else b"other"
        elif kind == b"uri ":
            targets[item] = b"other"
        elif kind in _PICTURE_ITEMS:
            targets[item] = b"picture"
        else:
            raise Malformed(f"a HEIF item of type {kind!r}")
    return targets


def _item_locations(file: IO[bytes], iloc: Box) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """item_ID -> (construction method, [(offset, length), ...]) from `iloc`."""
    data = read_at(file, iloc.payload, iloc.end - iloc.payload)
    version = uint_be(data, 0, 1)
    if version > 2:
        raise Malformed(f"iloc version {version}")
    sizes = uint_be(data, 4, 2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_size, index_size = (sizes >> 4) & 0xF, sizes & 0xF if version else 0
    if any(n not in (0, 4, 8) for n in (offset_size, length_size, base_size, index_size)):
        raise Malformed("iloc field sizes")
    pos = 6
    count_size = 2 if version < 2 else 4
    count = uint_be(data, pos, count_size)
    pos += count_size
    locations = {}
    for _ in range(count):
        item = uint_be(data, pos, count_size)
        pos += count_size
        method = 0
        if version:
            method = uint_be(data, pos, 2) & 0xF
            pos += 2
        if uint_be(data, pos, 2) != 0:
            raise Malformed("an item in another file")
        base = uint_be(data, pos + 2, base_size)
        extent_count = uint_be(data, pos + 2 + base_size, 2)
        pos += 4 + base_size
        per_extent = index_size + offset_size + length_size
        if pos + extent_count * per_extent > len(data) or (extent_count > 1 and not per_extent):
            raise Malformed(f"item {item} claims {extent_count} extents")
        extents = []
        for _ in range(extent_count):
            pos += index_size
            offset = uint_be(data, pos, offset_size)
            length = uint_be(data, pos + offset_size, length_size)
            pos += offset_size + length_size
            extents.append((base + offset, length))
        if method not in (0, 1):
            raise Malformed(f"item {item} is built from other items")
        locations[item] = (method, extents)
    return locations
