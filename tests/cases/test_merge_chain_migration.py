"""The migration that flattens merge chains left by earlier merges: every merged case ends up
pointing at the case its reports are on, with a history row saying why, and nothing else
changes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("cases", "0011_case_reference_sequences")
FLATTEN = ("cases", "0012_flatten_merge_chains")

# Migrations run outside a test transaction; the reference rows are put back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    # The tests after this one need every table, including those of later migrations.
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_flattening_points_every_merged_case_at_the_final_survivor():
    apps = _migrate(BEFORE)
    Case = apps.get_model("cases", "Case")
    Tag = apps.get_model("cases", "Tag")

    def case(reference, **fields):
        return Case.objects.create(reference=reference, title=reference, **fields)

    merged = {"status": "closed", "close_reason": "duplicate"}
    final = case("RD-2020-000004")
    middle = case("RD-2020-000003", merged_into=final, **merged)
    first = case("RD-2020-000002", merged_into=middle, **merged)
    oldest = case("RD-2020-000001", merged_into=first, **merged)
    direct = case("RD-2020-000005", merged_into=final, **merged)
    first.tags.add(Tag.objects.create(name="court"))

    apps = _migrate(FLATTEN)
    Case = apps.get_model("cases", "Case")
    HistoricalCase = apps.get_model("cases", "HistoricalCase")
    pointers = dict(Case.objects.values_list("reference", "merged_into__reference"))
    assert pointers == {
        final.reference: None,
        middle.reference: final.reference,
        first.reference: final.reference,
        oldest.reference: final.reference,
        direct.reference: final.reference,
    }
    versions = dict(Case.objects.values_list("reference", "version"))
    assert versions == {
        final.reference: 1, middle.reference: 1, first.reference: 2, oldest.reference: 2,
        direct.reference: 1,
    }
    rows = {row.reference: row for row in HistoricalCase.objects.all()}
    assert set(rows) == {first.reference, oldest.reference}
    assert rows[oldest.reference].history_change_reason == (
        f"Merged into {final.reference}, the case {first.reference} was merged into: a merged "
        "case points at the case its reports are on"
    )
    assert (rows[oldest.reference].merged_into_id, rows[oldest.reference].history_user_id) == (
        final.pk, None
    )
    assert rows[first.reference].version == 2
    tags = apps.get_model("cases", "HistoricalCase_tags").objects
    assert list(
        tags.filter(history=rows[first.reference]).values_list("tag__name", flat=True)
    ) == ["court"]
    assert Case.objects.get(pk=first.pk).status == "closed"
