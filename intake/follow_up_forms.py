"""The forms of a person signed in to their report: adding to it, and answering a question.

They only validate; intake/follow_up.py decides and writes. File checks (type from the bytes,
sizes) are the service's, so one file refused is named in an error and nothing is written.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.forms import (
    EvidenceForm,
    StepForm,
    WitnessForm,
    evidence_files_help,
)
from intake.inputs import WitnessInput
from intake.models import ReportAddition


class AddToReportForm(StepForm):
    kind = forms.ChoiceField(
        label=_("What are you adding?"),
        choices=[
            (ReportAddition.Kind.INFORMATION, _("More about what happened")),
            (ReportAddition.Kind.CORRECTION, _("A correction to what I sent")),
        ],
        initial=ReportAddition.Kind.INFORMATION,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are adding.")},
    )
    body = forms.CharField(
        label=_("What do you want to add?"),
        help_text=_(
            "It is added to your report with today's date. What you sent before stays as it was."
        ),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # The same questions as the form's evidence and witnesses steps.
    files = EvidenceForm.base_fields["files"]  # type: ignore[assignment]  # a declared field: the metaclass takes it off the class
    description = EvidenceForm.base_fields["description"]
    witness_name = WitnessForm.base_fields["name"]
    witness_contact = WitnessForm.base_fields["contact"]
    witness_statement = WitnessForm.base_fields["statement"]
    witness_willing = WitnessForm.base_fields["willing_to_be_contacted"]

    groups = (
        (
            _("A witness (if you want to add one)"),
            ("witness_name", "witness_contact", "witness_statement", "witness_willing"),
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = evidence_files_help()

    def witness(self) -> WitnessInput | None:
        data = self.cleaned_data
        if not any(data.get(name) for name in ("witness_name", "witness_contact",
                                                "witness_statement")):
            return None
        return WitnessInput(
            name=data["witness_name"],
            contact=data["witness_contact"],
            statement=data["witness_statement"],
            willing_to_be_contacted=bool(data["witness_willing"]),
        )


class AnswerForm(StepForm):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your answer.")},
    )

    def __init__(self, *args: Any, question_id: int, **kwargs: Any) -> None:
        # One form per question on the page, each posted to its own address: the same field
        # names, ids kept apart.
        kwargs.setdefault("auto_id", f"answer-{question_id}-%s")
        super().__init__(*args, **kwargs)
