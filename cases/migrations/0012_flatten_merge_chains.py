"""Merge chains flattened: a case merged into a case that was merged in turn (A into B, then B
into C) now points at the last one (C), where every report of the chain already is.

Until merges moved the cases merged into a duplicate along with it, merging B into C left A
pointing at B, a closed case. Each case repointed here gets one history row (no user: this
migration) saying which case it pointed at and why it no longer does, and its version goes up,
as through the case services. Nothing else changes: the reports moved with each merge.
Going back leaves the rows as they are.
"""

from django.db import migrations
from django.utils import timezone

REASON = (
    "Merged into {final}, the case {former} was merged into: a merged case points at the case "
    "its reports are on"
)


def flatten_merge_chains(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    HistoricalCase = apps.get_model("cases", "HistoricalCase")
    HistoricalCaseTags = apps.get_model("cases", "HistoricalCase_tags")
    pointers = dict(
        Case.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")
    )

    def final(pk):
        seen = {pk}
        current = pointers[pk]
        while current in pointers and current not in seen:
            seen.add(current)
            current = pointers[current]
        # A cycle (which no merge can make) has no case to point at: left as it is.
        return None if current in pointers else current

    moves = {pk: final(pk) for pk in pointers}
    moves = {pk: end for pk, end in moves.items() if end is not None and end != pointers[pk]}
    if not moves:
        return
    references = dict(
        Case.objects.filter(pk__in={*moves.values(), *(pointers[pk] for pk in moves)})
        .values_list("pk", "reference")
    )
    tracked = [
        field.attname for field in HistoricalCase._meta.fields
        if not field.name.startswith("history_") and field.name != "m2m_history_id"
    ]
    links = Case._meta.get_field("tags").remote_field.through.objects
    now = timezone.now()
    for case in Case.objects.select_for_update().filter(pk__in=moves).order_by("pk"):
        former = case.merged_into_id
        case.merged_into_id = moves[case.pk]
        case.version += 1
        case.save(update_fields=["merged_into", "version", "updated_at"])
        row = HistoricalCase.objects.create(
            **{name: getattr(case, name) for name in tracked},
            history_date=now,
            history_type="~",
            history_user=None,
            history_change_reason=REASON.format(
                final=references[case.merged_into_id], former=references[former]
            ),
        )
        # The case's tags as they are, copied onto the row as simple-history copies them.
        HistoricalCaseTags.objects.bulk_create(
            HistoricalCaseTags(id=link_id, history=row, case_id=case.pk, tag_id=tag_id)
            for link_id, tag_id in links.filter(case_id=case.pk).values_list("id", "tag_id")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_reference_sequences"),
    ]

    operations = [
        migrations.RunPython(flatten_merge_chains, migrations.RunPython.noop, elidable=True),
    ]
