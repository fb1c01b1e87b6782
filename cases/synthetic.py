"""Realistic fake cases for benchmarks and demos, written in bulk with their history.

Everything is drawn from a seeded random generator, so the same seed gives the same data. The
distributions are plausible for a metro-wide surge, not measured: most reports are stops and
questioning, a minority involve drawn weapons, very few shots fired.
"""

import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from cases.encounter_codes import codes_value
from cases.events import CasesLoadedInBulk
from cases.models import Case, CaseNote
from cases.priority import compute_priority
from cases.references import format_reference, issue_numbers
from cases.roles import Role
from intake import tracking
from intake.models import (
    Agency,
    Complainant,
    Encounter,
    EncounterKind,
    Evidence,
    Report,
    Witness,
)
from plumbing import events
from plumbing.keys import store as key_store
from plumbing.keys.blind_index import index_text

SYNTHETIC_REASON = "synthetic data"

# Probability that a report includes each kind.
KIND_WEIGHTS = {
    "stopped-without-cause": 0.55, "questioned-status": 0.45, "papers-demanded": 0.35,
    "agents-unidentified": 0.30, "boxed-in": 0.20, "recording-interfered": 0.15,
    "threats-verbal-abuse": 0.15, "detained": 0.15, "weapons-drawn": 0.12, "searched": 0.12,
    "handcuffed": 0.08, "physical-force": 0.07, "arrested": 0.06, "property-damaged": 0.04,
    "injury": 0.02, "shots-fired": 0.005,
}
AGENCY_WEIGHTS = {"ice": 70, "ice-ero": 8, "border-patrol": 12, "cbp": 4, "ice-hsi": 2,
                  "unknown-federal": 15}
CITIES = {
    "Minneapolis": (30, 44.9778, -93.2650), "Saint Paul": (20, 44.9537, -93.0900),
    "Brooklyn Park": (8, 45.0941, -93.3563), "Bloomington": (6, 44.8408, -93.2983),
    "Richfield": (5, 44.8833, -93.2830), "Burnsville": (4, 44.7677, -93.2777),
    "Columbia Heights": (4, 45.0408, -93.2630), "Brooklyn Center": (5, 45.0761, -93.3327),
    "Maplewood": (3, 44.9530, -92.9952), "Eden Prairie": (3, 44.8547, -93.4708),
    "Shakopee": (3, 44.7974, -93.5273), "Saint Cloud": (4, 45.5579, -94.1632),
}
STREETS = ["Lake St", "University Ave", "Broadway Ave", "Central Ave", "Nicollet Ave",
           "Penn Ave N", "Rice St", "Payne Ave", "Brooklyn Blvd", "Cedar Ave", "Snelling Ave",
           "Bloomington Ave", "Chicago Ave", "W 7th St", "Hiawatha Ave"]
FIRST = ["Ana", "Luis", "Maria", "José", "Fatima", "Abdi", "Hodan", "Mai", "Tou", "Kevin",
         "Aaliyah", "Deshawn", "Guadalupe", "Carlos", "Yer", "Pa", "Omar", "Sofia", "Lin"]
LAST = ["Hernández", "García", "Mohamed", "Ali", "Vang", "Xiong", "Johnson", "Lopez", "Yang",
        "Hassan", "Nguyen", "Martinez", "Warsame", "Her", "Thao", "Ramírez", "Smith"]
# Share of cases in each status, by age: older cases have moved further.
STATUS_PATH = ["new", "triaged", "investigating", "referred", "resolved", "closed"]


@dataclass(frozen=True)
class _Plan:
    """What one synthetic case will hold, decided before anything is written."""

    opened: datetime
    kinds: list[EncounterKind]
    agencies: list[str]
    city: str
    address: str
    plate: str
    narrative: str
    steps: int
    shared: bool  # consent to share with liaisons


@dataclass(frozen=True)
class GenerationResult:
    cases: int
    rows: int
    seconds: float

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def _synthetic_tracking_code(year: int, number: int) -> str:
    """A tracking code unique to (year, case number): random codes would be expected to collide
    about once in a million bulk-inserted rows, which would abort a whole chunk. Multiplying by a
    number coprime to 30 is a bijection modulo 30**8, so distinct inputs give distinct codes."""
    space = len(tracking.ALPHABET) ** 8
    n = ((year - 2000) * 10**8 + number) * 7919 % space
    digits = []
    for _ in range(8):
        n, digit = divmod(n, len(tracking.ALPHABET))
        digits.append(tracking.ALPHABET[digit])
    body = "".join(digits)
    return f"RD-{body[:4]}-{body[4:]}"


def _case_workers() -> list[Any]:
    User = get_user_model()
    group = Group.objects.get(name=Role.LIAISON.value)
    workers = list(User.objects.filter(groups=group, is_active=True)[:8])
    while len(workers) < 5:
        user = User.objects.create_user(
            username=f"synthetic-liaison-{len(workers) + 1}", password=None
        )
        user.groups.add(group)
        workers.append(user)
    return workers


class _Generator:
    def __init__(self, *, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - fake data, not security
        self.now = now
        self.kinds = {k.code: k for k in EncounterKind.objects.all()}
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.workers = _case_workers()
        self.rows = 0

    def _pick_weighted(self, weights: dict[str, Any], k: int = 1) -> list[str]:
        names = list(weights)
        values = [w[0] if isinstance(w, tuple) else w for w in weights.values()]
        return self.rng.choices(names, weights=values, k=k)

    def _when(self) -> datetime:
        # Two years back, denser in the recent months.
        days = int(730 * self.rng.random() ** 1.6)
        return self.now - timedelta(days=days, minutes=self.rng.randrange(24 * 60))

    def _kinds(self) -> list[EncounterKind]:
        codes = [c for c, p in KIND_WEIGHTS.items() if self.rng.random() < p]
        return [self.kinds[c] for c in (codes or ["stopped-without-cause"])]

    def _name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def _plate(self) -> str:
        letters = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        return f"{letters}{self.rng.randrange(100, 999)}"

    def chunk(self, size: int) -> None:
        """Write `size` cases with everything in them, in bulk, in one transaction."""
        rng = self.rng
        year = self.now.year
        # Drawn as intake draws them, so generated and filed cases never share a number.
        numbers = issue_numbers(year=year, count=size)

        cases, plans = [], []
        # The cases' and the reports' data keys, in one write to the key store.
        keys = key_store.create_keys(2 * len(numbers))
        case_keys, data_keys = keys[: len(numbers)], keys[len(numbers) :]
        for number, case_key in zip(numbers, case_keys, strict=True):
            opened = self._when()
            kinds = self._kinds()
            city = self._pick_weighted(CITIES)[0]
            picked = self._pick_weighted(AGENCY_WEIGHTS, rng.choice([1, 1, 2]))
            agencies = list(dict.fromkeys(picked))
            plate = self._plate() if rng.random() < 0.4 else ""
            address = f"{rng.randrange(100, 4000)} {rng.choice(STREETS)}"
            worst = [k for k in sorted(kinds, key=lambda k: -k.severity)][:3]
            narrative = (
                f"Near {address} in {city}, agents "
                + ", ".join(k.label.lower() for k in worst)
                + (f". Vehicle plate {plate}." if plate else ".")
                + rng.choice([" They did not say why.", " I was on my way to work.",
                              " My children were in the car.", " A neighbour filmed part of it.",
                              " They left after about twenty minutes."])
            )
            shared = rng.random() < 0.4
            # The search text holds what a liaison may see (cases/privacy): without consent,
            # not the address; the synthetic people are never named in the narrative.
            searchable = narrative if shared else narrative.replace(address, " ")
            age_days = (self.now - opened).days
            steps = min(len(STATUS_PATH) - 1, int(rng.random() * (1 + age_days / 60)))
            priority = compute_priority(k.severity for k in kinds)
            case = Case(
                data_key=case_key,
                reference=format_reference(year, number),
                title=f"{', '.join(k.label for k in worst)}, {city}"[:200],
                status=STATUS_PATH[steps],
                close_reason="resolved" if STATUS_PATH[steps] == "closed" else "",
                priority=priority,
                computed_priority=priority,
                assignee=rng.choice(self.workers) if steps else None,
                opened_at=opened,
                status_changed_at=opened + timedelta(days=steps * 3),
                search_text=index_text("\n".join(
                    part for part in (searchable, address if shared else "", city, plate) if part
                )),
                kind_codes=codes_value(k.code for k in kinds),
                agency_codes=codes_value(agencies),
            )
            cases.append(case)
            plans.append(
                _Plan(opened, kinds, agencies, city, address, plate, narrative, steps, shared)
            )
        Case.objects.bulk_create(cases, batch_size=1000)

        reports, encounters, people, witnesses, notes, evidence = [], [], [], [], [], []
        kind_links, agency_links = [], []
        for number, case, plan, data_key in zip(numbers, cases, plans, data_keys, strict=True):
            report = Report(
                data_key=data_key,
                case=case, tracking_code=_synthetic_tracking_code(year, number),
                channel=rng.choice(["web", "web", "web", "api", "staff"]),
                language=rng.choice(["en", "en", "en", "es"]), narrative=plan.narrative,
                consent_to_contact=rng.random() < 0.6,
                consent_to_share_with_liaison=plan.shared, submitted_at=plan.opened,
            )
            report._history_date = plan.opened  # type: ignore[attr-defined]
            reports.append(report)
        Report.objects.bulk_create(reports, batch_size=1000)

        for report, plan in zip(reports, plans, strict=True):
            opened, city = plan.opened, plan.city
            _, lat, lon = CITIES[city]
            encounter = Encounter(
                report=report, occurred_at=opened - timedelta(hours=rng.randrange(1, 72)),
                occurred_at_is_approximate=rng.random() < 0.2, address=plan.address, city=city,
                state="MN", latitude=Decimal(f"{lat + rng.uniform(-0.05, 0.05):.6f}"),
                longitude=Decimal(f"{lon + rng.uniform(-0.05, 0.05):.6f}"),
                agent_count=rng.randrange(1, 9), vehicle_count=rng.randrange(1, 5),
                plates=plan.plate,
                agents_identified=rng.choice(["yes", "no", "when_asked", "unknown"]),
            )
            encounter._history_date = opened  # type: ignore[attr-defined]
            encounters.append(encounter)
            anonymous = rng.random() < 0.3
            person = Complainant(
                report=report, role=rng.choice(["affected"] * 6 + ["on_behalf", "witness"]),
                is_anonymous=anonymous, name="" if anonymous else self._name(),
                email="" if anonymous else f"person{rng.randrange(10**6)}@example.org",
                safe_to_contact=not anonymous and rng.random() < 0.7,
                preferred_language=report.language,
            )
            person._history_date = opened  # type: ignore[attr-defined]
            people.append(person)
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                witness = Witness(report=report, name=self._name(),
                                  contact=f"witness{rng.randrange(10**6)}@example.org",
                                  statement="I saw it from across the street.",
                                  willing_to_be_contacted=rng.random() < 0.5)
                witness._history_date = opened  # type: ignore[attr-defined]
                witnesses.append(witness)
            for index in range(rng.choice([0, 0, 0, 1, 2])):
                item = Evidence(report=report, file=f"evidence/synthetic/{report.pk}-{index}.jpg",
                                original_name=f"IMG_{rng.randrange(1000, 9999)}.jpg",
                                content_type="image/jpeg", size=rng.randrange(50_000, 5_000_000),
                                sha256=secrets.token_hex(32), uploaded_at=opened)
                item._history_date = opened  # type: ignore[attr-defined]
                evidence.append(item)
            for _ in range(min(plan.steps, 2)):
                note = CaseNote(case=report.case, author=rng.choice(self.workers),
                                body=rng.choice(["Called the complainant back.",
                                                 "Plates checked against earlier reports.",
                                                 "Asked the witness for the video."]),
                                created_at=opened + timedelta(days=1))
                note._history_date = note.created_at  # type: ignore[attr-defined]
                notes.append(note)
        Encounter.objects.bulk_create(encounters, batch_size=1000)
        KindLink, AgencyLink = Encounter.kinds.through, Encounter.agencies.through
        for encounter, plan in zip(encounters, plans, strict=True):
            kind_links += [KindLink(encounter_id=encounter.pk, encounterkind_id=k.pk)
                           for k in plan.kinds]
            agency_links += [AgencyLink(encounter_id=encounter.pk, agency_id=self.agencies[a].pk)
                             for a in plan.agencies]
        batches: list[tuple[type[Any], list[Any]]] = [
            (Complainant, people), (Witness, witnesses), (Evidence, evidence), (CaseNote, notes)
        ]
        for batch_model, batch in batches:
            batch_model.objects.bulk_create(batch, batch_size=1000)
        Encounter.kinds.through.objects.bulk_create(kind_links, batch_size=5000)
        Encounter.agencies.through.objects.bulk_create(agency_links, batch_size=5000)

        for model, objs in [(Report, reports), (Encounter, encounters), (Complainant, people),
                            (Witness, witnesses), (Evidence, evidence), (CaseNote, notes)]:
            model.history.bulk_history_create(  # type: ignore[attr-defined]
                objs, batch_size=2000, default_change_reason=SYNTHETIC_REASON
            )
        case_history = list(self._case_history(cases, plans))
        Case.history.model.objects.bulk_create(case_history, batch_size=2000)
        self.rows += (len(cases) + len(reports) * 2 + len(encounters) * 2 + len(people) * 2
                      + len(witnesses) * 2 + len(evidence) * 2 + len(notes) * 2
                      + len(kind_links) + len(agency_links) + len(case_history))

    def _case_history(self, cases: list[Case], plans: list[_Plan]) -> Iterator[models.Model]:
        """A row for the opening and one per workflow step, each with actor and reason."""
        History = Case.history.model
        fields = [f.attname for f in History._meta.fields
                  if f.attname in {g.attname for g in Case._meta.concrete_fields}]
        for case, plan in zip(cases, plans, strict=True):
            opened, steps = plan.opened, plan.steps
            values = {name: getattr(case, name) for name in fields}
            first = {**values, "status": "new", "close_reason": "", "assignee_id": None}
            yield History(**first, history_date=opened, history_type="+",
                          history_change_reason=SYNTHETIC_REASON)
            for step in range(1, steps + 1):
                status = STATUS_PATH[step]
                row = {**values, "status": status,
                       "close_reason": "resolved" if status == "closed" else ""}
                yield History(**row, history_date=opened + timedelta(days=step * 3),
                              history_type="~", history_user_id=case.assignee_id,
                              history_change_reason=f"Moved to {status} ({SYNTHETIC_REASON})")


def generate_synthetic_cases(*, count: int, seed: int = 1, chunk_size: int = 2000,
                             progress: Any = None) -> GenerationResult:
    """Write `count` synthetic cases in chunks of `chunk_size`, each chunk in one transaction.

    `progress`, if given, is called with (cases done, seconds so far) after each chunk."""
    started = time.perf_counter()
    generator = _Generator(seed=seed, now=timezone.now())
    done = 0
    while done < count:
        size = min(chunk_size, count - done)
        with transaction.atomic():
            generator.chunk(size)
        done += size
        if progress:
            progress(done, time.perf_counter() - started)
    # Bulk inserts bypass the services that keep derived data (the statistics tallies): say so
    # once, and it is recounted.
    events.publish(CasesLoadedInBulk())
    return GenerationResult(cases=done, rows=generator.rows,
                            seconds=time.perf_counter() - started)
