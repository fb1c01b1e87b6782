"""A date a person remembers, typed as day, month and year in three boxes (the GOV.UK and USWDS
"memorable date" pattern), and the specific errors that tell them what to fix.

A browser's date picker is slow to reach a date months back on a phone, and shows nothing
useful to someone who only knows the month. Three plain boxes work everywhere, with or without
JavaScript, and let the day be left out when the person is not sure of it.
"""

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PARTS = ("day", "month", "year")
PART_LABELS = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
# The longest a part can be typed (the inputs' maxlength, as USWDS sets it).
PART_LENGTHS = {"day": 2, "month": 2, "year": 4}

_MISSING = {
    ("day",): _("The date must include a day."),
    ("month",): _("The date must include a month."),
    ("year",): _("The date must include a year."),
    ("day", "month"): _("The date must include a day and month."),
    ("day", "year"): _("The date must include a day and year."),
    ("month", "year"): _("The date must include a month and year."),
}
NOTHING_ENTERED = _("Enter the date it happened.")
NOT_REAL = _("Enter a real date.")
YEAR_DIGITS = _("The year must include 4 numbers.")
IN_THE_FUTURE = _("The date must be in the past or today.")
TOO_EARLY = _("The date must be after 1 January 2000.")


class DateProblem(Exception):
    """What is wrong with a typed date, and which of its boxes to mark."""

    def __init__(self, message: Promise, parts: tuple[str, ...]) -> None:
        super().__init__(str(message))
        self.message = message
        self.parts = parts


def parse_memorable_date(
    day: str, month: str, year: str, *, day_optional: bool, earliest: date, today: date
) -> date:
    """The date the three parts name. Raises DateProblem with the first problem a person
    should fix, in the order GOV.UK asks: nothing entered, a part missing, a part that is not
    a number or a real day or month, a year not of 4 digits, then a date out of range.

    With `day_optional` (the person is not sure of the exact date) an empty day is the 1st of
    the month.
    """
    typed = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    if not any(typed.values()):
        return _raise(NOTHING_ENTERED, PARTS)
    if day_optional and not typed["day"]:
        typed["day"] = "1"
    missing = tuple(part for part in PARTS if not typed[part])
    if missing:
        return _raise(_MISSING[missing], missing)
    not_numbers = tuple(
        part for part in PARTS if not (typed[part].isascii() and typed[part].isdigit())
    )
    if not_numbers:
        return _raise(NOT_REAL, not_numbers)
    if len(typed["year"]) != 4:
        return _raise(YEAR_DIGITS, ("year",))
    numbers = {part: int(value) for part, value in typed.items()}
    out_of_range = tuple(
        part for part, top in (("day", 31), ("month", 12)) if not 1 <= numbers[part] <= top
    )
    if out_of_range:
        return _raise(NOT_REAL, out_of_range)
    try:
        value = date(numbers["year"], numbers["month"], numbers["day"])
    except ValueError:  # 30 February, 31 April
        return _raise(NOT_REAL, ("day", "month"))
    if value > today:
        return _raise(IN_THE_FUTURE, PARTS)
    if value < earliest:
        return _raise(TOO_EARLY, PARTS)
    return value


def _raise(message: Promise, parts: tuple[str, ...]) -> date:
    raise DateProblem(message, parts)


class MemorableDateWidget(forms.MultiWidget):
    """Three numeric text boxes, named `<name>_day`, `<name>_month` and `<name>_year`; the
    template includes/memorable_date.html draws them with USWDS's markup."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric", "maxlength": PART_LENGTHS[part]})
            for part in PARTS
        }
        super().__init__(widgets, attrs)
        # The boxes to mark as wrong, set by the form that found the problem.
        self.error_parts: tuple[str, ...] = ()

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[Any]:
        values = super().value_from_datadict(data, files, name)
        if all(value is None for value in values) and name in data:
            # A date kept in a session by the earlier, single-box version of the form.
            return self.decompress(data.get(name))
        return values

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id", "")
        for part, box in zip(PARTS, context["widget"]["subwidgets"], strict=True):
            box["part"] = part
            box["label"] = PART_LABELS[part]
            box["has_error"] = part in self.error_parts
            if base_id:
                box["attrs"]["id"] = f"{base_id}_{part}"
        return context


class MemorableDateField(forms.Field):
    """The three parts as typed, stripped and cut to a sane length. The form turns them into a
    date, because whether the day may be left out depends on another of its answers."""

    widget = MemorableDateWidget

    def to_python(self, value: Any) -> tuple[str, str, str]:
        items = [*value, None, None, None] if isinstance(value, list | tuple) else [None] * 3
        day, month, year = (str("" if item is None else item).strip()[:10] for item in items[:3])
        return day, month, year

    def error_anchor(self, auto_id: str) -> str:
        """The box an error summary link goes to: the first one with the problem."""
        # Field.__init__ makes an instance of the widget class.
        parts = cast(MemorableDateWidget, self.widget).error_parts or PARTS
        return f"{auto_id}_{parts[0]}"
