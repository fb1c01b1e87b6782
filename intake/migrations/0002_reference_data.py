"""Agencies, encounter kinds and perceived bases that every deployment starts with.

Codes are stable identifiers used by the API and the seed data; labels may be edited later in
the admin (with history)."""

from django.db import migrations

AGENCIES = [
    # code, name, short name, level, parent code
    ("dhs", "U.S. Department of Homeland Security", "DHS", "federal", None),
    ("ice", "U.S. Immigration and Customs Enforcement", "ICE", "federal", "dhs"),
    ("ice-ero", "ICE Enforcement and Removal Operations", "ERO", "federal", "ice"),
    ("ice-hsi", "Homeland Security Investigations", "HSI", "federal", "ice"),
    ("cbp", "U.S. Customs and Border Protection", "CBP", "federal", "dhs"),
    ("border-patrol", "U.S. Border Patrol", "USBP", "federal", "cbp"),
    ("unknown-federal", "Unknown federal agency", "", "federal", None),
    ("brooklyn-park-pd", "Brooklyn Park Police Department", "BPPD", "city", None),
    ("st-paul-pd", "Saint Paul Police Department", "SPPD", "city", None),
    ("minneapolis-pd", "Minneapolis Police Department", "MPD", "city", None),
    ("hennepin-sheriff", "Hennepin County Sheriff's Office", "HCSO", "county", None),
]

ENCOUNTER_KINDS = [
    # code, label, public label, severity (1 low .. 4 critical)
    ("stopped-without-cause", "Stopped with no stated cause",
     "They stopped me without saying why", 2),
    ("boxed-in", "Boxed in by vehicles",
     "They surrounded or blocked my vehicle", 3),
    ("weapons-drawn", "Weapons drawn",
     "They pointed or drew guns", 3),
    ("recording-interfered", "Recording interfered with",
     "They knocked my phone away or stopped me recording", 2),
    ("papers-demanded", "Papers or citizenship demanded",
     "They demanded papers or proof of citizenship", 2),
    ("questioned-status", "Questioned about immigration status",
     "They asked about my immigration status", 1),
    ("detained", "Detained", "They held me and I was not free to leave", 3),
    ("handcuffed", "Handcuffed", "They handcuffed me", 3),
    ("searched", "Searched", "They searched me, my bag or my vehicle", 2),
    ("physical-force", "Physical force", "They grabbed, pushed or hit me", 3),
    ("arrested", "Arrested", "They arrested me or took me away", 3),
    ("property-damaged", "Property damaged", "They damaged my property", 2),
    ("shots-fired", "Shots fired", "They fired a gun", 4),
    ("injury", "Injury", "Someone was hurt", 4),
    ("agents-unidentified", "Agents did not identify themselves",
     "They did not say who they were", 2),
    ("threats-verbal-abuse", "Threats or verbal abuse",
     "They threatened or insulted me", 2),
]

PERCEIVED_BASES = [
    ("race", "Race"),
    ("skin-colour", "Skin colour"),
    ("language", "Language spoken"),
    ("accent", "Accent"),
    ("national-origin", "National origin"),
    ("religion", "Religion"),
    ("other", "Something else"),
]


def load(apps, schema_editor):
    Agency = apps.get_model("intake", "Agency")
    EncounterKind = apps.get_model("intake", "EncounterKind")
    PerceivedBasis = apps.get_model("intake", "PerceivedBasis")
    by_code = {}
    for code, name, short_name, level, parent in AGENCIES:
        by_code[code] = Agency.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short_name, "level": level,
                      "parent": by_code.get(parent) if parent else None},
        )[0]
    for order, (code, label, public_label, severity) in enumerate(ENCOUNTER_KINDS, start=1):
        EncounterKind.objects.update_or_create(
            code=code,
            defaults={"label": label, "public_label": public_label, "severity": severity,
                      "sort_order": order * 10},
        )
    for order, (code, label) in enumerate(PERCEIVED_BASES, start=1):
        PerceivedBasis.objects.update_or_create(
            code=code, defaults={"label": label, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
