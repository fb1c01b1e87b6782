"""Test data. Reports are made through `submit_report`, as in real life, so every factory-made
case has the history rows a real one would."""

import struct
import zlib
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from intake.inputs import (
    ComplainantInput,
    EncounterInput,
    ReportSubmission,
    WitnessInput,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ComplainantInputFactory(factory.Factory):
    class Meta:
        model = ComplainantInput

    role = "affected"
    name = factory.Faker("name")
    email = factory.Faker("email")
    phone = "+1 612 555 0100"
    safe_to_contact = True
    preferred_language = "en"


class WitnessInputFactory(factory.Factory):
    class Meta:
        model = WitnessInput

    name = factory.Faker("name")
    contact = factory.Faker("email")
    statement = "I saw two unmarked vehicles block the car in."
    willing_to_be_contacted = True


class EncounterInputFactory(factory.Factory):
    class Meta:
        model = EncounterInput

    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    address = "Brooklyn Blvd and Zane Ave N"
    city = "Brooklyn Park"
    state = "MN"
    kind_codes = ("boxed-in", "weapons-drawn")
    agency_codes = ("ice",)
    agent_count = 4
    vehicle_count = 2
    plates = "ABC123"
    agents_identified = "no"


class ReportSubmissionFactory(factory.Factory):
    class Meta:
        model = ReportSubmission

    narrative = "Two vehicles boxed in my car on the way to work and agents drew their guns."
    encounter = factory.SubFactory(EncounterInputFactory)
    complainants = factory.LazyFunction(lambda: (ComplainantInputFactory(),))
    witnesses = ()
    language = "en"
    consent_to_contact = True
    consent_to_share_with_liaison = False


def png_bytes(colour: bytes = b"\xcc\x33\x33") -> bytes:
    """A real 1x1 PNG of the given RGB colour, so tests need no binary fixture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + colour)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def report_with_evidence(
    *, consent_to_share_with_liaison: bool, name: str = "photo.png", data: bytes | None = None
):
    """A web report with one evidence file, filed through `submit_report`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intake.inputs import EvidenceInput
    from intake.services import submit_report

    upload = SimpleUploadedFile(name, data or png_bytes(), content_type="image/png")
    submission = ReportSubmissionFactory(
        consent_to_share_with_liaison=consent_to_share_with_liaison,
        evidence=(EvidenceInput(file=upload, description="Agents at the car"),),
    )
    return submit_report(submission=submission, channel="web").report
