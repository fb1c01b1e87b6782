"""More statistics on the search words, so PostgreSQL can tell a rare word from a common one.

The search vector holds keyed hashes of words (cases/search.py). With the default statistics
target PostgreSQL keeps too few of the most common ones to recognise a rare word: it guessed
2,500 matches for a plate that matched one case at a million cases, and combined the words'
index with the status index, reading every case of each status. At 1,000 a rare word is
estimated as rare and looked up alone; common words are estimated from the list.
"""

from django.db import migrations

TARGET = 1000


def raise_target(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE cases_case ALTER COLUMN search_vector SET STATISTICS {TARGET}"
        )
        # The new target counts from the next ANALYZE: a few seconds at a million cases.
        schema_editor.execute("ANALYZE cases_case")


def restore_target(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case ALTER COLUMN search_vector SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("cases", "0042_staff_preferences")]

    operations = [migrations.RunPython(raise_target, restore_target, elidable=False)]
