import io
import os
import shutil

import pytest

from plumbing.keys import store
from plumbing.keys.files import (
    CHUNK_BYTES,
    HEADER_BYTES,
    SEALED_CHUNK_BYTES,
    Damaged,
    OpenedFile,
    SealingReader,
    plain_chunks,
    plain_size,
    sealed_size,
    verify,
)

CONTEXT = b"intake.evidence"


@pytest.fixture
def keystore(settings, tmp_path):
    settings.KEYSTORE_PATH = tmp_path / "data-keys.sqlite3"
    store.forget()
    yield settings.KEYSTORE_PATH
    store.forget()


def sealed(key, plain: bytes, context: bytes = CONTEXT) -> bytes:
    return SealingReader(io.BytesIO(plain), key_id=key, context=context).read()


def opened(key, data: bytes, context: bytes = CONTEXT) -> bytes:
    return b"".join(plain_chunks(io.BytesIO(data), key_id=key, context=context))


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 200_001]
)
def test_a_sealed_file_opens_to_the_same_bytes_whatever_its_size(keystore, size):
    key = store.create_key()
    plain = os.urandom(size)
    data = sealed(key, plain)
    assert len(data) == sealed_size(size)
    assert plain_size(len(data)) == size
    assert opened(key, data) == plain
    assert OpenedFile(io.BytesIO(data), key_id=key, context=CONTEXT).read() == plain


def test_sealed_bytes_hold_nothing_of_the_file(keystore):
    key = store.create_key()
    plain = b"%PDF-1.7 Ana Garcia GPSLatitude " * 5000
    data = sealed(key, plain)
    assert b"%PDF-1.7" not in data and b"Ana Garcia" not in data and b"GPSLatitude" not in data
    # A fresh nonce prefix per file: sealing the same bytes twice gives other bytes.
    assert sealed(key, plain) != data


def test_opening_yields_chunks_of_bounded_size(keystore):
    key = store.create_key()
    data = sealed(key, os.urandom(10 * CHUNK_BYTES + 5))
    sizes = [len(chunk) for chunk in plain_chunks(io.BytesIO(data), key_id=key, context=CONTEXT)]
    assert sizes == [CHUNK_BYTES] * 10 + [5]


def test_sealing_reads_the_source_a_chunk_at_a_time(keystore):
    key = store.create_key()

    class Counting(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            assert size is not None and 0 < size <= CHUNK_BYTES
            part = super().read(size)
            Counting.largest = max(Counting.largest, len(part))
            return part

    reader = SealingReader(Counting(os.urandom(5 * CHUNK_BYTES)), key_id=key, context=CONTEXT)
    pieces = iter(lambda: reader.read(8192), b"")
    assert max(len(piece) for piece in pieces) <= 8192
    assert Counting.largest == CHUNK_BYTES


def test_a_flipped_byte_anywhere_is_refused(keystore):
    key = store.create_key()
    data = bytearray(sealed(key, os.urandom(3 * CHUNK_BYTES + 100)))
    for where in (0, 5, HEADER_BYTES + 3, HEADER_BYTES + SEALED_CHUNK_BYTES + 7, len(data) - 1):
        damaged = bytearray(data)
        damaged[where] ^= 0x01
        with pytest.raises(Damaged):
            opened(key, bytes(damaged))


@pytest.mark.parametrize("plain_bytes", [3 * CHUNK_BYTES, 3 * CHUNK_BYTES + 100])
def test_a_truncated_file_is_refused_wherever_it_is_cut(keystore, plain_bytes):
    key = store.create_key()
    data = sealed(key, os.urandom(plain_bytes))
    cuts = [
        len(data) - 1,
        HEADER_BYTES + 2 * SEALED_CHUNK_BYTES,  # between two chunks
        HEADER_BYTES + SEALED_CHUNK_BYTES,
        HEADER_BYTES + 10,
        HEADER_BYTES,
        3,
    ]
    for cut in cuts:
        with pytest.raises(Damaged):
            opened(key, data[:cut])


def test_chunks_cannot_be_swapped_dropped_or_repeated(keystore):
    key = store.create_key()
    data = sealed(key, os.urandom(3 * CHUNK_BYTES + 100))
    header = data[:HEADER_BYTES]
    chunks = [
        data[HEADER_BYTES + i * SEALED_CHUNK_BYTES : HEADER_BYTES + (i + 1) * SEALED_CHUNK_BYTES]
        for i in range(4)
    ]
    for order in ([1, 0, 2, 3], [0, 2, 3], [0, 1, 1, 2, 3], [0, 1, 2]):
        with pytest.raises(Damaged):
            opened(key, header + b"".join(chunks[i] for i in order))


def test_a_file_sealed_for_one_place_or_key_does_not_open_in_another(keystore):
    key, other = store.create_keys(2)
    data = sealed(key, b"photo bytes")
    with pytest.raises(Damaged):
        opened(key, data, context=b"reports.document")
    with pytest.raises(Damaged):
        opened(other, data)
    with pytest.raises(Damaged):
        opened(key, b"plain photo bytes, never sealed")


def test_a_copy_taken_before_its_key_was_destroyed_cannot_be_opened(keystore, tmp_path):
    key = store.create_key()
    stored = tmp_path / "evidence.jpg"
    stored.write_bytes(sealed(key, b"\xff\xd8 photo with GPS"))
    backup = tmp_path / "backup-evidence.jpg"
    shutil.copyfile(stored, backup)

    store.destroy_keys([key])

    with backup.open("rb") as copy, pytest.raises(store.KeyDestroyed):
        verify(copy, key_id=key, context=CONTEXT)


def test_an_opened_file_seeks_like_the_plain_one(keystore):
    key = store.create_key()
    plain = os.urandom(2 * CHUNK_BYTES + 300)
    reader = OpenedFile(io.BytesIO(sealed(key, plain)), key_id=key, context=CONTEXT)
    assert reader.seekable()
    assert reader.seek(0, io.SEEK_END) == len(plain)
    for offset in (CHUNK_BYTES + 17, 5, 2 * CHUNK_BYTES, len(plain) - 3):
        reader.seek(offset)
        assert reader.read(100) == plain[offset : offset + 100]
        assert reader.tell() == min(offset + 100, len(plain))
    reader.seek(0)
    assert reader.read() == plain
