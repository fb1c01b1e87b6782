"""Tags: one service sets them (as slugs, with history), the case page has a form for it, the
queue shows them and filters by them, and so does the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases.exceptions import CaseError, ErrorCode
from cases.models import Case, Tag
from cases.selectors import QueueFilters, case_queue
from cases.services import merge_cases, set_tags
from cases.tagging import split_tag_names, tag_slugs
from intake.services import submit_report
from tests.factories import ReportSubmissionFactory

pytestmark = pytest.mark.django_db


def _case() -> Case:
    return submit_report(submission=ReportSubmissionFactory(), channel="web").report.case


def _tags(case: Case) -> list[str]:
    return sorted(case.tags.values_list("name", flat=True))


def _case_url(case: Case, name: str = "case") -> str:
    return reverse(f"cases:{name}", kwargs={"reference": case.reference})


def _seen(case: Case, action: str) -> dict[str, str]:
    """The hidden field the case page's tags form sends: the case's version as it is now."""
    assert action == "tags"
    return {"tags-version": str(Case.objects.get(pk=case.pk).version)}


@pytest.mark.parametrize(("typed", "slugs"), [
    (["Media attention", "media-attention", "  "], ["media-attention"]),
    (["Needs Interpreter!", "Ñandú"], ["needs-interpreter", "nandu"]),
    (["x" * 80], ["x" * 50]),
])
def test_tag_names_are_written_as_slugs(typed, slugs):
    assert tag_slugs(typed) == slugs


def test_tags_typed_in_one_field_are_split_on_commas():
    assert split_tag_names("Media attention, needs interpreter;court\n") == [
        "media-attention", "needs-interpreter", "court",
    ]


def test_set_tags_creates_tags_and_records_one_history_row_with_actor_and_reason(liaison):
    case = _case()
    rows = case.history.count()
    set_tags(
        case=case,
        names=["Media attention", "court"],
        actor=liaison,
        reason="TV crew",
        expected_version=None,
    )
    assert _tags(case) == ["court", "media-attention"]
    assert case.history.count() == rows + 1
    latest = case.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (liaison, "TV crew")
    assert sorted(latest.tags.values_list("tag__name", flat=True)) == ["court", "media-attention"]
    tag = Tag.objects.get(name="court")
    assert tag.history.get().history_user == liaison


def test_set_tags_replaces_the_set_and_explains_the_change_by_default(liaison):
    case = _case()
    set_tags(case=case, names=["court", "media-attention"], actor=liaison, expected_version=None)
    set_tags(case=case, names=["court", "interpreter"], actor=liaison, expected_version=None)
    assert _tags(case) == ["court", "interpreter"]
    assert case.history.latest().history_change_reason == (
        "Tagged interpreter; Untagged media-attention"
    )
    assert Tag.objects.filter(name="media-attention").exists()  # tags are never deleted


def test_setting_the_same_tags_again_changes_nothing(liaison):
    case = _case()
    set_tags(case=case, names=["court"], actor=liaison, expected_version=None)
    rows = case.history.count()
    set_tags(case=case, names=["Court"], actor=liaison, expected_version=None)
    assert case.history.count() == rows


def test_too_many_tags_are_refused(liaison):
    case = _case()
    with pytest.raises(CaseError) as refused:
        set_tags(
            case=case, names=[f"tag-{n}" for n in range(21)], actor=liaison, expected_version=None
        )
    assert refused.value.code == ErrorCode.INVALID_TAGS
    assert _tags(case) == []


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_only_case_workers_may_tag(request, role):
    case = _case()
    with pytest.raises(CaseError) as refused:
        set_tags(
            case=case, names=["court"], actor=request.getfixturevalue(role), expected_version=None
        )
    assert refused.value.code == ErrorCode.ROLE_NOT_PERMITTED


def test_a_merged_case_cannot_be_tagged(liaison):
    survivor, duplicate = _case(), _case()
    merge_cases(
        survivor=survivor,
        duplicates=[duplicate],
        actor=liaison,
        reason="Same stop",
        expected_version=None,
    )
    with pytest.raises(CaseError) as refused:
        set_tags(case=duplicate, names=["court"], actor=liaison, expected_version=None)
    assert refused.value.code == ErrorCode.CASE_MERGED


def test_tags_are_searchable_and_filterable(liaison):
    tagged, other = _case(), _case()
    set_tags(case=tagged, names=["media-attention", "court"], actor=liaison, expected_version=None)
    set_tags(case=other, names=["court"], actor=liaison, expected_version=None)

    def found(**filters) -> set[Case]:
        return set(case_queue(user=liaison, filters=QueueFilters(**filters)))

    assert found(text="media-attention") == {tagged}
    assert found(tags=("court",)) == {tagged, other}
    assert found(tags=("court", "media-attention")) == {tagged}
    assert found(tags=("unknown",)) == set()
    set_tags(case=tagged, names=[], actor=liaison, expected_version=None)
    assert found(text="media-attention") == set()


def test_the_case_page_form_sets_tags_and_the_timeline_shows_them(client, liaison):
    case = _case()
    client.force_login(liaison)
    response = client.post(
        _case_url(case, "tags"),
        {"tags-tags": "Media attention, court", "tags-reason": "Reporter called"}
        | _seen(case, "tags"),
    )
    assert response.status_code == 302
    assert _tags(case) == ["court", "media-attention"]
    html = client.get(_case_url(case)).content.decode()
    summary = html.split('id="case-tags"')[1].split("</dd>")[0]
    assert "court" in summary and "media-attention" in summary
    assert 'value="court, media-attention"' in html
    timeline = html.split('id="timeline"')[1]
    assert "<th scope=\"row\">Tags</th><td>—</td><td>court, media-attention</td>" in timeline
    assert "Reporter called" in timeline


def test_a_refused_tag_form_shows_the_message(client, liaison):
    case = _case()
    client.force_login(liaison)
    names = ", ".join(f"tag-{n}" for n in range(21))
    response = client.post(_case_url(case, "tags"), {"tags-tags": names} | _seen(case, "tags"))
    assert response.status_code == 400
    assert "A case can have at most 20 tags." in response.content.decode()


@pytest.mark.parametrize("role", ["no_role_user", "administrator"])
def test_the_tag_form_is_refused_without_case_access(client, request, role):
    case = _case()
    client.force_login(request.getfixturevalue(role))
    response = client.post(_case_url(case, "tags"), {"tags-tags": "court"} | _seen(case, "tags"))
    assert response.status_code == 404
    assert _tags(case) == []


def test_the_queue_shows_tags_and_filters_by_them(client, liaison):
    tagged, other = _case(), _case()
    set_tags(case=tagged, names=["media-attention"], actor=liaison, expected_version=None)
    client.force_login(liaison)
    html = client.get(reverse("cases:queue")).content.decode()
    row = html.split(f'id="case-{tagged.reference}"')[1].split("</tr>")[0]
    assert 'href="?tag=media-attention"' in row
    html = client.get(reverse("cases:queue") + "?tag=Media+Attention").content.decode()
    assert tagged.reference in html and other.reference not in html
    assert 'value="Media Attention"' in html


def test_queue_query_count_does_not_grow_with_tags(client, liaison):
    client.force_login(liaison)
    set_tags(case=_case(), names=["court"], actor=liaison, expected_version=None)
    url = reverse("cases:queue")

    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url + query).status_code == 200
        return len(ctx.captured_queries)

    client.get(url)  # the first page keeps a CSRF secret in the session, which saves it
    one = queries("?tag=court")
    for index in range(20):
        set_tags(
            case=_case(),
            names=["court", f"extra-{index}", "media"],
            actor=liaison,
            expected_version=None,
        )
    assert queries("?tag=court") == one


# -- API ------------------------------------------------------------------------------------


def test_api_filters_the_queue_by_tag(liaison):
    tagged, other = _case(), _case()
    set_tags(case=tagged, names=["media-attention", "court"], actor=liaison, expected_version=None)
    set_tags(case=other, names=["court"], actor=liaison, expected_version=None)
    api = APIClient()
    api.force_login(liaison)

    def refs(query: str) -> set[str]:
        response = api.get(f"/api/v1/cases/?{query}")
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    assert refs("tag=court") == {tagged.reference, other.reference}
    assert refs("tag=court,Media%20Attention") == {tagged.reference}
    assert refs("tag=court&tag=media-attention") == {tagged.reference}
    rows = api.get("/api/v1/cases/?tag=media-attention").json()["results"]
    assert rows[0]["tags"] == ["court", "media-attention"]


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 401), ("no_role_user", 403), ("administrator", 403),
    ("liaison", 200), ("legal", 200),
])
def test_api_sets_tags_for_case_workers_only(request, role, status):
    case = _case()
    api = APIClient()
    if role != "anonymous":
        api.force_login(request.getfixturevalue(role))
    response = api.post(
        f"/api/v1/cases/{case.reference}/tags/",
        {"tags": ["Media attention"], "reason": "On the news"},
        format="json",
        HTTP_IF_MATCH=f'"{case.version}"',
    )
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["tags"] == ["media-attention"]
        assert case.history.latest().history_change_reason == "On the news"
    else:
        assert _tags(case) == []


def test_api_refuses_too_many_tags_with_its_code(liaison):
    case = _case()
    api = APIClient()
    api.force_login(liaison)
    response = api.post(
        f"/api/v1/cases/{case.reference}/tags/",
        {"tags": [f"t{n}" for n in range(21)]},
        format="json",
        HTTP_IF_MATCH=f'"{case.version}"',
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_tags"



def test_case_history_reads_tags_only_where_they_can_exist(django_assert_num_queries):
    case = Case(reference="RD-2026-999999", title="Counted")
    # A new case: the row and its history row; it has no tags yet to copy.
    with django_assert_num_queries(2):
        case.save()
    assert list(case.history.get().tags.all()) == []
    # A change: the row, the newest row of its history chain (plumbing/audit), its history row
    # and one read of the tags to copy, and no re-read of the fields history leaves out.
    case.title = "Counted again"
    with django_assert_num_queries(4):
        case.save()
