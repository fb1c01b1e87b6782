"""The public report form, one small Django form per step, and the status lookup form.

Forms only validate and translate: the answers of each completed step are kept in the session
(intake/drafts.py) and turned into one ReportSubmission for `submit_report` at the end. Every
limit here is also a limit of the model, so a valid form never fails in the service.

One module per group of steps: `about_you` (who is filling in the form and how to reach them),
`encounter` (what happened, when, who, why, and the account), `witnesses`, `evidence`; `steps`
puts them in order, `base` holds what they share and `status` the status lookup.
"""

from intake.forms.about_you import AboutForm, ContactForm, IdentityForm
from intake.forms.base import (
    EARLIEST_DATE,
    HONEYPOT_FIELD,
    MAX_WITNESSES,
    TYPED_MAX_CHARS,
    TYPED_MAX_ITEMS,
    StepForm,
    display_value,
    field_anchor,
    first_field_anchor,
    intake_error_summary,
)
from intake.forms.encounter import AccountForm, WhatForm, WhenForm, WhoForm, WhyForm
from intake.forms.evidence import (
    EVIDENCE_ACCEPT,
    EvidenceForm,
    accepted_by_evidence_rules,
    evidence_files_help,
)
from intake.forms.status import StatusForm
from intake.forms.steps import STEPS, STEPS_BY_SLUG, ReviewForm, Step
from intake.forms.witnesses import WitnessForm

__all__ = [
    "EARLIEST_DATE",
    "EVIDENCE_ACCEPT",
    "HONEYPOT_FIELD",
    "MAX_WITNESSES",
    "STEPS",
    "STEPS_BY_SLUG",
    "TYPED_MAX_CHARS",
    "TYPED_MAX_ITEMS",
    "AboutForm",
    "AccountForm",
    "ContactForm",
    "EvidenceForm",
    "IdentityForm",
    "ReviewForm",
    "StatusForm",
    "Step",
    "StepForm",
    "WhatForm",
    "WhenForm",
    "WhoForm",
    "WhyForm",
    "WitnessForm",
    "accepted_by_evidence_rules",
    "display_value",
    "evidence_files_help",
    "field_anchor",
    "first_field_anchor",
    "intake_error_summary",
]
