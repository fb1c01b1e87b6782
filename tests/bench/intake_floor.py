"""P2's baseline: the rows one report writes, inserted by plain psycopg with nothing else.

`capture` files one real report (the R1 payload) through `POST /api/v1/reports/` in this
process and records every statement it sends: the list shown in docs/performance.md
(`CaptureQueriesContext`), and, for each INSERT and UPDATE, its parameters and the ids it got
back. `FloorPlan` turns that into the rows as committed, table by table: each INSERT's rows,
with a later UPDATE of one of them folded in (the case's search text and codes, the outbox
message marked published after the commit), so every table is written once.

`Floor.report()` then writes one report's rows on one psycopg connection kept open: one
transaction, one multi-row INSERT per table, in the order the submission first wrote them
(parents before children), each returning its ids for the rows that refer to them. No ORM,
no validation, no sealing, no hashing: every value is ready before the clock starts.

- Sealed values are random text of the same length as the real ones (`s1.` and URL-safe
  base64), history rows' chain hashes random hex of the same length; the data keys are new
  random UUIDs (not in the key store: the floor makes no key, as it seals nothing).
- The case reference is drawn from the year's sequence inside the case's INSERT, as intake
  draws it (one statement of its own there); tracking codes are random lowercase hex, which no
  real code (upper case, `RD-...`) can equal.
- The statistics tallies get the same upsert of the same keys.
- Every floor case's title starts with `MARKER`. `remove_floor_rows` deletes those cases and
  every row hanging off them, the floor's outbox rows, and takes the floor's counts back off
  the tallies, so the database the benchmark runs on is left as the real intakes made it. It
  also removes what an interrupted run left behind.

What the floor leaves out is what the application does that is not writing these rows: the
reads (reference codes, and the SAVEPOINTs intake needs to retry a colliding tracking code),
the tally lock, the key store's own durable write, the hand-over of the outbox message to
the broker and the second, short transaction that records it.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MARKER = "[P2 floor] "
_INSERT = re.compile(r'INSERT INTO "(?P<table>\w+)" \((?P<columns>[^)]*)\) (?P<rest>.*)', re.S)
_UPDATE = re.compile(
    r'UPDATE "(?P<table>\w+)" SET (?P<sets>.*) WHERE "(?P=table)"\."(?P<pk>\w+)" = %s', re.S
)
_CONFLICT = re.compile(r" (ON CONFLICT .*?)(?: RETURNING .*)?$", re.S)
_REFERENCE = ("cases_case", "reference")


@dataclass
class Statement:
    sql: str
    params: Any
    returned: list[tuple[Any, ...]]


@dataclass
class Capture:
    """One real submission: every statement as sent (for the docs), and the writes."""

    queries: list[str]
    writes: list[Statement]


def capture(post: Callable[[], Any]) -> Capture:
    """Run `post` (one submission through the test client) recording its statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    writes: list[Statement] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith(("INSERT", "UPDATE")):
            returned: list[tuple[Any, ...]] = []
            raw = context["cursor"].cursor
            if " RETURNING " in sql:
                # Read the ids the database gave, then put the cursor back for Django.
                returned = [tuple(row) for row in raw.fetchall()]
                raw.scroll(0, mode="absolute")
            writes.append(Statement(sql, params, returned))
        return result

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(record):
        response = post()
    if response.status_code != 201:
        raise RuntimeError(f"intake answered {response.status_code}: {response.content[:300]!r}")
    return Capture([query["sql"] for query in queries.captured_queries], writes)


# --- The plan: the rows as committed ---------------------------------------------------------

# A cell of a row: how its value is made for each floor report.
#   ("keep", value)             as captured
#   ("map", namespace, value)   the value this report got for the captured one (an id returned
#                               by an earlier INSERT, a new data key, a new tracking code)
#   ("sealed", length)          random sealed-looking text of that length
#   ("hex", length)             random hex of that length
Cell = tuple[Any, ...]


@dataclass
class TableWrite:
    table: str
    pk: str
    columns: list[str]
    rows: list[list[Cell]]
    captured_ids: list[Any]
    conflict: str = ""
    # Columns drawn by SQL in the INSERT itself (the case reference), with their SQL and params.
    drawn: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)

    @property
    def sql(self) -> str:
        # Names come from the captured SQL and the models, values go as parameters.
        quoted = ", ".join(f'"{column}"' for column in self.columns)
        marks = ", ".join(self.drawn[c][0] if c in self.drawn else "%s" for c in self.columns)
        values = ", ".join([f"({marks})"] * len(self.rows))
        returning = "" if self.conflict else " RETURNING " + ", ".join(
            f'"{c}"' for c in [self.pk, *self.drawn]
        )
        suffix = f" {self.conflict}" if self.conflict else ""
        return f'INSERT INTO "{self.table}" ({quoted}) VALUES {values}{suffix}{returning}'  # noqa: S608


def _rows_of(columns: list[str], rest: str, params: Any) -> list[list[Any]]:
    if rest.startswith("SELECT * FROM UNNEST"):
        # Django's bulk insert on PostgreSQL: one array per column.
        return [list(row) for row in zip(*params, strict=True)]
    values = list(params)
    if len(values) % len(columns):
        raise ValueError(f"Cannot read the rows of: {rest[:200]}")
    return [values[i : i + len(columns)] for i in range(0, len(values), len(columns))]


class FloorPlan:
    """What a submission wrote, as one INSERT per table (see the module's docstring)."""

    def __init__(self, captured: Capture) -> None:
        from django.apps import apps

        from plumbing.keys.sealing import is_sealed

        models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
        self.writes: list[TableWrite] = []
        by_table: dict[str, TableWrite] = {}
        raw_rows: dict[str, list[list[Any]]] = {}
        for statement in captured.writes:
            insert = _INSERT.match(statement.sql)
            if insert:
                table = insert["table"]
                if table in by_table:
                    raise ValueError(f"{table} is inserted into twice; the floor writes it once.")
                columns = re.findall(r'"(\w+)"', insert["columns"])
                conflict = _CONFLICT.search(insert["rest"])
                write = TableWrite(
                    table=table,
                    pk=models[table]._meta.pk.column,
                    columns=columns,
                    rows=[],
                    captured_ids=[row[0] for row in statement.returned],
                    conflict=conflict[1] if conflict and "ON CONFLICT" in conflict[1] else "",
                )
                raw_rows[table] = _rows_of(columns, insert["rest"], statement.params)
                by_table[table] = write
                self.writes.append(write)
                continue
            update = _UPDATE.match(statement.sql)
            if not update or update["table"] not in by_table:
                raise ValueError(f"Not a write the floor can fold: {statement.sql[:200]}")
            sets = [part.strip() for part in update["sets"].split(", ")]
            names = [re.fullmatch(r'"(\w+)" = %s', part) for part in sets]
            target = by_table[update["table"]]
            if (
                not all(names)
                or len(raw_rows[target.table]) != 1
                or statement.params[-1] != target.captured_ids[0]
            ):
                raise ValueError(f"Not a write the floor can fold: {statement.sql[:200]}")
            row = raw_rows[target.table][0]
            columns = target.columns
            set_names = [match[1] for match in names if match]
            for name, value in zip(set_names, statement.params, strict=False):
                if name in columns:
                    row[columns.index(name)] = value
                else:
                    columns.append(name)
                    row.append(value)

        inserted = set(by_table)
        for write in self.writes:
            model = models[write.table]
            base = getattr(model, "instance_type", None)  # a history model: its object's model
            for values in raw_rows[write.table]:
                write.rows.append(
                    [
                        self._cell(model, base, write, column, value, inserted, is_sealed)
                        for column, value in zip(write.columns, values, strict=True)
                    ]
                )

    def _cell(self, model: Any, base: Any, write: TableWrite, column: str, value: Any,
              inserted: set[str], is_sealed: Callable[[str], bool]) -> Cell:
        from django.db import models as fields

        field = next((f for f in model._meta.concrete_fields if f.column == column), None)
        if value is None:
            return ("keep", None)
        if base is not None and column == base._meta.pk.column:
            return ("map", base._meta.db_table, value)
        if field is not None and field.is_relation:
            target = field.related_model._meta.db_table
            if target in inserted:
                return ("map", target, value)
            return ("keep", value)
        if isinstance(field, fields.UUIDField):
            return ("map", "key", value)
        origin = field
        if base is not None and field is not None:
            origin = next((f for f in base._meta.concrete_fields if f.column == column), None)
        if origin is not None and origin.unique and not origin.primary_key:
            name = (origin.model._meta.db_table, column)
            if name == _REFERENCE and write.table == _REFERENCE[0]:
                # `RD-<year>-<number>`, the number from the year's sequence, as intake draws it.
                from cases.references import sequence_name

                prefix = value.rsplit("-", 1)[0] + "-"
                write.drawn[column] = (
                    # At least six digits, never cut: lpad shortens a longer string.
                    "(SELECT %s || lpad(n, greatest(6, length(n)), '0') "
                    "FROM (SELECT nextval(%s::regclass)::text AS n) AS drawn)",
                    [prefix, sequence_name(int(prefix.split("-")[1]))],
                )
            return ("map", name, value)
        if column == "chain_hash":
            return ("hex", len(value))
        if column == "title" and isinstance(value, str):
            return ("keep", (MARKER + value)[: max(len(value), len(MARKER))])
        if isinstance(value, str) and is_sealed(value):
            return ("sealed", len(value))
        return ("keep", value)

    def statements(self) -> list[dict[str, Any]]:
        """What the floor sends, for the record."""
        return [
            {"table": w.table, "rows": len(w.rows), "columns": len(w.columns),
             "sql": _abbreviate(w.sql)}
            for w in self.writes
        ]


def _abbreviate(sql: str, limit: int = 160) -> str:
    return sql if len(sql) <= limit else sql[:limit] + "…"


def summary(captured: Capture) -> list[str]:
    """The submission's statements, abbreviated, in order."""
    return [_abbreviate(sql) for sql in captured.queries]


# --- Writing it ------------------------------------------------------------------------------


def _random_sealed(length: int) -> str:
    text = "s1." + base64.urlsafe_b64encode(os.urandom(length)).decode("ascii")
    return text[:length]


class Floor:
    """One psycopg connection writing one report's rows per transaction."""

    def __init__(self, plan: FloorPlan, database_url: str) -> None:
        import psycopg

        self.plan = plan
        # As the application's own connections (config/settings/base.py).
        self.connection = psycopg.connect(database_url, autocommit=True, options="-c jit=off")
        self.outbox_ids: list[int] = []

    def close(self) -> None:
        self.connection.close()

    def _prepare(self) -> tuple[list[tuple[str, list[Any]]], dict[tuple[Any, ...], Any]]:
        """Each table's SQL with its parameters, the `("map", ...)` cells still to be resolved
        (ids are known only once their INSERT returned them), and the new values made now: data
        keys, tracking codes."""
        out = []
        fresh: dict[tuple[Any, ...], Any] = {}
        drawn = {(w.table, column) for w in self.plan.writes for column in w.drawn}
        for write in self.plan.writes:
            params: list[Any] = []
            for row in write.rows:
                for column, cell in zip(write.columns, row, strict=True):
                    if column in write.drawn:
                        params.extend(write.drawn[column][1])
                    elif cell[0] == "sealed":
                        params.append(_random_sealed(cell[1]))
                    elif cell[0] == "hex":
                        params.append(secrets.token_hex(cell[1])[: cell[1]])
                    else:
                        params.append(cell)
                    if cell[0] == "map" and (cell[1], cell[2]) not in fresh:
                        if cell[1] == "key":
                            fresh[(cell[1], cell[2])] = uuid.uuid4()
                        elif isinstance(cell[1], tuple) and cell[1] not in drawn:
                            size = len(cell[2])
                            fresh[(cell[1], cell[2])] = secrets.token_hex(size)[:size]
            out.append((write.sql, params))
        return out, fresh

    def report(self) -> float:
        """Write one report's rows; the milliseconds from BEGIN to the end of COMMIT."""
        prepared, fresh = self._prepare()

        def value(cell: Any) -> Any:
            if not isinstance(cell, tuple):
                return cell
            if cell[0] == "keep":
                return cell[1]
            return fresh[(cell[1], cell[2])]  # ("map", namespace, captured)

        began = time.perf_counter()
        with self.connection.transaction():
            for write, (sql, params) in zip(self.plan.writes, prepared, strict=True):
                cursor = self.connection.execute(sql, [value(cell) for cell in params])
                if write.conflict:
                    continue
                returned = cursor.fetchall()
                for captured, row in zip(write.captured_ids, returned, strict=True):
                    fresh[(write.table, captured)] = row[0]
                    for column, drawn in zip(write.drawn, row[1:], strict=True):
                        fresh[((write.table, column), self._captured(write, column))] = drawn
                if write.table == "outbox_outboxmessage":
                    self.outbox_ids.extend(row[0] for row in returned)
        return (time.perf_counter() - began) * 1000

    @staticmethod
    def _captured(write: TableWrite, column: str) -> Any:
        return write.rows[0][write.columns.index(column)][2]

    def p50_ms(self, seconds: float) -> float:
        """Reports one after another for `seconds`; the median transaction time."""
        times: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            times.append(self.report())
        return statistics.median(times)


def remove_floor_rows(plan: FloorPlan, database_url: str, outbox_ids: list[int]) -> int:
    """Delete every floor case (its title starts with MARKER) and all rows hanging off it,
    the floor's outbox rows, and take the floor's counts back off the tallies; in one
    transaction. Returns how many floor reports were removed."""
    import psycopg

    parents = {
        w.table: next(
            (
                (column, cell[1])
                for column, cell in zip(w.columns, w.rows[0], strict=True)
                if cell[0] == "map" and cell[1] in {x.table for x in plan.writes}
            ),
            None,
        )
        for w in plan.writes
    }
    with psycopg.connect(database_url, autocommit=True) as connection, connection.transaction():
        ids: dict[str, list[Any]] = {}
        ids["cases_case"] = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM cases_case WHERE title LIKE %s", [MARKER + "%"]
            )
        ]
        floor_cases = len(ids["cases_case"])
        # Children first: walk the plan's order to find each table's rows, then delete backwards.
        found: list[tuple[str, str, list[Any]]] = []
        for write in plan.writes:
            if write.table == "cases_case":
                found.append((write.table, write.pk, ids["cases_case"]))
                continue
            link = parents[write.table]
            if link is None:
                continue
            column, parent = link
            rows = [
                row[0]
                for row in connection.execute(
                    f'SELECT "{write.pk}" FROM "{write.table}" WHERE "{column}" = ANY(%s)',  # noqa: S608
                    [ids.get(parent, [])],
                )
            ]
            if write.pk == "id":
                ids[write.table] = rows
            found.append((write.table, write.pk, rows))
        for table, pk, rows in reversed(found):
            connection.execute(
                f'DELETE FROM "{table}" WHERE "{pk}" = ANY(%s)', [rows]  # noqa: S608
            )
        if outbox_ids:
            connection.execute(
                "DELETE FROM outbox_outboxmessage WHERE id = ANY(%s)", [outbox_ids]
            )
        for write in plan.writes:
            if not write.conflict or not floor_cases:
                continue
            for row in write.rows:
                figure, month, key, count = (cell[1] for cell in row)
                connection.execute(
                    f'UPDATE "{write.table}" SET count = count - %s '  # noqa: S608
                    "WHERE figure = %s AND month = %s AND key = %s",
                    [count * floor_cases, figure, month, key],
                )
    return floor_cases


def record(captured: Capture, plan: FloorPlan) -> dict[str, Any]:
    """For results.records: the submission's statements and the floor's."""
    return {
        "submission": summary(captured),
        "floor": plan.statements(),
    }
