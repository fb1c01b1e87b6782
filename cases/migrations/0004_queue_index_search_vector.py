"""The queue's index by status, newest first; and on PostgreSQL a stored search vector.

The search vector is a generated column, so the database keeps it current on every write of
`search_text`; matching a row reads it instead of parsing the text again, which is what a
search that must check many rows (a common word, a capped count) spends its time on. SQLite
has no tsvector and keeps searching with its LIKE fallback (cases/search.py)."""

from django.db import migrations, models

ADD_VECTOR = [
    "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS case_search_vector_gin ON cases_case USING gin (search_vector)",
    "DROP INDEX IF EXISTS case_search_gin",
]
DROP_VECTOR = [
    "CREATE INDEX IF NOT EXISTS case_search_gin ON cases_case "
    "USING gin (to_tsvector('english'::regconfig, search_text))",
    "DROP INDEX IF EXISTS case_search_vector_gin",
    "ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector",
]


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in ADD_VECTOR:
            schema_editor.execute(sql)


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP_VECTOR:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_search_index")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", True)),
                fields=["status", "-opened_at", "-id"],
                name="case_status_newest_idx",
            ),
        ),
        migrations.RunPython(add_vector, drop_vector),
    ]
