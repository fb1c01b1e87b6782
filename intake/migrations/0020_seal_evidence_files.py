"""Seal the evidence files stored before files were sealed at rest (plumbing/keys/files.py):
each is sealed with its report's data key (made here for a report that has none) into a new
file, the row and a history row ("Stored sealed at rest") point at it, and the plain file is
deleted once that is committed. One file at a time, each in its own transaction, so a run cut
short is taken up again where it stopped: files already sealed are left as they are. The key
store and the key-encryption key must be configured (settings KEYSTORE_PATH and
KEY_ENCRYPTION_KEYS or KEY_ENCRYPTION_KEY_FILE)."""

from django.core.files.storage import default_storage
from django.db import migrations, transaction
from django.utils import timezone

from plumbing.keys import store
from plumbing.keys.files import is_sealed_file, seal_stored, unseal_stored

SEALED_FOR = b"intake.evidence"  # intake.evidence.SEALED_FOR, as it was when this was written
REASON_SEALED = "Stored sealed at rest"
REASON_OPENED = "Stored in plain form again (migration reversed)"


def _history(apps, evidence, reason):
    Evidence = apps.get_model("intake", "Evidence")
    Historical = apps.get_model("intake", "HistoricalEvidence")
    values = {
        field.attname: getattr(evidence, field.attname)
        for field in Evidence._meta.concrete_fields
    }
    Historical.objects.create(
        **values,
        history_date=timezone.now(),
        history_type="~",
        history_change_reason=reason,
        history_user=None,
    )


def _key(apps, report_id):
    Report = apps.get_model("intake", "Report")
    key = Report.objects.values_list("data_key", flat=True).get(pk=report_id)
    if key is None:
        key = store.create_key()
        Report.objects.filter(pk=report_id, data_key__isnull=True).update(data_key=key)
        key = Report.objects.values_list("data_key", flat=True).get(pk=report_id)
    return key


def _convert(apps, *, seal):
    Evidence = apps.get_model("intake", "Evidence")
    for pk in Evidence.objects.exclude(file="").order_by("pk").values_list("pk", flat=True):
        evidence = Evidence.objects.get(pk=pk)
        old = evidence.file.name
        if not default_storage.exists(old):
            continue  # verify_evidence names it as missing
        with default_storage.open(old, "rb") as stored:
            if is_sealed_file(stored) == seal:
                continue  # done by an earlier run
        key = _key(apps, evidence.report_id)
        convert = seal_stored if seal else unseal_stored
        new = convert(default_storage, old, key_id=key, context=SEALED_FOR)
        try:
            with transaction.atomic():
                Evidence.objects.filter(pk=pk).update(file=new)
                evidence.file.name = new
                _history(apps, evidence, REASON_SEALED if seal else REASON_OPENED)
        except BaseException:
            default_storage.delete(new)
            raise
        default_storage.delete(old)


def seal_evidence(apps, schema_editor):
    _convert(apps, seal=True)


def open_evidence(apps, schema_editor):
    _convert(apps, seal=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0012_seal_existing_values"),
    ]

    operations = [
        migrations.RunPython(seal_evidence, open_evidence, elidable=False),
    ]
