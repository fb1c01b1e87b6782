"""On PostgreSQL, trigram indexes on the stored encounter codes of unmerged cases.

A queue filtered by a common agency finds its page and its capped counts within the first few
thousand rows it reads. A rare one (an agency named in one case in fifty, in a status few
cases are in) would read most of the table to find them; with these indexes PostgreSQL looks
the code up instead (`LIKE '% code %'` is answered by a trigram index). pg_trgm is a trusted
extension: the owner of the database may create it. SQLite keeps scanning, which is enough for
development."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_agency_codes_trgm ON cases_case "
    "USING gin (agency_codes gin_trgm_ops) WHERE merged_into_id IS NULL",
    "CREATE INDEX IF NOT EXISTS case_kind_codes_trgm ON cases_case "
    "USING gin (kind_codes gin_trgm_ops) WHERE merged_into_id IS NULL",
]
DROP = [
    "DROP INDEX IF EXISTS case_agency_codes_trgm",
    "DROP INDEX IF EXISTS case_kind_codes_trgm",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_history_without_unread_indexes")]

    operations = [migrations.RunPython(create, drop)]
