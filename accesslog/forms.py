"""The access log list's filters, read from the query string so a view can be bookmarked."""

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accesslog.models import AccessKind
from accesslog.selectors import AccessLogFilters


def _text(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "usa-input", **attrs})


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"class": "usa-input", "type": "date"}, format="%Y-%m-%d")


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(
        label=_("User name"),
        required=False,
        max_length=150,
        help_text=_("Exactly as they sign in; also finds failed sign-ins with that name."),
        widget=_text(autocomplete="off"),
    )
    case = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=32,
        help_text=_("For example RD-2026-000123."),
        widget=_text(autocomplete="off"),
    )
    kind = forms.ChoiceField(
        label=_("What happened"),
        required=False,
        choices=[("", _("Anything")), *AccessKind.choices],
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=_date())
    date_to = forms.DateField(label=_("To (date, included)"), required=False, widget=_date())

    def clean_case(self) -> str:
        return self.cleaned_data["case"].strip().upper()

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = cast("dict[str, Any]", super().clean())
        start: date | None = cleaned.get("date_from")
        end: date | None = cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def filters(self) -> AccessLogFilters:
        """The filters of the fields that are valid; a field in error filters nothing."""
        data = getattr(self, "cleaned_data", {})
        return AccessLogFilters(
            username=data.get("user") or "",
            case_reference=data.get("case") or "",
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
        )
