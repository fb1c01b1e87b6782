"""What the cleaners of `intake.metadata` share: the one error they raise for a file whose
structure does not hold together, and bounded reads that raise it instead of running past the
end of the data."""

import struct
from typing import IO


class Malformed(Exception):
    """The file's structure does not hold together (truncated, a length that points outside the
    file, a part we do not know how to keep). Never handed out: the caller fails closed."""


def take(data: bytes, start: int, length: int) -> bytes:
    """`length` bytes of `data` from `start`, or Malformed when they are not all there."""
    if start < 0 or length < 0 or start + length > len(data):
        raise Malformed(f"{length} bytes wanted at {start}, the data ends at {len(data)}")
    return data[start : start + length]


def read_at(file: IO[bytes], start: int, length: int) -> bytes:
    """`length` bytes of `file` from `start`, or Malformed when the file ends before them."""
    file.seek(start)
    chunk = file.read(length)
    if len(chunk) != length:
        raise Malformed(f"{length} bytes wanted at {start}, the file ends before")
    return chunk


def u16be(data: bytes, at: int) -> int:
    return int(struct.unpack(">H", take(data, at, 2))[0])


def u32be(data: bytes, at: int) -> int:
    return int(struct.unpack(">I", take(data, at, 4))[0])


def u32le(data: bytes, at: int) -> int:
    return int(struct.unpack("<I", take(data, at, 4))[0])


def uint_be(data: bytes, at: int, size: int) -> int:
    """An unsigned big-endian integer of `size` bytes (0 reads as 0, as ISO BMFF means it)."""
    return int.from_bytes(take(data, at, size), "big")


def riff_chunks(data: bytes, pos: int, end: int) -> list[tuple[bytes, bytes]]:
    """(fourcc, the whole chunk: header, contents and a zero pad byte after an odd size) for
    each RIFF chunk in [pos, end)."""
    chunks = []
    while pos < end:
        kind = take(data, pos, 4)
        size = u32le(data, pos + 4)
        if pos + 8 + size > end:
            raise Malformed(f"RIFF chunk {kind!r} at {pos} runs past its end")
        chunks.append((kind, data[pos : pos + 8 + size] + b"\x00" * (size & 1)))
        pos += 8 + size + (size & 1)
    return chunks


_ZEROS = bytes(64 * 1024)


def zero_range(file: IO[bytes], start: int, end: int) -> None:
    """Overwrite `file` from `start` to `end` with zero bytes, in place."""
    file.seek(start)
    remaining = end - start
    while remaining > 0:
        step = min(remaining, len(_ZEROS))
        file.write(_ZEROS[:step])
        remaining -= step
