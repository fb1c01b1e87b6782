"""Drops the table django-rest-knox's own migrations make for its token model.

Our tokens are `api_tokens.ApiToken` (KNOX_TOKEN_MODEL), so knox's model is swapped out and its
table stays empty forever. Left in place, it still points at the user table, and PostgreSQL
then refuses to empty the user table without it (as a test database's flush does); nothing
reads it, so it goes.
"""

from django.db import migrations

KNOX_TABLE = "knox_authtoken"


def drop_knox_table(apps, schema_editor):
    if KNOX_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(KNOX_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("api_tokens", "0002_drop_plain_tokens"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    # Nothing to undo: knox's table was never used.
    operations = [migrations.RunPython(drop_knox_table, migrations.RunPython.noop)]
