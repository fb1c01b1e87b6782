"""Saved views of the queue: the built-in ones filter right, a person's own are saved with
their filters checked, listed for them only, deleted by them only, and outlive signing out."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, SavedView
from cases.saved_views import (
    MAX_VIEWS_PER_PERSON,
    SavedViewError,
    canonical_query,
    delete_view,
    save_view,
    views_for,
)
from cases.services import assign_case, transition_case
from intake.models import Report
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case() -> Case:
    return submit_report(
        submission=ReportSubmissionFactory(), channel=Report.Channel.WEB
    ).report.case


def _rows(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode().split('id="queue-table"')[-1]


def _view_url(user, key: str) -> str:
    return next(view.url for view in views_for(user) if view.key == key)


# --- The built-in views ------------------------------------------------------------------------


def test_my_cases_shows_my_open_cases_only(client, liaison, other_liaison):
    mine, theirs, done = _case(), _case(), _case()
    for case, person in [(mine, liaison), (theirs, other_liaison), (done, liaison)]:
        assign_case(case=case, assignee=person, actor=liaison, expected_version=None)
    transition_case(
        case=done,
        to="closed",
        actor=liaison,
        reason="A duplicate",
        close_reason="duplicate",
        expected_version=None,
    )
    client.force_login(liaison)
    html = _rows(client, _view_url(liaison, "my-cases"))
    assert mine.reference in html
    assert theirs.reference not in html and done.reference not in html


def test_unassigned_urgent_shows_open_urgent_cases_nobody_has(client, liaison):
    urgent, taken, normal = _case(), _case(), _case()
    Case.objects.filter(pk__in=[urgent.pk, taken.pk]).update(
        priority=Case.Priority.URGENT, computed_priority=Case.Priority.URGENT
    )
    Case.objects.filter(pk=normal.pk).update(
        priority=Case.Priority.NORMAL, computed_priority=Case.Priority.NORMAL
    )
    Case.objects.filter(pk=taken.pk).update(assignee=liaison)
    client.force_login(liaison)
    html = _rows(client, _view_url(liaison, "unassigned-urgent"))
    assert urgent.reference in html
    assert taken.reference not in html and normal.reference not in html


def test_overdue_shows_open_cases_whose_due_date_has_passed(client, liaison):
    late, due_today, later, closed_late = _case(), _case(), _case(), _case()
    today = timezone.localdate()
    for case, due in [
        (late, today - timedelta(days=1)),
        (due_today, today),
        (later, today + timedelta(days=5)),
        (closed_late, today - timedelta(days=9)),
    ]:
        Case.objects.filter(pk=case.pk).update(due_date=due)
    Case.objects.filter(pk=closed_late.pk).update(status=Case.Status.RESOLVED)
    client.force_login(liaison)
    html = _rows(client, _view_url(liaison, "overdue"))
    assert late.reference in html
    for other in (due_today, later, closed_late):
        assert other.reference not in html


def test_the_open_view_is_marked_as_the_current_page(client, liaison):
    _case()
    client.force_login(liaison)
    html = client.get(f"{reverse('cases:queue')}?open=on&assignee=mine&page=1").content.decode()
    assert 'id="view-my-cases" aria-current="page"' in html
    assert 'id="view-overdue" aria-current' not in html


# --- Saving, listing and deleting one's own ----------------------------------------------------


def test_a_saved_view_keeps_the_filters_in_one_order_and_is_listed_for_its_owner(
    liaison, other_liaison
):
    view = save_view(owner=liaison, name="  Guns   drawn ", query="weapons_drawn=1&q=boxed&page=3")
    assert view.name == "Guns drawn"
    assert view.query == "q=boxed&weapons_drawn=1"
    assert [v.name for v in views_for(liaison)][-1] == "Guns drawn"
    assert "Guns drawn" not in [v.name for v in views_for(other_liaison)]
    assert views_for(liaison)[-1].url == f"{reverse('cases:queue')}?q=boxed&weapons_drawn=1"


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("", "q=boxed", "name"),
        ("   ", "q=boxed", "name"),
        ("x" * 61, "q=boxed", "name"),
        ("Bell\x07", "q=boxed", "name"),
        ("My cases", "q=boxed", "name"),
        ("Mine", "evil=1", "query"),
        ("Mine", "q=boxed&next=https://example.com", "query"),
        ("Mine", "occurred_from=yesterday", "query"),
        ("Mine", "status=archived", "query"),
        ("Mine", "sort=password", "query"),
        ("Mine", "q=" + "a" * 1200, "query"),
        ("Mine", "assignee=999999", "query"),
    ],
)
def test_saving_refuses_bad_names_and_anything_but_known_filters(liaison, name, query, field):
    with pytest.raises(SavedViewError) as refused:
        save_view(owner=liaison, name=name, query=query)
    assert refused.value.field == field
    assert refused.value.message
    assert not SavedView.objects.exists()


def test_a_person_cannot_use_a_name_twice_nor_save_without_end(liaison, other_liaison):
    save_view(owner=liaison, name="Guns", query="weapons_drawn=1")
    with pytest.raises(SavedViewError, match="already have a view"):
        save_view(owner=liaison, name="guns", query="q=boxed")
    save_view(owner=other_liaison, name="Guns", query="weapons_drawn=1")
    for number in range(MAX_VIEWS_PER_PERSON - 1):
        save_view(owner=liaison, name=f"View {number}", query="")
    with pytest.raises(SavedViewError, match="Delete one"):
        save_view(owner=liaison, name="One too many", query="")


def test_only_the_owner_deletes_a_view(liaison, other_liaison):
    view = save_view(owner=liaison, name="Guns", query="weapons_drawn=1")
    assert delete_view(owner=other_liaison, view_id=view.pk) is False
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert delete_view(owner=liaison, view_id=view.pk) is True
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_canonical_query_drops_the_page_and_empty_filters():
    assert canonical_query("sort=due&page=2&q=&open=on") == "open=on&sort=due"


# --- The pages ---------------------------------------------------------------------------------


def test_saving_from_the_queue_opens_the_saved_view(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(reverse("cases:save-view"), {"name": "Guns", "query": "weapons_drawn=1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('cases:queue')}?weapons_drawn=1"
    page = client.get(response["Location"]).content.decode()
    assert "Saved the view “Guns”." in page
    assert case.reference in page
    assert 'aria-current="page">Guns</a>' in page


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "", "query": "q=boxed"},
        {"name": "Mine", "query": "evil=%00&x=<script>"},
        {"name": "x" * 5000, "query": "q=boxed"},
        {"name": "Mine", "query": "q=" + "a" * 6000},
        {"name": "Mine\x00", "query": "q=boxed"},
    ],
)
def test_a_refused_view_comes_back_with_the_reason_never_a_server_error(client, liaison, payload):
    client.force_login(liaison)
    response = client.post(reverse("cases:save-view"), payload)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'id="error-summary"' in html
    assert not SavedView.objects.exists()


def test_the_save_page_without_javascript_offers_the_current_filters(client, liaison):
    client.force_login(liaison)
    html = client.get(reverse("cases:save-view"), {"q": "boxed", "page": "2"}).content.decode()
    assert 'name="query" value="q=boxed"' in html


def test_deleting_another_persons_view_answers_like_a_missing_one(client, liaison, other_liaison):
    theirs = save_view(owner=other_liaison, name="Theirs", query="q=boxed")
    client.force_login(liaison)
    url = reverse("cases:delete-view", kwargs={"view_id": theirs.pk})
    missing = reverse("cases:delete-view", kwargs={"view_id": theirs.pk + 1000})
    assert client.post(url).status_code == client.post(missing).status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    client.force_login(other_liaison)
    assert client.post(url).status_code == 302
    assert not SavedView.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_saved_views_are_for_case_workers_only(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("cases:save-view"), {"name": "x", "query": ""}).status_code == 403
    assert not SavedView.objects.exists()


def test_saved_views_outlive_signing_out(client, liaison):
    client.force_login(liaison)
    client.post(reverse("cases:save-view"), {"name": "Guns", "query": "weapons_drawn=1"})
    client.post(reverse("cases:logout"))
    assert client.get(reverse("cases:queue")).status_code == 302
    client.force_login(liaison)
    html = client.get(reverse("cases:queue")).content.decode()
    assert f'href="{reverse("cases:queue")}?weapons_drawn=1"' in html
    assert ">Guns</a>" in html
