from django.db import migrations

SEED_OFFICIALS = ("Police chief", "Sheriff")


def officials_and_search_text(apps, schema_editor):
    """The seed's police chiefs and sheriff were recorded as reporting "on behalf": they are
    officials speaking in public (cases/privacy). Then every case's search text is written again
    through the reader projection, which takes out what a liaison may not see. The rebuild reads
    the tables through the current code; should it change so far that it cannot, squash this
    migration."""
    from cases.search import refresh_search_text

    Complainant = apps.get_model("intake", "Complainant")
    Case = apps.get_model("cases", "Case")
    for title in SEED_OFFICIALS:
        Complainant.objects.filter(
            role="on_behalf",
            report__channel="press",
            report__external_id__startswith="seed:",
            occupation__startswith=title,
        ).update(role="official")
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        refresh_search_text(ids[start : start + 1000])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_complainant_role_official"),
        ("cases", "0008_history_without_date_index"),
    ]

    operations = [
        migrations.RunPython(officials_and_search_text, migrations.RunPython.noop, elidable=True),
    ]
