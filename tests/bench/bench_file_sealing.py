"""F1 and F2: the cost of sealing stored files (plumbing/keys/files.py), in this process, on a
scratch folder and key store of its own (no database, no services).

- F1: storing a 16 MiB upload through the storage API sealed (`SealingReader`) ÷ storing it
  plain, as MB/s: the throughput ratio (higher is better, 1.0 is free).
- F2: reading it back opened (`OpenedFile`, 64 KiB reads, as a download streams it) ÷ reading
  the plain file, as MB/s.

The file is made of random bytes, so neither side gains from compression or caches of equal
pages; each round writes a new file under a new name and deletes it after.

    .venv/bin/python -m tests.bench.bench_file_sealing [--json PATH]
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO, Any, cast

from tests.bench.harness import Figure, Results, alternate, cli_main

SIZE = 16 * 1024 * 1024
READ = 64 * 1024


def _setup(folder: Path) -> None:
    import django
    from cryptography.fernet import Fernet
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode("ascii")],
            KEYSTORE_PATH=folder / "data-keys.sqlite3",
            USE_TZ=True,
        )
        django.setup()


def run(results: Results) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-file-sealing-"))
    try:
        _setup(folder)
        _measure(results, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(results: Results, folder: Path) -> None:
    from django.core.files.base import File
    from django.core.files.storage import FileSystemStorage

    from plumbing.keys import store
    from plumbing.keys.files import OpenedFile, SealingReader

    storage = FileSystemStorage(location=folder / "media")
    key = store.create_key()
    data = os.urandom(SIZE)
    megabytes = SIZE / 1e6
    names: dict[str, str] = {}

    def store_plain() -> float:
        started = time.perf_counter()
        names["plain"] = storage.save("plain.bin", File(io.BytesIO(data), name="plain.bin"))
        seconds = time.perf_counter() - started
        return megabytes / seconds

    def store_sealed() -> float:
        started = time.perf_counter()
        sealing = SealingReader(
            io.BytesIO(data), key_id=key, context=b"bench", plain_size=SIZE
        )
        names["sealed"] = storage.save(
            "sealed.bin", File(cast(IO[bytes], sealing), name="sealed.bin")
        )
        seconds = time.perf_counter() - started
        return megabytes / seconds

    def read_all(opened: Any) -> int:
        total = 0
        with opened:
            while part := opened.read(READ):
                total += len(part)
        return total

    def read_plain() -> float:
        started = time.perf_counter()
        assert read_all(storage.open(names["plain"], "rb")) == SIZE
        return megabytes / (time.perf_counter() - started)

    def read_sealed() -> float:
        started = time.perf_counter()
        opened = OpenedFile(storage.open(names["sealed"], "rb"), key_id=key, context=b"bench")
        assert read_all(opened) == SIZE
        return megabytes / (time.perf_counter() - started)

    def fresh(measure: Any, kind: str) -> Any:
        def measured() -> float:
            if kind in names:
                storage.delete(names.pop(kind))
            return measure()

        return measured

    print("F1: storing 16 MiB, MB/s (A plain, B sealed)", flush=True)
    stored = alternate(
        fresh(store_plain, "plain"), fresh(store_sealed, "sealed"), unit="MB/s"
    )
    results.add(_recorded(Figure.from_comparison(
        "F1", "Storing an upload sealed ÷ plain (MB/s, 16 MiB, storage API)", "record",
        stored, met=lambda ratio: True, baseline="plain", subject="sealed",
    )))
    print("F2: reading 16 MiB back in 64 KiB reads, MB/s (A plain, B opened)", flush=True)
    read = alternate(read_plain, read_sealed, unit="MB/s")
    results.add(_recorded(Figure.from_comparison(
        "F2", "Reading a stored file opened ÷ plain (MB/s, 16 MiB, 64 KiB reads)", "record",
        read, met=lambda ratio: True, baseline="plain", subject="opened",
    )))


def _recorded(figure: Figure) -> Figure:
    """No target is set for these: the plain side reads and writes the page cache, far faster
    than any network a download crosses, so the ratio is recorded, not judged."""
    figure.met = None
    return figure


if __name__ == "__main__":
    cli_main(run)
