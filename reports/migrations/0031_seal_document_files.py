"""Seal the rendered documents stored before files were sealed at rest (plumbing/keys/files.py):
each with a new data key of its own (`Document.data_key`) into a new file, the row and a history
row ("Stored sealed at rest") point at it, and the plain file is deleted once that is committed.
One file at a time, each in its own transaction, so a run cut short is taken up again where it
stopped. The key store and the key-encryption key must be configured (settings KEYSTORE_PATH
and KEY_ENCRYPTION_KEYS or KEY_ENCRYPTION_KEY_FILE)."""

from django.core.files.storage import default_storage
from django.db import migrations, transaction
from django.utils import timezone

from plumbing.keys import store
from plumbing.keys.files import is_sealed_file, seal_stored, unseal_stored

SEALED_FOR = b"reports.document"  # reports.document_files.SEALED_FOR when this was written
REASON_SEALED = "Stored sealed at rest"
REASON_OPENED = "Stored in plain form again (migration reversed)"


def _history(apps, document, reason):
    Document = apps.get_model("reports", "Document")
    Historical = apps.get_model("reports", "HistoricalDocument")
    values = {
        field.attname: getattr(document, field.attname)
        for field in Document._meta.concrete_fields
    }
    Historical.objects.create(
        **values,
        history_date=timezone.now(),
        history_type="~",
        history_change_reason=reason,
        history_user=None,
    )


def _convert(apps, *, seal):
    Document = apps.get_model("reports", "Document")
    for pk in Document.objects.exclude(file="").order_by("pk").values_list("pk", flat=True):
        document = Document.objects.get(pk=pk)
        old = document.file.name
        if not default_storage.exists(old):
            continue  # verify_evidence names it as missing
        with default_storage.open(old, "rb") as stored:
            if is_sealed_file(stored) == seal:
                continue  # done by an earlier run
        if seal:
            key = store.create_key()
            new = seal_stored(default_storage, old, key_id=key, context=SEALED_FOR)
        else:
            key = document.data_key
            new = unseal_stored(default_storage, old, key_id=key, context=SEALED_FOR)
        try:
            with transaction.atomic():
                Document.objects.filter(pk=pk).update(file=new, data_key=key if seal else None)
                document.file.name = new
                document.data_key = key if seal else None
                _history(apps, document, REASON_SEALED if seal else REASON_OPENED)
        except BaseException:
            default_storage.delete(new)
            if seal:
                store.destroy_keys([key])
            raise
        default_storage.delete(old)
        if not seal:
            store.destroy_keys([key])


def seal_documents(apps, schema_editor):
    _convert(apps, seal=True)


def open_documents(apps, schema_editor):
    _convert(apps, seal=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0030_document_data_key"),
    ]

    operations = [
        migrations.RunPython(seal_documents, open_documents, elidable=False),
    ]
