"""Give every case a data key, seal its notes, priority reasons and the reasons of its history
rows (staff write them in their own words), and turn
the stored search text into the blind index (plumbing/keys/blind_index.py): the search text
held the liaison projection's words in plain form. On PostgreSQL the generated search vector is
remade with the 'simple' configuration, as the tokens are not English words."""

import re

from django.db import migrations

from plumbing.keys.backfill import copy_keys, give_keys, open_columns, seal_columns
from plumbing.keys.blind_index import index_text

# Text that is already a blind index (migrated back and forth): left as it is.
BLIND = re.compile(r"^ (?:[a-z2-7]{10} )+$")
DROP_VECTOR = [
    "DROP INDEX IF EXISTS case_search_vector_gin",
    "ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector",
]


def _vector_sql(config):
    return [
        "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('{config}'::regconfig, search_text)) STORED",
        "CREATE INDEX IF NOT EXISTS case_search_vector_gin ON cases_case USING gin (search_vector)",
    ]


def seal_existing(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    give_keys(Case)
    copy_keys(apps.get_model("cases", "HistoricalCase"), Case, "id")
    for name in ("casenote", "historicalcasenote"):
        copy_keys(apps.get_model("cases", name), Case, "case_id")
        seal_columns(apps.get_model("cases", name), "cases.casenote", ["body"])
    for name in ("case", "historicalcase"):
        seal_columns(apps.get_model("cases", name), "cases.case", ["priority_override_reason"])
    seal_columns(
        apps.get_model("cases", "historicalcase"), "cases.historicalcase", ["history_change_reason"]
    )
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        for sql in DROP_VECTOR:
            schema_editor.execute(sql)
    for pk, text in Case.objects.exclude(search_text="").values_list("pk", "search_text").iterator():
        if not BLIND.match(text):
            Case.objects.filter(pk=pk).update(search_text=index_text(text))
    if postgres:
        for sql in _vector_sql("simple"):
            schema_editor.execute(sql)


def open_existing(apps, schema_editor):
    # The plain search text cannot be had back from its tokens: it is rebuilt from the cases'
    # reports by `manage.py rebuild_search_index` once the code that reads it is back too.
    for name in ("casenote", "historicalcasenote"):
        open_columns(apps.get_model("cases", name), "cases.casenote", ["body"])
    for name in ("case", "historicalcase"):
        open_columns(apps.get_model("cases", name), "cases.case", ["priority_override_reason"])
    open_columns(
        apps.get_model("cases", "historicalcase"), "cases.historicalcase", ["history_change_reason"]
    )
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP_VECTOR:
            schema_editor.execute(sql)
        for sql in _vector_sql("english"):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_sealed_fields")]

    operations = [migrations.RunPython(seal_existing, open_existing)]
