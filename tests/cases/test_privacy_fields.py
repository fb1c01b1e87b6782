"""The reader projection is deny by default: every field of every record reachable from a case
is classified, a field without a class is shown to nobody, and the projection's decisions per
class and reader."""

import pytest

from cases.models import Case
from cases.privacy import (
    FIELD_CLASSES,
    HISTORY_FIELDS,
    WITHHELD,
    FieldClass,
    Projected,
    project_case,
    search_projection,
)
from cases.privacy.projection import INSTITUTIONAL_ROLES
from intake.models import Complainant, Encounter, Report
from intake.services import submit_report
from tests.factories import (
    ComplainantInputFactory,
    ReportSubmissionFactory,
    UserFactory,
    WitnessInputFactory,
)

pytestmark = pytest.mark.django_db


def _fields(model: type) -> set[str]:
    """Every field, relation and reverse relation of `model` a template or serializer could
    read."""
    names = set()
    for field in model._meta.get_fields():
        if field.is_relation and field.auto_created and not field.concrete:
            accessor = field.get_accessor_name()
            if accessor and not accessor.endswith("+") and not accessor.startswith("history"):
                names.add(accessor)
        else:
            names.add(field.name)
    return names


@pytest.mark.parametrize("model", list(FIELD_CLASSES), ids=lambda model: model.__name__)
def test_every_field_reachable_from_a_case_is_classified(model):
    related_models_outside_the_case = {"merged_cases", "documents", "tallies"}
    missing = _fields(model) - set(FIELD_CLASSES[model]) - related_models_outside_the_case
    assert missing == set(), f"Classify {sorted(missing)} in cases/privacy/fields.py"


@pytest.mark.parametrize("model", list(FIELD_CLASSES), ids=lambda model: model.__name__)
def test_every_history_column_is_classified(model):
    history = model.history.model
    columns = {field.name for field in history._meta.concrete_fields}
    missing = columns - set(FIELD_CLASSES[model]) - set(HISTORY_FIELDS)
    assert missing == set(), f"Classify {sorted(missing)} in cases/privacy/fields.py"


def _file(*, case=None, people=(), witnesses=(), channel="web", actor=None, **fields):
    submission = ReportSubmissionFactory(
        complainants=tuple(ComplainantInputFactory(**person) for person in people),
        witnesses=tuple(WitnessInputFactory(**witness) for witness in witnesses),
        **fields,
    )
    report = submit_report(submission=submission, channel=channel, case=case, actor=actor).report
    return (
        Report.objects.filter(pk=report.pk)
        .prefetch_related("complainants", "witnesses", "evidence")
        .select_related("encounter")
        .get()
    )


def test_a_field_without_a_class_is_shown_to_nobody(liaison, legal, monkeypatch):
    report = _file(consent_to_share_with_liaison=True)
    monkeypatch.delitem(FIELD_CLASSES[Report], "narrative")
    for reader in (liaison, legal):
        shown = project_case(reader=reader, reports=[report]).record(report)
        with pytest.raises(AttributeError):
            shown.narrative  # noqa: B018
    projection = project_case(reader=legal, reports=[report], withheld=WITHHELD)
    assert projection.value(Report, "narrative", report.narrative) == WITHHELD


def test_internal_fields_are_never_shown_even_to_legal_staff(legal):
    report = _file()
    shown = project_case(reader=legal, reports=[report]).record(report)
    for name, kind in FIELD_CLASSES[Report].items():
        if kind is FieldClass.INTERNAL:
            with pytest.raises(AttributeError):
                getattr(shown, name)
    with pytest.raises(AttributeError):
        shown.narrative = "changed"


def _case_with_two_reports():
    hidden = _file(
        consent_to_share_with_liaison=False,
        narrative="Agents stopped Ana Restrepo on Lake Street.",
        people=[{"name": "Ana Restrepo", "email": "ana@example.org", "phone": "612 555 0142"}],
        witnesses=[{"name": "Tomas Lind", "contact": "tl@example.org"}],
    )
    case = hidden.case
    shared = _file(
        case=case,
        channel="staff",
        actor=UserFactory(),
        consent_to_share_with_liaison=True,
        narrative="I saw them take Ana Restrepo; Tomas filmed it.",
        people=[{"name": "Bea Quist", "email": "", "phone": ""}],
    )
    return case, hidden, shared, [hidden, shared]


def test_liaison_sees_consenting_people_and_no_one_else_anywhere_in_the_case(liaison):
    _case, hidden, shared, reports = _case_with_two_reports()
    projection = project_case(reader=liaison, reports=reports)
    by_id = {report.pk: projection.record(report) for report in reports}
    assert by_id[hidden.pk].identity_withheld and not by_id[shared.pk].identity_withheld
    assert [p.name for p in by_id[hidden.pk].complainants] == [None]
    assert [p.name for p in by_id[shared.pk].complainants] == ["Bea Quist"]
    # The consenting report's text loses the names of the people of the other report.
    assert by_id[shared.pk].narrative == f"I saw them take {WITHHELD}; {WITHHELD} filmed it."
    assert "Ana" not in by_id[hidden.pk].narrative


def test_legal_staff_see_everything_and_the_redacted_file_nothing(legal):
    _case, hidden, shared, reports = _case_with_two_reports()
    full = project_case(reader=legal, reports=reports)
    assert full.record(hidden).narrative == hidden.narrative
    assert full.record(shared).narrative == shared.narrative
    redacted = project_case(reader=legal, reports=reports, redacted=True)
    assert [p.name for p in redacted.record(shared).complainants] == [WITHHELD]
    assert "Ana" not in redacted.record(shared).narrative
    assert redacted.text("Bea Quist called") == f"{WITHHELD} called"


def test_officials_and_organisations_are_named_for_everyone(liaison, legal):
    report = _file(
        consent_to_share_with_liaison=False,
        narrative="Chief Mark Bruley said the agents left.",
        people=[{"role": Complainant.Role.OFFICIAL, "name": "Mark Bruley",
                 "email": "chief@example.org", "occupation": "Police chief"}],
        channel="staff",
        actor=legal,
    )
    reports = [report]
    for projection in (
        project_case(reader=liaison, reports=reports),
        project_case(reader=liaison, reports=reports, redacted=True),
    ):
        shown = projection.record(reports[0])
        [chief] = shown.complainants
        assert (chief.name, chief.occupation) == ("Mark Bruley", "Police chief")
        assert chief.email in (None, WITHHELD)
        assert "Mark Bruley" in shown.narrative
    assert Complainant.Role.OFFICIAL in INSTITUTIONAL_ROLES


def test_search_projection_takes_identities_out_without_a_searchable_marker():
    _case, hidden, _shared, reports = _case_with_two_reports()
    projection = search_projection(reports)
    text = projection.text(hidden.narrative, marker=" ")
    assert "Ana" not in text and "Restrepo" not in text and "withheld" not in text
    assert projection.value(Encounter, "address", "1 Lake St", report_id=hidden.pk) is None


def test_projected_records_compare_and_expose_only_classified_relations(legal):
    case, _hidden, _shared, reports = _case_with_two_reports()
    projection = project_case(reader=legal, reports=reports)
    shown = projection.record(case)
    assert isinstance(shown, Projected) and shown == projection.record(case)
    assert shown.reference == case.reference and shown.assignee_id == case.assignee_id
    with pytest.raises(AttributeError):
        shown.search_text  # noqa: B018
    assert Case in FIELD_CLASSES
