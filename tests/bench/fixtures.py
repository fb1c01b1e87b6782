"""Cases built for the benchmarks the way real ones are: reports through `submit_report`, every
later change through the case services, so each has the history rows a real case would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.roles import Role
from cases.timeline import case_timeline
from intake.inputs import ComplainantInput, EncounterInput, ReportSubmission, WitnessInput
from intake.models import Report
from intake.services import submit_report

NARRATIVE = (
    "I was driving my children to school on Lake Street when two unmarked SUVs pulled in front "
    "of and behind my car and boxed us in. Four agents in plain clothes got out; two had their "
    "hands on holstered guns and one pointed a rifle at the windshield. They did not say who "
    "they were or why they stopped us. They asked where I was born and demanded my papers, "
    "although I told them I am a U.S. citizen. One agent reached into the car and knocked my "
    "phone out of my hand when I started recording. After about twenty minutes they left "
    "without giving any paperwork. My children were crying and my daughter will not get in the "
    "car since."
)
STATEMENT = (
    "I was waiting at the bus stop across the street and saw the two SUVs block the car. The "
    "agents did not show badges. One of them pointed a long gun at the driver the whole time. "
    "I filmed part of it until an agent told me to stop."
)
NOTE = (
    "Spoke with the complainant by phone. She confirmed the time and place and will send the "
    "video her neighbour took. Plates partly read as ABC; checking against earlier reports from "
    "the same corner this month."
)


@dataclass(frozen=True)
class People:
    legal: AbstractBaseUser
    liaisons: tuple[AbstractBaseUser, AbstractBaseUser]


def people() -> People:
    def user(name: str, role: Role) -> AbstractBaseUser:
        found, _ = get_user_model().objects.get_or_create(username=name)
        found.groups.add(Group.objects.get(name=role.value))
        return get_user_model().objects.get(pk=found.pk)  # permission caches empty

    return People(
        legal=user("bench-legal", Role.LEGAL),
        liaisons=(user("bench-liaison-1", Role.LIAISON), user("bench-liaison-2", Role.LIAISON)),
    )


def submission(*, witnesses: int, number: int = 0) -> ReportSubmission:
    return ReportSubmission(
        narrative=NARRATIVE,
        encounter=EncounterInput(
            occurred_at=timezone.now() - timedelta(days=3 + number),
            address="1500 E Lake St",
            city="Minneapolis",
            state="MN",
            kind_codes=("boxed-in", "weapons-drawn", "papers-demanded", "recording-interfered"),
            agency_codes=("ice", "border-patrol"),
            agent_count=4,
            vehicle_count=2,
            vehicle_description="Two black SUVs, tinted windows, no markings",
            plates="ABC123",
            agents_identified="no",
        ),
        complainants=(
            ComplainantInput(
                role="affected", name=f"Ana Example {number}", email="ana@example.org",
                phone="+1 612 555 0100", safe_to_contact=True, preferred_language="en",
            ),
        ),
        witnesses=tuple(
            WitnessInput(name=f"Witness {number}-{index}", contact=f"w{index}@example.org",
                         statement=STATEMENT, willing_to_be_contacted=index % 2 == 0)
            for index in range(witnesses)
        ),
        consent_to_contact=True,
        consent_to_share_with_liaison=True,
    )


def build_case(*, who: People, witnesses: int, history: int, reports: int = 1) -> Case:
    """A case with `reports` reports of `witnesses` witnesses each, and changes made through the
    services until its timeline has `history` entries."""
    case = submit_report(
        submission=submission(witnesses=witnesses), channel=Report.Channel.WEB
    ).report.case
    for number in range(1, reports):
        submit_report(
            submission=submission(witnesses=witnesses, number=number),
            channel=Report.Channel.STAFF, actor=who.legal, case=case,
            reason="Second account entered by staff",
        )
    have = len(case_timeline(user=who.legal, case=case))
    path = [Case.Status.TRIAGED, Case.Status.INVESTIGATING]
    step = 0
    while have < history:
        # One note in five changes: most of a case's history is moves, assignments and dates.
        action = step % 5
        if action == 0:
            services.add_note(case=case, author=who.legal, body=f"{NOTE} ({step})")
        elif action in (1, 4):
            case.refresh_from_db()
            if path:
                target = path.pop(0)
            else:
                target = (
                    Case.Status.REFERRED if case.status == Case.Status.INVESTIGATING
                    else Case.Status.INVESTIGATING
                )
            services.transition_case(
                case=case, to=target, actor=who.legal,
                reason=f"Moved on after the follow-up call ({step})",
                expected_version=None,
            )
        elif action == 2:
            services.assign_case(
                case=case, assignee=who.liaisons[step // 5 % 2], actor=who.legal,
                reason=f"Shared the load this week ({step})",
                expected_version=None,
            )
        else:
            services.set_due_date(
                case=case, due_date=timezone.localdate() + timedelta(days=step),
                actor=who.legal, reason=f"Waiting for the video ({step})",
                expected_version=None,
            )
        have += 1
        step += 1
    case.refresh_from_db()
    return case
