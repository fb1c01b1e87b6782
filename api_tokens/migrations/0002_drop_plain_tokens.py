"""Deletes the tokens of `rest_framework.authtoken`, which kept every key in clear text.

The app is no longer installed, so nothing can authenticate with them; removing it from
INSTALLED_APPS left its table and its content type behind. This drops the table (on a
database that never had it, nothing happens) and forgets the app's migrations, so that
installing it again would start from an empty table rather than fail on a missing one.
Holders of the old keys make new tokens at /staff/account/tokens/ (docs/deployment.md).
"""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

OLD_APP = "authtoken"
OLD_TABLE = "authtoken_token"


def drop_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app=OLD_APP).delete()
    # Its content type, and with it the permissions to view, add, change and delete tokens.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(connection.alias).filter(app_label=OLD_APP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api_tokens", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Nothing to undo: the old keys are not coming back.
    operations = [migrations.RunPython(drop_plain_tokens, migrations.RunPython.noop)]
