"""Open cases that may be the same incident as a case, each with why it matched.

The rule, as data and small functions:

- candidates are the cases the reader may see (cases/access.py), open, not merged, other than
  the case itself;
- they are first narrowed in SQL to those with an encounter on the same day as one of the
  case's own, the day before or the day after (a case with no date is narrowed to its cities
  instead), at most CANDIDATES of them: on PostgreSQL the encounters nearest in time before and
  after each of the case's own (`NEAREST_TIMES` of them), read outwards along the index on
  `Encounter.occurred_at`, so the work does not grow with the number of cases; elsewhere the
  newest cases;
- those are then scored in Python, because what matches best (addresses, coordinates, plates,
  vehicle descriptions) is sealed per report and cannot be compared by the database. Only this
  bounded set is opened.

What a reason says is read through the reader projection (cases/privacy): a match is made only
on values the projection shows this reader, in both cases, so a reason never tells anything the
reader could not read on the two cases' pages. A plate is named only where both projections
show it.

The number of queries is fixed, however many candidates there are (tests assert it).
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import visible_cases
from cases.models import Case
from cases.privacy import REPORT_PREFETCH, Projected, Projection, project_case
from intake.models import Encounter, Report
from plumbing.day_ranges import within_days
from plumbing.typing import User

PERMISSION = "cases.merge_case"
# How many cases the SQL prefilter hands to scoring at most: the bound on what is opened
# (each with its reports, encounters and people, read through the reader projection: about a
# millisecond each). Nearest in time first, so these are the likeliest.
CANDIDATES = 20
# Of how many of the case's own encounters the nearest in time are looked for (the first ones):
# with CANDIDATES, the bound on the prefilter's work.
NEAREST_TIMES = 3
# Two encounters whose coordinates are this close are "nearby".
RADIUS_KM = 2.0
# What each kind of match weighs, and what a suggestion must reach: a day alone, or a day and
# a shared kind of encounter as common as "stopped without cause", is not enough; a day with a
# place, a plate or a vehicle is.
WEIGHTS = {
    "same_day": 3,
    "adjacent_day": 2,
    "same_city": 2,
    "nearby": 3,
    "plates": 4,
    "vehicles": 1,
    "kinds": 1,
}
THRESHOLD = 4
OPEN_STATUSES = (
    Case.Status.NEW,
    Case.Status.TRIAGED,
    Case.Status.INVESTIGATING,
    Case.Status.REFERRED,
)
# Words that describe vehicles, in English and Spanish: a description matches another on
# these, never on ordinary words ("the", "car", "my").
_VEHICLE_WORDS = """
    suv van minivan truck pickup sedan jeep tahoe suburban explorer durango yukon escalade
    expedition charger ford chevy chevrolet dodge gmc toyota honda nissan ram unmarked tinted
    black white silver grey gray blue red green dark camioneta furgoneta negra negro blanca
    blanco plateada plateado gris azul roja rojo verde oscura oscuro polarizado polarizada
"""
VEHICLE_WORDS = frozenset(_VEHICLE_WORDS.split())
_WORD = re.compile(r"[^\W_]+")
_PLATE_SEPARATORS = re.compile(r"[,;/|\n]+|\s+(?:and|y|&)\s+", re.IGNORECASE)


@dataclass
class Suggestion:
    """A case that may be the same incident, as the reader may see it, and why."""

    case: Projected
    reasons: list[str]
    score: int
    # The reason kept in the merge's history: which case it is the same incident as, and why.
    merge_reason: str = ""


@dataclass
class _Traits:
    """What one case's encounters say, as the reader may see them."""

    days: set[date] = field(default_factory=set)
    moments: list[datetime] = field(default_factory=list)
    cities: dict[str, str] = field(default_factory=dict)  # casefolded -> as written
    points: list[tuple[float, float]] = field(default_factory=list)
    plates: dict[str, str] = field(default_factory=dict)  # normalised -> as shown
    # Plates the projection does not show this reader in full, normalised.
    hidden_plates: set[str] = field(default_factory=set)
    plates_shown: bool = False
    vehicle_words: set[str] = field(default_factory=set)
    kinds: dict[str, str] = field(default_factory=dict)  # code -> label


def _encounter(report: Report) -> Encounter | None:
    try:
        return report.encounter
    except Encounter.DoesNotExist:
        return None


def plate_tokens(text: str) -> dict[str, str]:
    """The plates in a free-text plates field, normalised (upper case, letters and digits
    only) to how they were written: "ABC 123, mn xyz-789" gives ABC123 and MNXYZ789, and XYZ789
    alone. A plate holds a letter and a digit: "[withheld]", words and bare numbers (a count,
    a phone number) are not plates."""
    tokens: dict[str, str] = {}
    for piece in _PLATE_SEPARATORS.split(text or ""):
        words = _WORD.findall(piece)
        # Every run of consecutive words: "MN ABC-123" holds MNABC123, ABC123, ...
        spans = [words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)]
        for span in spans:
            normal = "".join(span).upper()
            if (
                3 <= len(normal) <= 10
                and any(char.isdigit() for char in normal)
                and any(char.isalpha() for char in normal)
            ):
                tokens.setdefault(normal, " ".join(span).upper())
    return tokens


def vehicle_words(text: str) -> set[str]:
    """The words of a description that describe vehicles, singular ("Tahoes" is "tahoe")."""
    found = set()
    for word in _WORD.findall((text or "").casefold()):
        if word not in VEHICLE_WORDS and word.endswith("s"):
            word = word[:-1]
        if word in VEHICLE_WORDS:
            found.add(word)
    return found


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def _traits(reports: Iterable[Report], projection: Projection) -> _Traits:
    traits = _Traits()
    for report in reports:
        raw = _encounter(report)
        if raw is None:
            continue
        shown = projection.record(raw)
        if raw.occurred_at is not None:
            traits.days.add(timezone.localdate(raw.occurred_at))
            traits.moments.append(raw.occurred_at)
        city = (shown.city or "").strip()
        if city:
            traits.cities.setdefault(city.casefold(), city)
        latitude, longitude = shown.latitude, shown.longitude
        if isinstance(latitude, Decimal) and isinstance(longitude, Decimal):
            traits.points.append((float(latitude), float(longitude)))
        plates = shown.plates
        if plates is not None:
            traits.plates_shown = True
            visible = plate_tokens(plates)
            traits.plates.update(visible)
            traits.hidden_plates |= set(plate_tokens(raw.plates)) - set(visible)
        traits.vehicle_words |= vehicle_words(shown.vehicle_description or "")
        traits.kinds.update((kind.code, kind.label) for kind in raw.kinds.all())
    return traits


def _match(mine: _Traits, theirs: _Traits) -> tuple[int, list[str]]:
    score, reasons = 0, []
    gaps = [abs((a - b).days) for a in mine.days for b in theirs.days]
    if gaps and min(gaps) == 0:
        score += WEIGHTS["same_day"]
        reasons.append(_("Same day"))
    elif gaps and min(gaps) == 1:
        score += WEIGHTS["adjacent_day"]
        reasons.append(_("A day apart"))
    cities = [mine.cities[key] for key in mine.cities if key in theirs.cities]
    if cities:
        score += WEIGHTS["same_city"]
        reasons.append(_("Same city (%(city)s)") % {"city": ", ".join(cities)})
    distances = [_distance_km(a, b) for a in mine.points for b in theirs.points]
    if distances and min(distances) <= RADIUS_KM:
        score += WEIGHTS["nearby"]
        reasons.append(_("%(distance)s km apart") % {"distance": f"{min(distances):.1f}"})
    shared = mine.plates.keys() & theirs.plates.keys()
    # "MN KTR 482" holds "KTR 482": name the longest form only.
    plates = sorted(p for p in shared if not any(p != q and p in q for q in shared))
    if plates:
        score += WEIGHTS["plates"]
        reasons.append(
            _("Same plates: %(plates)s") % {"plates": ", ".join(mine.plates[p] for p in plates)}
        )
    elif (
        mine.plates_shown
        and theirs.plates_shown
        and (
            (mine.plates.keys() | mine.hidden_plates)
            & (theirs.plates.keys() | theirs.hidden_plates)
        )
    ):
        # The same plate is there, but one of the two projections does not show it in full:
        # the reader, who may read both plates fields, learns only that they overlap.
        score += WEIGHTS["plates"]
        reasons.append(_("Plates overlap"))
    words = sorted(mine.vehicle_words & theirs.vehicle_words)
    if words:
        score += WEIGHTS["vehicles"]
        reasons.append(_("Vehicles described alike: %(words)s") % {"words": ", ".join(words)})
    kinds = [label for code, label in sorted(mine.kinds.items()) if code in theirs.kinds]
    if kinds:
        score += WEIGHTS["kinds"]
        reasons.append(_("Both: %(kinds)s") % {"kinds": ", ".join(kinds)})
    return score, reasons


def _window(day: date) -> Q:
    return within_days("occurred_at", day - timedelta(days=1), day + timedelta(days=1))


def _nearest_in_time(case: Case, moments: list[datetime]) -> QuerySet[Encounter, Any]:
    """The cases (as `report__case_id`) of the open, unmerged cases' encounters nearest in time
    to each of `moments`, before and after, within a day either side: one statement, each part
    read outwards along the index on `occurred_at` and stopped after CANDIDATES // 2 rows.

    Ordering the cases newest first with a LIMIT instead lets PostgreSQL walk the cases by
    date, testing each for an encounter in the window: at a million cases, seconds."""
    eligible = Encounter.objects.filter(
        report__case__status__in=OPEN_STATUSES, report__case__merged_into__isnull=True
    ).exclude(report__case=case)
    share = max(1, CANDIDATES // 2)
    parts = []
    for moment in sorted(moments)[:NEAREST_TIMES]:
        window = eligible.filter(_window(timezone.localdate(moment)))
        parts.append(
            window.filter(occurred_at__lte=moment).order_by("-occurred_at")
            .values("report__case_id")[:share]
        )
        parts.append(
            window.filter(occurred_at__gt=moment).order_by("occurred_at")
            .values("report__case_id")[:share]
        )
    first, *rest = parts
    return first.union(*rest, all=True)


def _candidates(user: User, case: Case, mine: _Traits) -> list[Case]:
    reports = Report.objects.select_related("encounter").prefetch_related(
        "encounter__kinds", *REPORT_PREFETCH
    )
    cases = (
        visible_cases(user)
        .filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(pk=case.pk)
        .defer("search_text", "kind_codes", "agency_codes")
        .order_by("-opened_at", "-pk")
        .prefetch_related(Prefetch("reports", queryset=reports))
    )
    if mine.moments and connection.features.supports_slicing_ordering_in_compound:
        # No LIMIT here: the cases are already bounded, and a LIMIT would invite the plan
        # `_nearest_in_time` avoids.
        return list(cases.filter(pk__in=_nearest_in_time(case, mine.moments)))[:CANDIDATES]
    encounters = Encounter.objects.filter(report__case=OuterRef("pk"))
    if mine.days:
        window = Q()
        for day in mine.days:
            window |= _window(day)
        encounters = encounters.filter(window)
    elif mine.cities:
        place = Q()
        for city in mine.cities.values():
            place |= Q(city__iexact=city)
        encounters = encounters.filter(place)
    else:
        return []
    return list(cases.filter(Exists(encounters))[:CANDIDATES])


def duplicate_suggestions(
    *,
    user: User,
    case: Case,
    reports: Sequence[Report] | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """Up to `limit` open cases `user` may see that may be the same incident as `case`, best
    first, each with the reasons it matched. Empty for a reader who may not merge cases.

    `reports` are the case's reports as the case page loaded them (with their encounters,
    kinds, complainants, witnesses and evidence); without them they are read here."""
    if not user.has_perm(PERMISSION):  # type: ignore[union-attr]
        return []
    if reports is None:
        reports = list(
            Report.objects.filter(case=case)
            .select_related("encounter")
            .prefetch_related("encounter__kinds", *REPORT_PREFETCH)
        )
    mine = _traits(reports, project_case(reader=user, reports=reports))
    suggestions = []
    for other in _candidates(user, case, mine):
        their_reports = list(other.reports.all())
        projection = project_case(reader=user, reports=their_reports)
        score, reasons = _match(mine, _traits(their_reports, projection))
        if score >= THRESHOLD:
            suggestions.append(
                Suggestion(
                    case=projection.record(other),
                    reasons=reasons,
                    score=score,
                    merge_reason=_("Same incident as %(reference)s: %(why)s")
                    % {"reference": case.reference, "why": "; ".join(reasons)},
                )
            )
    suggestions.sort(key=lambda s: -s.score)  # stable: newest first among equals
    return suggestions[:limit]
