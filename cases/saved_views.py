"""Saved views of the queue: the built-in ones every case worker has, and the filter sets a
person names and saves for themselves.

A view is nothing but the queue's query string: opening one is opening the queue at that URL,
so a view can be bookmarked and shared (the reader sees only the cases they may see, whoever
saved it). Saving checks the query string against the queue's own filter form, so a stored view
holds only filters the queue knows, with values it accepts, in one canonical order.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.access import assignable_staff
from cases.forms import QueueFilterForm
from cases.models import Case, SavedView
from plumbing.typing import User

NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length or 60
QUERY_MAX_LENGTH = SavedView._meta.get_field("query").max_length or 1000
# Enough for anyone's habits; a bound on what one account can store.
MAX_VIEWS_PER_PERSON = 30
# Query parameters of the queue that are not filters: never part of a view.
_NOT_FILTERS = frozenset({"page"})


class SavedViewError(ValueError):
    """A view that cannot be saved: `field` is the form field the message belongs to."""

    def __init__(self, field: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


@dataclass(frozen=True)
class QueueView:
    """A link above the queue: a built-in view (`saved` None) or one a person saved."""

    key: str
    name: str
    query: str
    saved: SavedView | None = None

    @property
    def url(self) -> str:
        base = reverse("cases:queue")
        return f"{base}?{self.query}" if self.query else base


# The built-in views, as data: (key, name, query string).
BUILT_IN: tuple[tuple[str, Promise, str], ...] = (
    ("my-cases", _("My cases"), "assignee=mine&open=on"),
    (
        "unassigned-urgent",
        _("Unassigned urgent"),
        f"assignee=unassigned&open=on&priority={Case.Priority.URGENT.value}",
    ),
    ("overdue", _("Overdue"), "open=on&overdue=on&sort=due"),
)


def _pairs(query: str | QueryDict) -> list[tuple[str, str]]:
    """The filters of a query string as sorted (name, value) pairs, without empty values and
    without what is not a filter (the page number)."""
    data = query if isinstance(query, QueryDict) else QueryDict(query)
    return sorted(
        (name, value.strip())
        for name, values in data.lists()
        for value in values
        if name not in _NOT_FILTERS and value.strip()
    )


def canonical_query(query: str | QueryDict) -> str:
    """`query` with its filters in one order and nothing else: two URLs that show the same
    queue give the same text."""
    return urlencode(_pairs(query))


def clean_query(query: str) -> str:
    """The canonical query string of a view, or SavedViewError if it holds anything but the
    queue's filters with values the queue accepts."""
    if len(query) > QUERY_MAX_LENGTH:
        raise SavedViewError("query", _("These filters are too long to save as a view."))
    pairs = _pairs(query)
    known = set(QueueFilterForm.base_fields)
    if any(name not in known for name, _value in pairs):
        raise SavedViewError(
            "query", _("These filters cannot be saved: the link holds something else.")
        )
    data = QueryDict(mutable=True)
    for name, value in pairs:
        data.appendlist(name, value)
    form = QueueFilterForm(data, workers=assignable_staff())
    if not form.is_valid():
        raise SavedViewError(
            "query", _("These filters cannot be saved: correct them in the queue first.")
        )
    cleaned = urlencode(pairs)
    if len(cleaned) > QUERY_MAX_LENGTH:
        raise SavedViewError("query", _("These filters are too long to save as a view."))
    return cleaned


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError("name", _("Give the view a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise SavedViewError(
            "name",
            _("Give the view a name of at most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH},
        )
    if not name.isprintable():
        raise SavedViewError("name", _("Use letters, numbers and punctuation in the name."))
    if name.casefold() in {str(label).casefold() for _key, label, _query in BUILT_IN}:
        raise SavedViewError("name", _("A built-in view has this name. Choose another one."))
    return name


@transaction.atomic
def save_view(*, owner: User, name: str, query: str) -> SavedView:
    """Save the queue filters `query` as `owner`'s view `name`. Raises SavedViewError (with the
    field it concerns) for an empty or over-long name, a name the person already uses, too many
    views, or a query string that is not made of the queue's filters only."""
    if owner.pk is None:
        raise PermissionError("Only a signed-in account saves views.")
    name = clean_name(name)
    query = clean_query(query)
    views = SavedView.objects.filter(owner_id=owner.pk)
    if views.filter(name__iexact=name).exists():
        raise SavedViewError("name", _("You already have a view with this name."))
    if views.count() >= MAX_VIEWS_PER_PERSON:
        raise SavedViewError(
            "name",
            _("You have %(limit)d saved views already. Delete one to save another.")
            % {"limit": MAX_VIEWS_PER_PERSON},
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner_id=owner.pk, name=name, query=query)
    except IntegrityError as error:  # the same name saved at the same moment elsewhere
        raise SavedViewError("name", _("You already have a view with this name.")) from error


def delete_view(*, owner: User, view_id: int) -> bool:
    """Delete `owner`'s saved view `view_id`. False if there is none of theirs with that id
    (another person's view is answered exactly like a missing one)."""
    deleted, _rows = SavedView.objects.filter(owner_id=owner.pk, pk=view_id).delete()
    return bool(deleted)


def views_for(user: User) -> list[QueueView]:
    """The views shown above `user`'s queue: the built-in ones, then theirs by name (one
    query)."""
    built_in = [QueueView(key=key, name=str(name), query=query) for key, name, query in BUILT_IN]
    saved = SavedView.objects.filter(owner_id=user.pk).order_by("name", "pk")
    return built_in + [
        QueueView(key=f"saved-{view.pk}", name=view.name, query=view.query, saved=view)
        for view in saved
    ]


def current_view(views: Iterable[QueueView], query: str | QueryDict) -> QueueView | None:
    """The view whose filters are exactly those of `query`, if any."""
    wanted = _pairs(query)
    return next((view for view in views if _pairs(view.query) == wanted), None)
