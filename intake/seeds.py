"""Load the seed cases (seeds/cases.yaml) through `submit_report`, as press reports.

Idempotent: a report whose external_id is already stored is skipped, and a case whose first
report exists receives only the reports it is missing.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from cases.models import Case
from intake.inputs import (
    ComplainantInput,
    EncounterInput,
    FactInput,
    ReportSubmission,
    SourceInput,
)
from intake.models import Report
from intake.services import submit_report

SEED_REASON = "loaded from the seed articles"


@dataclass(frozen=True)
class SeedResult:
    cases_created: int
    reports_created: int
    reports_skipped: int


def default_seed_file() -> Path:
    return Path(settings.BASE_DIR) / "seeds" / "cases.yaml"


def _encounter(data: dict[str, Any]) -> EncounterInput:
    data = dict(data)
    occurred_at = data.pop("occurred_at", None)
    return EncounterInput(
        occurred_at=datetime.fromisoformat(occurred_at) if occurred_at else None,
        kind_codes=tuple(data.pop("kinds", ())),
        agency_codes=tuple(data.pop("agencies", ())),
        perceived_basis_codes=tuple(data.pop("perceived_basis", ())),
        **data,
    )


def _submission(data: dict[str, Any]) -> ReportSubmission:
    source = data["source"]
    return ReportSubmission(
        narrative=" ".join(data["narrative"].split()),
        encounter=_encounter(data.get("encounter", {})),
        complainants=tuple(ComplainantInput(**c) for c in data.get("complainants", ())),
        facts=tuple(FactInput(**f) for f in data.get("facts", ())),
        source=SourceInput(
            file=source["file"],
            headline=" ".join(source.get("headline", "").split()),
            outlet=source.get("outlet", ""),
        ),
        external_id=data["external_id"],
        language=data.get("language", "en"),
    )


@transaction.atomic
def load_seed_cases(path: Path | None = None) -> SeedResult:
    document = yaml.safe_load((path or default_seed_file()).read_text(encoding="utf-8"))
    wanted = [r["external_id"] for c in document["cases"] for r in c["reports"]]
    existing = dict(
        Report.objects.filter(external_id__in=wanted).values_list("external_id", "case_id")
    )
    cases_created = reports_created = 0
    for case_data in document["cases"]:
        case_ids = [existing[r["external_id"]] for r in case_data["reports"]
                    if r["external_id"] in existing]
        case = Case.objects.get(pk=case_ids[0]) if case_ids else None
        for report_data in case_data["reports"]:
            if report_data["external_id"] in existing:
                continue
            receipt = submit_report(
                submission=_submission(report_data),
                channel=Report.Channel.PRESS,
                case=case,
                title=case_data["title"],
                reason=SEED_REASON,
            )
            if case is None:
                case = receipt.report.case
                cases_created += 1
            reports_created += 1
    return SeedResult(
        cases_created=cases_created,
        reports_created=reports_created,
        reports_skipped=len(existing),
    )
