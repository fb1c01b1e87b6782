"""Privacy: the one place that decides what a reader may see of a case.

`fields.py` classifies every field reachable from a case, `projection.py` applies the classes
for one reader, `scrub.py` takes identities out of free text. See docs/architecture.md.
"""

from cases.privacy.fields import FIELD_CLASSES, HISTORY_FIELDS, FieldClass, field_class
from cases.privacy.projection import (
    INSTITUTIONAL_ROLES,
    REPORT_PREFETCH,
    Projected,
    Projection,
    people_terms,
    project_case,
    project_cases,
    search_projection,
    search_projection_of_new_report,
    search_projections,
)
from cases.privacy.scrub import WITHHELD, Scrubber, redact_text

__all__ = [
    "FIELD_CLASSES",
    "HISTORY_FIELDS",
    "INSTITUTIONAL_ROLES",
    "REPORT_PREFETCH",
    "WITHHELD",
    "FieldClass",
    "Projected",
    "Projection",
    "Scrubber",
    "field_class",
    "people_terms",
    "project_case",
    "project_cases",
    "redact_text",
    "search_projection",
    "search_projection_of_new_report",
    "search_projections",
]
