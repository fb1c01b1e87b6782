"""Case numbers from one PostgreSQL sequence per year (cases/references.py) instead of the
locked counter row in `cases_casesequence`.

Every year already in use gets its sequence now, continuing after the highest number it used:
its counter row or its highest reference, whichever is higher. Going back writes each
sequence's last number into the counter rows and drops the sequences. Nothing to do on SQLite,
which keeps the counter rows.
"""

from django.db import migrations

REFERENCE = r"^RD-([0-9]+)-([0-9]+)$"


def make_sequences(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    CaseSequence = apps.get_model("cases", "CaseSequence")
    used = dict(CaseSequence.objects.values_list("year", "last_number"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (m)[1]::int, max((m)[2]::bigint) FROM "
            "(SELECT regexp_match(reference, %s) AS m FROM cases_case) AS r "
            "WHERE m IS NOT NULL GROUP BY 1",
            [REFERENCE],
        )
        for year, number in cursor.fetchall():
            used[year] = max(used.get(year, 0), number)
        for year, number in sorted(used.items()):
            name = f"cases_reference_{int(year)}"
            cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}"')
            if number:
                cursor.execute(
                    f"SELECT setval(%s::regclass, GREATEST(%s, CASE WHEN is_called "  # noqa: S608
                    f'THEN last_value ELSE last_value - 1 END)) FROM "{name}"',
                    [name, number],
                )


def drop_sequences(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    CaseSequence = apps.get_model("cases", "CaseSequence")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'S' "
            "AND relname ~ '^cases_reference_[0-9]+$' AND pg_table_is_visible(oid)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(
                f'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM "{name}"'  # noqa: S608
            )
            last = cursor.fetchone()[0]
            year = int(name.rsplit("_", 1)[1])
            row, _ = CaseSequence.objects.get_or_create(year=year)
            if last > row.last_number:
                row.last_number = last
                row.save(update_fields=["last_number"])
            cursor.execute(f'DROP SEQUENCE "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_version"),
    ]

    operations = [
        migrations.RunPython(make_sequences, drop_sequences, elidable=False),
    ]
