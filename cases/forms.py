"""Forms of the staff pages. They only parse and validate input; the decisions (may this move
happen, may this person be assigned) are the services' in cases/services.py."""

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.bulk_changes import BulkAction
from cases.models import Case, CaseNote
from cases.people import display_name
from cases.selectors import SORTS, QueueFilters, cases_by_reference
from cases.tagging import split_tag_names
from intake.models import Agency, EncounterKind
from intake.staff_labels import agency_name_for, kind_label_for
from plumbing.typing import User

SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "priority": _("Highest priority first"),
    "updated": _("Recently updated first"),
    "due": _("Due soonest first"),
}
YES_NO_ANY = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]


def _people_choices(users: Iterable[Any]) -> list[tuple[str, str]]:
    """Staff as choices, by full name (user names only where an account has no name)."""
    named = [(str(user.pk), display_name(user)) for user in users]
    return sorted(named, key=lambda choice: choice[1].casefold())


def _input(**attrs: str) -> dict[str, str]:
    return {"class": "usa-input", **attrs}


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "usa-checkbox__input"})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "usa-select"})


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "usa-textarea", "rows": str(rows)})


# --- The queue's filters (GET) -----------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string so that a view can be bookmarked."""

    # The filters always in sight on the queue's one-line bar; the others are under "More
    # filters".
    BAR_FIELDS = ("q", "assignee", "sort", "open")

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words from narratives, places, plates or tags."),
        widget=forms.TextInput(attrs=_input(type="search")),
    )
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=Case.Status.choices, widget=_checkboxes()
    )
    priority = forms.TypedMultipleChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        choices=Case.Priority.choices,
        widget=_checkboxes(),
    )
    kind = forms.MultipleChoiceField(label=_("What happened"), required=False, widget=_checkboxes())
    weapons_drawn = forms.ChoiceField(
        label=_("Weapons drawn"), required=False, choices=YES_NO_ANY, widget=_select()
    )
    has_evidence = forms.ChoiceField(
        label=_("Has evidence"), required=False, choices=YES_NO_ANY, widget=_select()
    )
    agency = forms.MultipleChoiceField(label=_("Agency"), required=False, widget=_checkboxes())
    city = forms.CharField(
        label=_("City"), required=False, max_length=100, widget=forms.TextInput(attrs=_input())
    )
    occurred_from = forms.DateField(
        label=_("Happened on or after"),
        required=False,
        widget=forms.DateInput(attrs=_input(type="date"), format="%Y-%m-%d"),
    )
    occurred_to = forms.DateField(
        label=_("Happened on or before"),
        required=False,
        widget=forms.DateInput(attrs=_input(type="date"), format="%Y-%m-%d"),
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, widget=_select())
    open = forms.BooleanField(
        label=_("Open cases only"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    overdue = forms.BooleanField(
        label=_("Overdue only"),
        required=False,
        help_text=_("Cases whose due date has passed."),
        widget=forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
    )
    tag = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Cases with every tag given; separate tags with commas."),
        widget=forms.TextInput(attrs=_input()),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[(key, SORT_LABELS.get(key, key)) for key in SORTS],
        widget=_select(),
    )

    def __init__(self, *args: Any, workers: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = EncounterKind.objects.order_by("sort_order", "label").values_list("code", "label")
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (code, kind_label_for(code, label)) for code, label in kinds
        ]
        agencies = Agency.objects.order_by("name").values_list("code", "name")
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            (code, agency_name_for(code, name)) for code, name in agencies
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Anyone")),
            ("mine", _("Me")),
            ("unassigned", _("Nobody (unassigned)")),
            *_people_choices(workers),
        ]

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.BAR_FIELDS]

    def more_in_use(self) -> int:
        """How many of the filters under "More filters" are set."""
        return sum(1 for field in self.more_fields() if field.data not in (None, "", [], False))

    def more_have_errors(self) -> bool:
        return any(field.errors for field in self.more_fields())

    def queue_filters(self) -> QueueFilters:
        """The filters for `case_queue`. Fields that did not validate are left out (their
        errors are shown), so one mistyped date does not empty the queue."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}

        def yes_no(name: str) -> bool | None:
            value = data.get(name) or ""
            return None if value == "" else value == "1"

        return QueueFilters(
            statuses=tuple(data.get("status") or ()),
            priorities=tuple(data.get("priority") or ()),
            kinds=tuple(data.get("kind") or ()),
            agencies=tuple(data.get("agency") or ()),
            city=(data.get("city") or "").strip(),
            occurred_from=data.get("occurred_from"),
            occurred_to=data.get("occurred_to"),
            assignee=data.get("assignee") or "",
            has_evidence=yes_no("has_evidence"),
            weapons_drawn=yes_no("weapons_drawn"),
            tags=tuple(split_tag_names(data.get("tag") or "")),
            text=data.get("q") or "",
            open_only=bool(data.get("open")),
            overdue=bool(data.get("overdue")),
            sort=data.get("sort") or "newest",
        )


# --- The case page's actions (POST) ------------------------------------------------------------

_OUT_OF_DATE = _("This page is out of date. Reload the case and make your change again.")


class CaseChangeForm(forms.Form):
    """A form that changes a case carries the version of the case its page showed, so that the
    service refuses the change if someone else changed the case since (cases/concurrency.py).
    The note form does not: a note overwrites nothing."""

    version = forms.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.HiddenInput(),
        error_messages={
            "required": _OUT_OF_DATE,
            "invalid": _OUT_OF_DATE,
            "min_value": _OUT_OF_DATE,
            "max_value": _OUT_OF_DATE,
        },
    )


class TransitionForm(CaseChangeForm):
    to = forms.ChoiceField(label=_("Move to"), choices=Case.Status.choices, widget=_select())
    close_reason = forms.ChoiceField(
        label=_("Why is the case closed?"),
        required=False,
        choices=[("", _("Not closing")), *Case.CloseReason.choices],
        widget=_select(),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Recorded in the case history. Needed when closing early or reopening."),
        widget=_textarea(),
    )

    def __init__(self, *args: Any, targets: Iterable[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "transition")
        super().__init__(*args, **kwargs)
        # Only the moves the workflow allows this role are offered; any other status still
        # parses, so that the workflow service is the one that refuses it, with its message.
        # Nothing is preselected: a move is a decision, never the form's default.
        self.fields["to"].widget.choices = [
            ("", _("Choose a status")),
            *((value, Case.Status(value).label) for value in targets),
        ]
        self.fields["to"].error_messages["required"] = _("Choose the status to move the case to.")


class AssignForm(CaseChangeForm):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False, widget=_select())
    # One line, so that assigning fits beside the other common actions on a laptop screen.
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.TextInput(attrs=_input())
    )

    def __init__(self, *args: Any, workers: Iterable[Any] = (), **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        self._workers = {str(user.pk): user for user in workers}
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Nobody (unassigned)")),
            *((pk, display_name(user)) for pk, user in self._workers.items()),
        ]

    def clean_assignee(self) -> Any:
        value = self.cleaned_data["assignee"]
        return self._workers[value] if value else None


class PriorityForm(CaseChangeForm):
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Case.Priority.choices, widget=_select()
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        error_messages={"required": _("Changing the priority needs a reason.")},
        widget=_textarea(2),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "priority")
        super().__init__(*args, **kwargs)


class DueDateForm(CaseChangeForm):
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        help_text=_("Leave empty to remove the due date."),
        widget=forms.DateInput(attrs=_input(type="date"), format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "due")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), max_length=20000, widget=_textarea(3))
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        required=False,
        choices=CaseNote.Visibility.choices,
        initial=CaseNote.Visibility.STAFF,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )

    def __init__(self, *args: Any, may_write_legal: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
        if not may_write_legal:
            # Only legal staff choose; for everyone else the note is a staff note. A forged
            # "legal" value still reaches add_note, which refuses it.
            self.fields["visibility"].widget = forms.HiddenInput()

    def clean_visibility(self) -> str:
        return self.cleaned_data["visibility"] or CaseNote.Visibility.STAFF


class AskReporterForm(forms.Form):
    """A question to the person who filed one report of the case. One per report on the page,
    told apart by their prefix."""

    body = forms.CharField(
        label=_("Question"),
        max_length=5000,
        help_text=_(
            "They read it when they next sign in with their tracking code and secret, and may "
            "never do so. Ask one clear thing, in plain words, in their language. Do not name "
            "other people in the case."
        ),
        widget=_textarea(3),
    )

    def __init__(self, *args: Any, report_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"ask-{report_id}")
        super().__init__(*args, **kwargs)


class TagsForm(CaseChangeForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_(
            "Separate tags with commas, e.g. “media attention, needs interpreter”. Leave "
            "empty to remove every tag."
        ),
        widget=forms.TextInput(attrs=_input()),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=_textarea(2)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "tags")
        super().__init__(*args, **kwargs)

    def clean_tags(self) -> list[str]:
        return split_tag_names(self.cleaned_data["tags"])


_REFERENCE_SEPARATORS = re.compile(r"[\s,;]+")


class MergeForm(CaseChangeForm):
    duplicates = forms.CharField(
        label=_("References of the duplicate cases"),
        max_length=2000,
        help_text=_(
            "Separate them with spaces or commas, e.g. RD-2026-000042. Their reports move to "
            "this case, which stays open; they are closed as duplicates."
        ),
        widget=forms.TextInput(attrs=_input()),
    )
    reason = forms.CharField(
        label=_("Why are they the same incident?"),
        max_length=2000,
        error_messages={"required": _("Merging cases needs a reason.")},
        widget=_textarea(2),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)
        self._user = user

    def clean_duplicates(self) -> list[Case]:
        references = [
            part.upper()
            for part in _REFERENCE_SEPARATORS.split(self.cleaned_data["duplicates"])
            if part
        ]
        return _visible(self._user, references)


def _visible(user: User | None, references: list[str]) -> list[Case]:
    found, missing = cases_by_reference(user=user, references=references)  # type: ignore[arg-type]
    if missing:
        raise forms.ValidationError(
            _("No case with the reference %(references)s."),
            params={"references": ", ".join(missing)},
        )
    return found


class LegalHoldForm(forms.Form):
    """Place a legal hold (the case page) or lift it (prefix "lift"): a reason is required."""

    reason = forms.CharField(
        label=_("Why?"),
        max_length=2000,
        help_text=_("Kept in the hold's history, with your name and the time."),
        widget=_textarea(2),
    )

    def __init__(self, *args: Any, lifting: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "lift" if lifting else "hold")
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = (
            _("Lifting a legal hold needs a reason.")
            if lifting
            else _("A legal hold needs a reason.")
        )


class UpcomingHoldForm(forms.Form):
    """Place a legal hold from the upcoming purges page: one per listed case, told apart by
    their prefix (the case's id); the case is named by its reference."""

    reference = forms.CharField(max_length=20, widget=forms.HiddenInput())
    reason = forms.CharField(
        label=_("Why hold it?"),
        max_length=2000,
        error_messages={"required": _("A legal hold needs a reason.")},
        # Shorter than the usual text box, so a table row stays a row on a laptop screen.
        widget=forms.Textarea(attrs={"class": "usa-textarea height-10", "rows": "2"}),
    )

    def __init__(self, *args: Any, case_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"hold-{case_id}")
        super().__init__(*args, **kwargs)


class BulkForm(forms.Form):
    """Assign or move several cases of the queue at once."""

    Action = BulkAction

    # The queue's row checkboxes, each "<reference>:<version>" (the version the queue showed);
    # which of them name a case the user may see is checked below.
    cases = forms.Field(
        label=_("Cases"),
        error_messages={"required": _("Tick at least one case.")},
        widget=forms.MultipleHiddenInput(),
    )
    action = forms.ChoiceField(
        label=_("What to do"),
        choices=Action.choices,
        widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
    )
    assignee = forms.ChoiceField(label=_("Assign to"), required=False, widget=_select())
    to = forms.ChoiceField(
        label=_("Move to"),
        required=False,
        choices=[("", _("Choose a status")), *Case.Status.choices],
        widget=_select(),
    )
    close_reason = forms.ChoiceField(
        label=_("Why are the cases closed?"),
        required=False,
        choices=[("", _("Not closing")), *Case.CloseReason.choices],
        widget=_select(),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=_textarea(2)
    )

    def __init__(
        self, *args: Any, user: User | None = None, workers: Iterable[Any] = (), **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self._user = user
        self._workers = {str(worker.pk): worker for worker in workers}
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Nobody (unassigned)")),
            *_people_choices(self._workers.values()),
        ]

    def clean_cases(self) -> list[Case]:
        """The ticked cases; the version each row showed goes to `cleaned_data["versions"]`
        (by case id)."""
        seen: dict[str, int] = {}
        for value in self.cleaned_data["cases"]:
            reference, _colon, version = str(value).rpartition(":")
            if not (reference and version.isdigit() and len(version) <= 9):
                raise forms.ValidationError(
                    _("The queue is out of date. Reload it and tick the cases again.")
                )
            seen[reference] = int(version)
        cases = _visible(self._user, list(seen))
        self.versions = {case.pk: seen[case.reference] for case in cases}
        return cases

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = cast("dict[str, Any]", super().clean())
        data["versions"] = getattr(self, "versions", {})
        if data.get("action") == self.Action.TRANSITION and not data.get("to"):
            self.add_error("to", _("Choose the status to move the cases to."))
        # The account to assign the cases to: nobody to unassign them, or when moving them.
        value = data.get("assignee") or ""
        assigning = data.get("action") == self.Action.ASSIGN
        data["assignee"] = self._workers[value] if assigning and value else None
        return data
