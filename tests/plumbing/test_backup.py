"""`manage.py backup` and `manage.py restore`: a backup of this run's database (PostgreSQL or
SQLite) and its stored files (a folder or an S3 bucket) restores into a new database and a new
folder or bucket that serve the very same files; a tampered backup is refused before anything
is written; a stored file that no longer matches its recorded SHA-256 is reported by the backup.

The restore, and everything read back from the restored system, runs as its own `manage.py`
process with the base settings, as an operator runs it.
"""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from intake.evidence import SEALED_FOR
from intake.models import Evidence
from plumbing import stored_files
from plumbing.backup.database import DUMP_FILES
from plumbing.keys import store
from plumbing.keys.files import verify
from reports.models import Document
from tests.factories import png_bytes
from tests.plumbing.conftest import manage, served_as_legal, table_count

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def file_a_report_and_render_its_case_file(legal) -> None:
    """Two evidence files sent through the public API and a full case file rendered for legal
    staff, each stored through the default storage, as in real life."""
    public = APIClient()
    report = {"narrative": "Two SUVs boxed my car in; agents drew guns.", "encounter": {}}
    response = public.post(
        "/api/v1/reports/",
        {
            "report": json.dumps(report),
            "evidence": [
                _upload("car.png", png_bytes(b"\x01\x02\x03")),
                _upload("agents.png", png_bytes(b"\x04\x05\x06")),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    staff = APIClient()
    staff.force_login(legal)
    case = Evidence.objects.first().report.case
    response = staff.post(
        f"/api/v1/cases/{case.reference}/documents/", {"kind": "case_file"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert Document.objects.get().status == Document.Status.READY  # rendered in-process


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def storage_environment(kind: str, request, tmp_path: Path) -> dict[str, str]:
    """Where the restored system keeps its files: a new folder, or a new bucket."""
    if kind == "folder":
        return {"MEDIA_ROOT": str(tmp_path / "restored-media")}
    object_store = request.getfixturevalue("object_store")
    return object_store.environment(object_store.new_bucket())


@pytest.fixture(params=["folder", "bucket"])
def source_storage(request, media) -> str:
    """The storage the backed-up system uses: the media folder, or an S3 bucket."""
    if request.param == "bucket":
        request.getfixturevalue("bucket")
    return request.param


def test_backup_restores_into_a_new_database_and_storage_that_serve_the_same_files(
    source_storage, legal, generous_rates, fresh_database, tmp_path, request
):
    file_a_report_and_render_its_case_file(legal)
    recorded = {
        "evidence": {str(e.pk): e.sha256 for e in Evidence.objects.order_by("pk")},
        "documents": {str(d.pk): d.sha256 for d in Document.objects.filter(status="ready")},
    }
    backup = tmp_path / "backup"

    call_command("backup", str(backup))

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert ["intake", "0001_initial"] in manifest["migrations"]
    assert manifest["taken_at"]
    assert manifest["problems"] == []
    stored_names = [e.file.name for e in Evidence.objects.all()] + [
        d.file.name for d in Document.objects.filter(status="ready")
    ]
    assert sorted(manifest["files"]) == sorted(
        [DUMP_FILES[connection.vendor], *(f"media/{name}" for name in stored_names)]
    )
    for path, entry in manifest["files"].items():
        assert hashlib.sha256((backup / path).read_bytes()).hexdigest() == entry["sha256"]
    assert not (backup / "media" / "intake-pending").exists()

    restored = {
        "DATABASE_URL": fresh_database,
        **storage_environment(source_storage, request, tmp_path),
    }
    finished = manage("restore", str(backup), env=restored)
    assert finished.returncode == 0, finished.stderr
    assert "Restored the database" in finished.stdout

    verified = manage("verify_evidence", env=restored)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Checked 3 stored files: 0 failed." in verified.stdout
    assert served_as_legal(restored) == recorded


@pytest.mark.parametrize("tampered", ["a stored file", "the database dump"])
def test_restore_refuses_a_tampered_backup_and_writes_nothing(
    tampered, media, legal, generous_rates, fresh_database, tmp_path
):
    file_a_report_and_render_its_case_file(legal)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    if tampered == "a stored file":
        target = backup / "media" / Evidence.objects.first().file.name
    else:
        target = backup / DUMP_FILES[connection.vendor]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    restored_media = tmp_path / "restored-media"

    finished = manage(
        "restore", str(backup),
        env={"DATABASE_URL": fresh_database, "MEDIA_ROOT": str(restored_media)},
    )

    assert finished.returncode != 0
    relative = target.relative_to(backup).as_posix()
    assert f"{relative}: SHA-256 mismatch" in finished.stderr
    assert "nothing was restored" in finished.stderr
    assert table_count(fresh_database) == 0
    assert not restored_media.exists() or not any(restored_media.rglob("*.*"))


def test_a_second_restore_is_refused_unless_forced(
    media, legal, generous_rates, fresh_database, tmp_path
):
    file_a_report_and_render_its_case_file(legal)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    restored = {"DATABASE_URL": fresh_database, "MEDIA_ROOT": str(tmp_path / "restored-media")}
    assert manage("restore", str(backup), env=restored).returncode == 0

    again = manage("restore", str(backup), env=restored)
    assert again.returncode != 0
    assert "already has tables" in again.stderr

    forced = manage("restore", str(backup), "--force", env=restored)
    assert forced.returncode == 0, forced.stderr
    assert "0 stored files (3 were already there)" in forced.stdout
    assert manage("verify_evidence", env=restored).returncode == 0


def test_backup_reports_stored_files_that_are_missing_or_no_longer_open_by_id(
    media, legal, generous_rates, tmp_path
):
    file_a_report_and_render_its_case_file(legal)
    changed, kept = Evidence.objects.order_by("pk")
    document = Document.objects.get()
    (media / changed.file.name).write_bytes(png_bytes(b"\x99\x99\x99"))
    default_storage.delete(document.file.name)
    backup = tmp_path / "backup"

    with pytest.raises(CommandError, match="2 stored files are missing or do not match"):
        call_command("backup", str(backup))

    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(manifest["problems"], key=lambda p: p["file"]) == [
        # A plain file in place of the sealed one is not taken for the evidence.
        {"file": f"intake.evidence {changed.pk}", "finding": "damaged"},
        {"file": f"reports.document {document.pk}", "finding": "missing"},
    ]
    # The changed file is kept as it is now, and listed with the hash it has now.
    entry = manifest["files"][f"media/{changed.file.name}"]
    assert entry["sha256"] == hashlib.sha256(png_bytes(b"\x99\x99\x99")).hexdigest()
    assert f"media/{kept.file.name}" in manifest["files"]
    assert "car.png" not in (backup / "manifest.json").read_text()


def test_a_backup_copies_the_sealed_files_and_a_destroyed_key_leaves_its_copies_unreadable(
    media, legal, generous_rates, tmp_path
):
    file_a_report_and_render_its_case_file(legal)
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    evidence = Evidence.objects.order_by("pk").first()
    copy = backup / "media" / evidence.file.name
    # The copy is the stored sealed file, byte for byte: nothing of the photo in plain.
    assert copy.read_bytes() == (media / evidence.file.name).read_bytes()
    assert b"\x89PNG\r\n" not in copy.read_bytes()
    with copy.open("rb") as sealed:
        assert verify(sealed, key_id=evidence.report.data_key, context=SEALED_FOR) > 0

    # The case is purged: its report's data key is destroyed.
    store.destroy_keys([evidence.report.data_key])

    with copy.open("rb") as sealed, pytest.raises(store.KeyDestroyed):
        verify(sealed, key_id=evidence.report.data_key, context=SEALED_FOR)


def test_backup_goes_into_a_new_folder_only(media, tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "older-backup.txt").write_text("something else")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("backup", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["older-backup.txt"]


@pytest.fixture
def small_backup(media, tmp_path) -> Path:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    return backup


def _edit_manifest(backup: Path, change) -> None:
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "path", ["media/../../outside.png", "/etc/passwd", "media/./x.png", "other/x.png", "media"]
)
def test_restore_refuses_a_manifest_naming_a_path_outside_the_backup(small_backup, path):
    entry = {"sha256": "0" * 64, "size": 1}
    _edit_manifest(small_backup, lambda m: m["files"].update({path: entry}))
    with pytest.raises(CommandError, match="path"):
        call_command("restore", str(small_backup))


def test_restore_checks_the_manifest_against_the_sha256_kept_apart(small_backup):
    actual = hashlib.sha256((small_backup / "manifest.json").read_bytes()).hexdigest()
    with pytest.raises(CommandError, match="does not have the SHA-256 you gave"):
        call_command("restore", str(small_backup), manifest_sha256="0" * 64)
    # The right one passes that check (and then meets this test's non-empty database).
    with pytest.raises(CommandError, match="already has tables"):
        call_command("restore", str(small_backup), manifest_sha256=actual)


def test_restore_refuses_a_backup_taken_by_a_newer_version(small_backup, fresh_database, tmp_path):
    _edit_manifest(small_backup, lambda m: m["migrations"].append(["intake", "9999_future"]))
    finished = manage(
        "restore", str(small_backup),
        env={"DATABASE_URL": fresh_database, "MEDIA_ROOT": str(tmp_path / "restored-media")},
    )
    assert finished.returncode != 0
    assert "intake.9999_future" in finished.stderr
    assert table_count(fresh_database) == 0


def test_a_file_field_nobody_declared_fails_the_system_check(monkeypatch):
    assert not [m for m in run_checks() if m.id == "plumbing.E001"]
    others = [k for k in stored_files.declared_kinds() if k.model_label != "intake.Evidence"]
    monkeypatch.setattr(stored_files, "declared_kinds", lambda: others)
    errors = [m for m in run_checks() if m.id == "plumbing.E001"]
    assert [str(e.obj) for e in errors] == ["intake.Evidence.file"]
