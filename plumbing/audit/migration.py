"""Migration steps that chain the rows a table already holds (see chain.rechain_table)."""

from typing import Any

from django.db import migrations

from plumbing.audit.chain import rechain_table


def chain_existing_rows(app_label: str, *model_names: str, record: str = "id") -> Any:
    """A RunPython step chaining every row of the named models' tables as they stand. A
    migration that later rewrites stored values of a chained table (sealing a column) ends
    with the same step, or the daily check names every row it rewrote."""

    def run(apps: Any, schema_editor: Any) -> None:
        for name in model_names:
            model = apps.get_model(app_label, name)
            rechain_table(model, record=record, using=schema_editor.connection.alias)

    return migrations.RunPython(run, migrations.RunPython.noop, elidable=False)
