"""A GIN index over the case search text's tsvector, on PostgreSQL only (SQLite searches with a
plain LIKE fallback and has no such index)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS case_search_gin ON cases_case "
    "USING gin (to_tsvector('english'::regconfig, search_text))"
)
DROP = "DROP INDEX IF EXISTS case_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_search_text")]

    operations = [migrations.RunPython(create, drop)]
