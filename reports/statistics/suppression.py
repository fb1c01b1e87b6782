"""Small-cell suppression: when figures shown or exported must hide small counts
(`must_suppress`), and a copy of the figures that hides them (`suppress_small_cells`), so that
no count that could point at a person can be read or worked out."""

import copy
from typing import Any

from plumbing.typing import User
from reports.statistics.breakdowns import BREAKDOWNS

# A count of 1 to 4 could point at a person; below this, exported counts are hidden.
SMALL_CELL_THRESHOLD = 5

# Why a count is hidden (see suppress_small_cells); None where it is not.
SMALL = "small"
COMPLEMENTARY = "complementary"


def must_suppress(user: User | None, *, for_sharing: bool) -> bool:
    """Whether figures shown or exported to `user` must hide small cells.

    Exact counts stay with legal staff, who may see every identity anyway
    (`cases.view_all_identities`), and only for their own use: anything marked for sharing
    (a CSV or PDF to hand to a community group, the press or an oversight body) is suppressed
    whoever asks for it, and so is everything shown to anyone without that permission.
    """
    if for_sharing or user is None or not user.is_authenticated or not user.is_active:
        return True
    return not user.has_perm("cases.view_all_identities")  # type: ignore[attr-defined]  # AbstractBaseUser lacks it; the auth User has it


def _small(count: int | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def suppress_small_cells(
    figures: dict[str, Any], threshold: int = SMALL_CELL_THRESHOLD
) -> dict[str, Any]:
    """A copy of `figures` in which no count from 1 to `threshold - 1` can be read or worked
    out. Hidden counts become None, with `suppressed` saying why:

    - "small": the count itself is 1 to 4 (shown as "<5"); totals of 1 to 4 become None too;
    - "complementary": where categories add up to a published total (months, cities,
      statuses, priorities) and only one cell was hidden, the total minus the others would
      give it away, so the next smallest cell is hidden as well (shown as "hidden");
    - a share is hidden with its count ("small") when that count is 1 to 4, or when its total
      is, so no share can be multiplied back into a hidden count.
    """
    result = copy.deepcopy(figures)
    for name in ("reports", "cases"):
        if _small(result["totals"].get(name), threshold):
            result["totals"][name] = None
    for breakdown in BREAKDOWNS:
        entries = result.get(breakdown.name, [])
        for entry in entries:
            if _small(entry["count"], threshold):
                entry.update(count=None, suppressed=SMALL)
        hidden = [entry for entry in entries if entry["suppressed"]]
        shown = [entry for entry in entries if not entry["suppressed"] and entry["count"]]
        if breakdown.partition and len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda entry: entry["count"])
            smallest.update(count=None, suppressed=COMPLEMENTARY)
    for share in result.get("shares", {}).values():
        if _small(share["count"], threshold) or _small(share["total"], threshold):
            share.update(count=None, share=None, suppressed=SMALL)
        if _small(share["total"], threshold):
            share["total"] = None
    result["suppression"] = {"applied": True, "threshold": threshold}
    return result


def figures_for(figures: dict[str, Any], *, suppress: bool) -> dict[str, Any]:
    return suppress_small_cells(figures) if suppress else figures
