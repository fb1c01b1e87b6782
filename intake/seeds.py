"""Load the seed cases (seeds/cases.yaml) through `submit_report`, as press reports.

Idempotent: a report whose external_id is already stored is not filed again, and a case whose
first report exists receives only the reports it is missing. A report already stored gets its
article's citation as the file now gives it (`cite_press_source`, which writes nothing when it
is already that), so a database seeded before the file gained a field is brought up to it.
"""

from dataclasses import dataclass
from datetime import date, datetime
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
from intake.services import cite_press_source, press_citation, submit_report

SEED_REASON = "loaded from the seed articles"
CITATION_REASON = "citation updated from the seed articles"


@dataclass(frozen=True)
class SeedResult:
    cases_created: int
    reports_created: int
    reports_skipped: int
    # Reports already stored whose citation changed to what the file now gives.
    reports_updated: int = 0


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


def _source(data: dict[str, Any], articles: dict[str, Any]) -> SourceInput:
    """A report's source: the article its `source` names, as `articles` cites it. Every article
    states its author, date and URL, empty where the article gives none."""
    file = data["source"]
    article = articles[file]
    published_on = article["published_on"]
    return SourceInput(
        file=file,
        headline=" ".join((article["headline"] or "").split()),
        outlet=article["outlet"] or "",
        author=article["author"] or "",
        published_on=date.fromisoformat(str(published_on)) if published_on else None,
        url=article["url"] or "",
        checked=True,
    )


def _submission(data: dict[str, Any], articles: dict[str, Any]) -> ReportSubmission:
    return ReportSubmission(
        narrative=" ".join(data["narrative"].split()),
        encounter=_encounter(data.get("encounter", {})),
        complainants=tuple(ComplainantInput(**c) for c in data.get("complainants", ())),
        facts=tuple(FactInput(**f) for f in data.get("facts", ())),
        source=_source(data, articles),
        external_id=data["external_id"],
        language=data.get("language", "en"),
    )


@transaction.atomic
def load_seed_cases(path: Path | None = None) -> SeedResult:
    document = yaml.safe_load((path or default_seed_file()).read_text(encoding="utf-8"))
    articles = document["articles"]
    wanted = [r["external_id"] for c in document["cases"] for r in c["reports"]]
    existing = {
        report.external_id: report for report in Report.objects.filter(external_id__in=wanted)
    }
    cases_created = reports_created = reports_updated = 0
    for case_data in document["cases"]:
        case_ids = [
            existing[r["external_id"]].case_id
            for r in case_data["reports"]
            if r["external_id"] in existing
        ]
        case = Case.objects.get(pk=case_ids[0]) if case_ids else None
        for report_data in case_data["reports"]:
            stored = existing.get(report_data["external_id"])
            if stored is not None:
                source = _source(report_data, articles)
                if any(
                    getattr(stored, name) != value for name, value in press_citation(source).items()
                ):
                    cite_press_source(report=stored, source=source, reason=CITATION_REASON)
                    reports_updated += 1
                continue
            receipt = submit_report(
                submission=_submission(report_data, articles),
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
        reports_updated=reports_updated,
    )
