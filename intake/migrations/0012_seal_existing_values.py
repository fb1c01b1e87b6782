"""Give every report a data key and seal what its rows (and their history rows) held in plain
form (plumbing/keys/backfill.py). The data keys are made in the key store, outside the
database."""

from django.db import migrations

from plumbing.keys.backfill import copy_keys, give_keys, open_columns, seal_columns

SEALED = {
    "report": ["narrative"],
    "reportfact": ["value"],
    "complainant": ["name", "email", "phone", "race_ethnicity", "occupation"],
    "encounter": [
        "address", "latitude", "longitude", "vehicle_description", "plates",
        "perceived_basis_other", "injuries", "outcome",
    ],
    "witness": ["name", "contact", "statement"],
    "evidence": ["original_name", "description"],
    "reportaddition": ["body"],
    "reportmessage": ["body"],
}
DECIMALS = ("latitude", "longitude")


def seal_existing(apps, schema_editor):
    Report = apps.get_model("intake", "Report")
    give_keys(Report)
    copy_keys(apps.get_model("intake", "HistoricalReport"), Report, "id")
    for name, fields in SEALED.items():
        if name != "report":
            copy_keys(apps.get_model("intake", name), Report, "report_id")
            copy_keys(apps.get_model("intake", f"historical{name}"), Report, "report_id")
        for model_name in (name, f"historical{name}"):
            seal_columns(
                apps.get_model("intake", model_name), f"intake.{name}", fields, decimals=DECIMALS
            )


def open_existing(apps, schema_editor):
    for name, fields in SEALED.items():
        for model_name in (name, f"historical{name}"):
            open_columns(
                apps.get_model("intake", model_name), f"intake.{name}", fields, decimals=DECIMALS
            )


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_sealed_fields")]

    operations = [migrations.RunPython(seal_existing, open_existing)]
