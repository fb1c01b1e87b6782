"""Which data key seals a report (plumbing/keys/store.py)."""

import uuid

from intake.models import Report
from plumbing.keys import store


def report_key(report: Report) -> uuid.UUID:
    """The id of `report`'s data key. A report filed before reports had keys gets one here,
    once: of two callers at the same time, the second takes the first's."""
    if report.data_key is not None:
        return report.data_key
    key = store.create_key()
    if Report.objects.filter(pk=report.pk, data_key__isnull=True).update(data_key=key):
        report.data_key = key
    else:
        store.destroy_keys([key])
        report.data_key = Report.objects.values_list("data_key", flat=True).get(pk=report.pk)
    assert report.data_key is not None  # noqa: S101 - set by one of the two writers above
    return report.data_key
