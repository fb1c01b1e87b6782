"""The queue, `GET /api/v1/cases/`: its filters as query parameters, a row per case, and the
page of rows with the counts by status."""

from datetime import datetime

from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers.cases import CaseSummarySerializer
from cases.api.serializers.reports import encounter_of
from cases.encounter_codes import agencies_of, kinds_of
from cases.models import Case
from cases.pagination import COUNT_CAP
from cases.selectors import SORTS
from intake.models import Agency, Encounter, EncounterKind
from plumbing.api_input import CodeListField, CommaListField, QueryParametersSerializer

# A user id is a positive number that fits the id column (documented as the parameter's pattern).
_assignee_value = RegexValidator(
    r"^(mine|unassigned|[1-9][0-9]{0,17})$",
    message=gettext_lazy("Use “mine”, “unassigned” or a user id."),
)


class CaseQueueQuerySerializer(QueryParametersSerializer):
    """The queue's filters, as query parameters of `GET /api/v1/cases/`."""

    ignored_keys = frozenset({"page"})

    status = CommaListField(
        child=serializers.ChoiceField(choices=Case.Status.choices),
        required=False,
        help_text="Repeat it or separate values with commas; any of them matches.",
    )
    priority = CommaListField(
        child=serializers.ChoiceField(choices=Case.Priority.choices),
        required=False,
        help_text="1 low, 2 normal, 3 high, 4 urgent; any of them matches.",
    )
    kind = CodeListField(
        queryset=EncounterKind.objects.all(),
        help_text="Encounter kind codes; a case must have every one given.",
    )
    agency = CodeListField(
        queryset=Agency.objects.all(), help_text="Agency codes; any of them matches."
    )
    city = serializers.CharField(required=False, max_length=100, help_text="Exact, any case.")
    occurred_from = serializers.DateField(required=False, help_text="On or after this day.")
    occurred_to = serializers.DateField(required=False, help_text="On or before this day.")
    assignee = serializers.CharField(
        required=False,
        validators=[_assignee_value],
        help_text="`mine`, `unassigned`, or a user id.",
    )
    has_evidence = serializers.BooleanField(required=False, allow_null=True, default=None)
    weapons_drawn = serializers.BooleanField(required=False, allow_null=True, default=None)
    tag = CommaListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=20,
        help_text="Tags; a case must have every one given. Written as on the case "
        "(`media-attention`) or as typed (`Media attention`).",
    )
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Words to find in narratives, places, plates, vehicle descriptions and tags.",
    )
    ordering = serializers.ChoiceField(choices=list(SORTS), required=False, default="newest")
    include_merged = serializers.BooleanField(
        required=False, default=False, help_text="Also list cases merged into another."
    )

    given_once = (
        "city", "occurred_from", "occurred_to", "assignee", "has_evidence", "weapons_drawn", "q",
        "ordering", "include_merged", "page",
    )
    date_range = ("occurred_from", "occurred_to")


class CaseRowSerializer(CaseSummarySerializer):
    """A queue row: the case plus what its reports' encounters say, from the prefetched
    reports of `cases.selectors.case_queue`."""

    kinds = serializers.SerializerMethodField(help_text="Encounter kind codes of every report.")
    agencies = serializers.SerializerMethodField(help_text="Agency codes of every report.")
    occurred_at = serializers.SerializerMethodField(help_text="The earliest encounter time.")
    cities = serializers.SerializerMethodField()
    report_count = serializers.SerializerMethodField()
    age_days = serializers.SerializerMethodField(help_text="Whole days since the case opened.")

    def _encounters(self, case: Case) -> list[Encounter]:
        found = (encounter_of(report) for report in case.reports.all())
        return [encounter for encounter in found if encounter is not None]

    def get_kinds(self, case: Case) -> list[str]:
        return [kind.code for kind in kinds_of(case)]

    def get_agencies(self, case: Case) -> list[str]:
        return [agency.code for agency in agencies_of(case)]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_occurred_at(self, case: Case) -> datetime | None:
        times = [e.occurred_at for e in self._encounters(case) if e.occurred_at]
        return min(times) if times else None

    def get_cities(self, case: Case) -> list[str]:
        return list(dict.fromkeys(e.city for e in self._encounters(case) if e.city))

    def get_report_count(self, case: Case) -> int:
        return len(case.reports.all())

    def get_age_days(self, case: Case) -> int:
        return (timezone.now() - case.opened_at).days


class CasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text=f"Cases matching the filters, on every page. Counting stops at {COUNT_CAP}: "
        "with `count_capped` true, more than `count` cases match."
    )
    count_capped = serializers.BooleanField(
        help_text=f"Whether `count` is a lower bound (more than {COUNT_CAP} cases match)."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    status_counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Cases per status matching every filter but `status`, counted up to "
        f"{COUNT_CAP} each (see `status_counts_capped`).",
    )
    status_counts_capped = serializers.ListField(
        child=serializers.ChoiceField(choices=Case.Status.choices),
        help_text=f"The statuses whose count is a lower bound: more than {COUNT_CAP} match.",
    )
    results = CaseRowSerializer(many=True)
