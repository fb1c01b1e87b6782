"""Where the sources of a case disagree. Rights Desk shows every version instead of picking one."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cases.models import Case
from intake.models import Report, ReportFact


@dataclass(frozen=True)
class Version:
    value: str
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class Conflict:
    topic: str
    label: str
    versions: tuple[Version, ...]


def find_conflicts(facts: Iterable[ReportFact]) -> list[Conflict]:
    """Topics on which the given facts (from one case's reports) state more than one value.

    Values are compared ignoring case and surrounding white space; a topic only one source
    mentions is not a conflict."""
    by_topic: dict[str, dict[str, list[ReportFact]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        by_topic[fact.topic][fact.value.strip().casefold()].append(fact)
    conflicts = []
    for topic, by_value in sorted(by_topic.items()):
        if len(by_value) < 2:
            continue
        versions = tuple(
            Version(value=group[0].value, reports=tuple(f.report for f in group))
            for group in sorted(by_value.values(), key=lambda g: (-len(g), g[0].value))
        )
        first = next(iter(by_value.values()))[0]
        conflicts.append(Conflict(topic=topic, label=first.label, versions=versions))
    return conflicts


def conflicts_among(reports: Iterable[Report]) -> list[Conflict]:
    """Where these reports (a case's, with their facts prefetched, as `case_contents` reads
    them) disagree: `case_conflicts` without reading the facts again."""
    facts = sorted(
        (fact for report in reports for fact in report.facts.all()), key=lambda fact: fact.pk
    )
    return find_conflicts(facts)


def case_conflicts(case: Case) -> list[Conflict]:
    facts = ReportFact.objects.filter(report__case=case).select_related("report").order_by("pk")
    return find_conflicts(facts)
