"""Forms of the statistics page. They only parse; reports/statistics/ computes the figures."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Agency
from intake.staff_labels import agency_name_for
from reports.statistics.filters import StatisticsFilters


class StatisticsFilterForm(forms.Form):
    """The statistics filters, read from the query string (the page, the CSV) or from the
    hidden fields of the recompute and PDF buttons, so every view of the figures can be
    bookmarked and every export matches what is on screen."""

    occurred_from = forms.DateField(
        label=_("Happened on or after"),
        required=False,
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d"),
    )
    occurred_to = forms.DateField(
        label=_("Happened on or before"),
        required=False,
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d"),
    )
    agency = forms.MultipleChoiceField(
        label=_("Agency"),
        required=False,
        help_text=_("Reports naming any of the agencies ticked. None ticked: every agency."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [  # type: ignore[attr-defined]
            (code, agency_name_for(code, name))
            for code, name in Agency.objects.order_by("name").values_list("code", "name")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            self.add_error("occurred_to", _("This day is before the first one."))
        return data

    def filters(self) -> StatisticsFilters:
        """The filters that validated; a field with an error is left out (and its error
        shown), like the case queue does."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return StatisticsFilters(
            occurred_from=data.get("occurred_from"),
            occurred_to=data.get("occurred_to"),
            agencies=tuple(data.get("agency") or ()),
        )


def filters_query(filters: StatisticsFilters, **extra: str) -> str:
    """The query string that reproduces `filters` on the page and in the exports."""
    pairs: list[tuple[str, str]] = []
    if filters.occurred_from:
        pairs.append(("occurred_from", filters.occurred_from.isoformat()))
    if filters.occurred_to:
        pairs.append(("occurred_to", filters.occurred_to.isoformat()))
    pairs.extend(("agency", code) for code in filters.agencies)
    pairs.extend(extra.items())
    return urlencode(pairs)
