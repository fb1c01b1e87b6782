"""The reader projection: what one reader may see of one case, decided in one place.

Every screen, API, search text, case file and e-mail that shows anything of a case reads it
through a `Projection`: the case page and the case API wrap their records in `Projected`, the
timeline and the case file ask `Projection.value` field by field, and the search text is built
with `search_projection`. Nothing else decides what is withheld.

The rules, per field class (fields.py):
- SHOWN fields are shown to every case worker.
- IDENTITY fields (and NAME fields of people) are shown only where the reader may see who the
  people of that record's report are (`cases.access.can_see_identity`: legal staff always,
  police liaisons where the person consented to sharing with liaisons). A redacted case file,
  made to leave Rights Desk, shows none.
- SCRUBBED free text loses every identity the reader may not see, of every report of the case
  (merged ones included), whoever wrote the text: a consenting bystander's report that names
  the person who did not consent is scrubbed of that name too. E-mail addresses and phone
  numbers go whether or not they are known.
- INTERNAL and unclassified fields are never shown.

Organisations, news outlets and officials speaking in public are not private identities: their
names are public record (a police chief at a news conference), so they are never withheld nor
scrubbed; their contacts are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, overload

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, Prefetch

from cases.access import can_see_identity
from cases.conflicts import Conflict, Version
from cases.models import Case
from cases.privacy.fields import HISTORY_FIELDS, FieldClass, field_class
from cases.privacy.scrub import WITHHELD, Scrubber
from intake.models import Complainant, Encounter, Report, ReportFact

User = AbstractBaseUser | AnonymousUser

# Complainants in these roles are not private people: their names stay (see the module's
# docstring). Scrubbing them from free text would also eat common words ("The Independent").
INSTITUTIONAL_ROLES = frozenset(
    {Complainant.Role.ORGANISATION, Complainant.Role.NEWS_OUTLET, Complainant.Role.OFFICIAL}
)

# What a report's records must be loaded with for a projection (no queries of its own after).
REPORT_PREFETCH = ("complainants", "witnesses", "evidence")


@dataclass(frozen=True)
class Projection:
    """What one reader may see of one case. Build it with `project_case` (from loaded reports),
    `project_cases` (from the database) or `search_projection`; never by hand."""

    # Reports whose people the reader may see; None: every report's.
    shown_reports: frozenset[int] | None
    # Takes the identities the reader may not see out of free text; None: nothing to take.
    scrubber: Scrubber | None
    # What a withheld identity field becomes: None on pages and in the API (a client can tell
    # withheld from empty by `identity_withheld`), WITHHELD in files that leave the system.
    withheld: str | None = None

    # --- Decisions ---------------------------------------------------------------------------

    def identity_shown(self, report_id: int | None) -> bool:
        if self.shown_reports is None:
            return True
        return report_id is not None and report_id in self.shown_reports

    def text(self, value: str, *, marker: str = WITHHELD) -> str:
        """Free text as the reader may read it."""
        if self.scrubber is None or not value:
            return value
        return self.scrubber(value, marker=marker)

    def value(
        self,
        model: type[Model],
        name: str,
        value: Any,
        *,
        report_id: int | None = None,
        role: str = "",
    ) -> Any:
        """`value` of the field `model.name` of a record of report `report_id` (the role of a
        complainant for NAME fields), as the reader may see it."""
        kind = field_class(model, name)
        if kind is FieldClass.SHOWN:
            return value
        if kind is FieldClass.SCRUBBED:
            return self.text(value)
        if kind is FieldClass.NAME and role in INSTITUTIONAL_ROLES:
            return value
        if kind in (FieldClass.IDENTITY, FieldClass.NAME):
            if self.identity_shown(report_id):
                return value
            if value in ("", None) and self.withheld is not None:
                return value
            return self.withheld
        # INTERNAL, RELATED asked for as a value, or not classified at all: deny.
        return self.withheld

    def reason(self, text: str) -> str:
        """A history row's reason (HISTORY_FIELDS classifies it like any other field)."""
        kind = HISTORY_FIELDS.get("history_change_reason")
        if kind is FieldClass.SHOWN:
            return text
        return self.text(text) if kind is FieldClass.SCRUBBED else (self.withheld or "")

    # --- Records -----------------------------------------------------------------------------

    @overload
    def record(self, instance: Model) -> Projected: ...
    @overload
    def record(self, instance: None) -> None: ...
    @overload
    def record(self, instance: Model | None) -> Projected | None: ...
    def record(self, instance: Model | None) -> Projected | None:
        return None if instance is None else Projected(instance, self)

    def records(self, instances: Iterable[Model]) -> list[Projected]:
        return [Projected(instance, self) for instance in instances]

    def conflicts(self, conflicts: Iterable[Conflict]) -> list[Conflict]:
        """Where sources disagree, with each version as the reader may read it."""
        return [
            replace(
                conflict,
                label=self.value(ReportFact, "label", conflict.label),
                versions=tuple(
                    Version(
                        value=self.value(ReportFact, "value", v.value),
                        reports=tuple(self.records(v.reports)),  # type: ignore[arg-type]
                    )
                    for v in conflict.versions
                ),
            )
            for conflict in conflicts
        ]


def report_id_of(instance: Model) -> int | None:
    """The report a record of a case belongs to (None for the case's own records)."""
    if isinstance(instance, Report):
        return instance.pk
    return getattr(instance, "report_id", None)


class Projected:
    """A record of a case as a reader may see it: reading a field gives its projected value,
    reading a relation gives projected records, and anything not classified in fields.py is
    not there (templates print nothing, code gets AttributeError). Read-only."""

    __slots__ = ("_instance", "_projection")

    def __init__(self, instance: Model, projection: Projection) -> None:
        object.__setattr__(self, "_instance", instance)
        object.__setattr__(self, "_projection", projection)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Projected records are read-only.")

    def __repr__(self) -> str:
        return f"<Projected {type(self._instance).__name__} {self._instance.pk}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Projected) and other._instance == self._instance

    def __hash__(self) -> int:
        return hash(self._instance)

    @property
    def pk(self) -> Any:
        return self._instance.pk

    @property
    def model(self) -> type[Model]:
        return type(self._instance)

    @property
    def identity_withheld(self) -> bool:
        """Whether the reader may not see who the people of this record's report are."""
        return not self._projection.identity_shown(report_id_of(self._instance))

    def __getattr__(self, name: str) -> Any:
        instance, model = self._instance, type(self._instance)
        if name.startswith("get_") and name.endswith("_display"):
            if field_class(model, name[4:-8]) is FieldClass.SHOWN:
                return getattr(instance, name)
            raise AttributeError(name)
        if name.endswith("_id") and field_class(model, name[:-3]) is FieldClass.SHOWN:
            return getattr(instance, name)  # the id of a shown relation (`assignee_id`)
        kind = field_class(model, name)
        if kind is None or kind is FieldClass.INTERNAL:
            raise AttributeError(f"{model.__name__}.{name} is not shown to readers.")
        if kind is FieldClass.RELATED:
            try:
                related = getattr(instance, name)
            except Encounter.DoesNotExist:
                return None
            if hasattr(related, "all"):
                return self._projection.records(related.all())
            return self._projection.record(related)
        return self._projection.value(
            model,
            name,
            getattr(instance, name),
            report_id=report_id_of(instance),
            role=getattr(instance, "role", "") if isinstance(instance, Complainant) else "",
        )


# --- Building projections -------------------------------------------------------------------


def people_terms(
    *,
    complainants: Iterable[Complainant],
    witnesses: Iterable[Any],
    address: str = "",
    file_names: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """The names, and the contacts, address and file names, that identify the people of one
    report."""
    names: list[str] = []
    phrases: list[str] = []
    for person in complainants:
        if person.role not in INSTITUTIONAL_ROLES:
            names.append(person.name)
        phrases += [person.email, person.phone]
    for witness in witnesses:
        names.append(witness.name)
        phrases.append(witness.contact)
    phrases += [address, *file_names]
    return [n for n in names if n], [p for p in phrases if p]


def _identities(reports: Iterable[Report]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    phrases: list[str] = []
    for report in reports:
        encounter = getattr(report, "encounter", None)
        more_names, more_phrases = people_terms(
            complainants=report.complainants.all(),
            witnesses=report.witnesses.all(),
            address=encounter.address if encounter is not None else "",
            file_names=[item.original_name for item in report.evidence.all()],
        )
        names += more_names
        phrases += more_phrases
    return names, phrases


def _build(
    reports: list[Report], shown: Callable[[Report], bool], *, withheld: str | None
) -> Projection:
    shown_ids = frozenset(report.pk for report in reports if shown(report))
    hidden = [report for report in reports if report.pk not in shown_ids]
    if not hidden:
        return Projection(shown_reports=None, scrubber=None, withheld=withheld)
    names, phrases = _identities(hidden)
    return Projection(
        shown_reports=shown_ids,
        scrubber=Scrubber(names=names, phrases=phrases),
        withheld=withheld,
    )


def project_case(
    *,
    reader: User | None,
    reports: Iterable[Report],
    redacted: bool = False,
    withheld: str | None = None,
) -> Projection:
    """What `reader` may see of the case whose reports (all of them, merged ones included,
    loaded with their complainants, witnesses, encounter and evidence) are `reports`.

    `redacted=True` is the file made for sharing outside Rights Desk: no identity at all,
    whoever the reader is. `withheld` is what a withheld identity field reads as (files print
    WITHHELD; pages and the API get None).
    """
    reports = list(reports)
    if redacted:
        return _build(reports, lambda report: False, withheld=WITHHELD)
    return _build(reports, lambda report: can_see_identity(reader, report), withheld=withheld)


def _reports_of(case_ids: Iterable[int]) -> dict[int, list[Report]]:
    ids = list(case_ids)
    by_case: dict[int, list[Report]] = {pk: [] for pk in ids}
    reports = (
        Report.objects.filter(case_id__in=ids)
        .only("pk", "case_id", "consent_to_share_with_liaison")
        .prefetch_related(
            Prefetch(
                "encounter",
                queryset=Encounter.objects.only("pk", "report_id", "data_key", "address"),
            ),
            *REPORT_PREFETCH,
        )
    )
    for report in reports:
        by_case[report.case_id].append(report)
    return by_case


def project_cases(
    *, reader: User | None, cases: Iterable[Case], redacted: bool = False
) -> dict[int, Projection]:
    """`project_case` for each of `cases`, by case id, read from the database in five queries
    however many cases there are."""
    by_case = _reports_of(case.pk for case in cases)
    return {
        pk: project_case(reader=reader, reports=reports, redacted=redacted)
        for pk, reports in by_case.items()
    }


def search_projection(reports: Iterable[Report]) -> Projection:
    """What every case worker may see of a case: the search text is shared by all of them, so
    it holds only what a police liaison may see (the least any case worker sees)."""
    return _build(
        list(reports), lambda report: report.consent_to_share_with_liaison, withheld=None
    )


def search_projection_of_new_report(
    *, report: Report, names: list[str], phrases: list[str]
) -> Projection:
    """`search_projection` of a case that has just been opened with `report`, from the
    `people_terms` of what was just written (no queries)."""
    if report.consent_to_share_with_liaison:
        return Projection(shown_reports=None, scrubber=None)
    return Projection(shown_reports=frozenset(), scrubber=Scrubber(names=names, phrases=phrases))


def search_projections(case_ids: Iterable[int]) -> dict[int, Projection]:
    return {pk: search_projection(reports) for pk, reports in _reports_of(case_ids).items()}
