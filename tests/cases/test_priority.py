import pytest

from cases.models import Case
from cases.priority import compute_priority


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], Case.Priority.NORMAL),
        ([1], Case.Priority.LOW),
        ([1, 2], Case.Priority.NORMAL),
        ([2, 3, 1], Case.Priority.HIGH),
        ([3, 4], Case.Priority.URGENT),
        ([4], Case.Priority.URGENT),
    ],
)
def test_priority_follows_the_worst_encounter_kind(severities, expected):
    assert compute_priority(severities) == expected
