"""The staff pages' own layout: a staff header naming the signed-in person by name and role, the
staff navigation, and none of the public page's footer, help lines or language button."""

import pytest

from cases.people import _MARKS, ROLE_LABELS, display_name, role_label
from cases.roles import ROLE_PERMISSIONS, Role

QUEUE = "/staff/cases/"


def test_each_role_is_named_by_a_permission_it_holds_and_no_role_before_it_does():
    for position, (role, mark) in enumerate(_MARKS):
        assert mark in ROLE_PERMISSIONS[role]
        for earlier, _mark in _MARKS[:position]:
            assert _mark not in ROLE_PERMISSIONS[role], (role, earlier)
    assert {role for role, _mark in _MARKS} == set(Role)


@pytest.mark.parametrize(
    ("fixture", "role"),
    [("liaison", Role.LIAISON), ("legal", Role.LEGAL), ("administrator", Role.ADMINISTRATOR)],
)
def test_the_role_label_matches_the_role_of_the_account(db, request, fixture, role):
    assert role_label(request.getfixturevalue(fixture)) == str(ROLE_LABELS[role])


def test_a_person_is_named_by_full_name_else_by_user_name(liaison):
    assert display_name(liaison) == liaison.get_username()
    liaison.first_name, liaison.last_name = "Rosa", "Díaz"
    assert display_name(liaison) == "Rosa Díaz"
    assert display_name(None) == ""


def test_the_staff_header_names_the_signed_in_person_and_role(client, liaison):
    liaison.first_name, liaison.last_name = "Rosa", "Díaz"
    liaison.save()
    client.force_login(liaison)
    page = client.get(QUEUE).content.decode()
    assert 'id="signed-in-as">Rosa Díaz <span' in page
    assert 'id="signed-in-role">Police liaison</span>' in page
    assert 'id="nav-queue" aria-current="page"' in page
    assert 'id="logout-button"' in page


def test_staff_pages_carry_no_public_footer_help_lines_or_language_button(client, legal):
    client.force_login(legal)
    for path in (QUEUE, "/staff/account/", "/staff/statistics/"):
        page = client.get(path).content.decode()
        assert "grid-container-widescreen" in page, path
        for public in (
            'id="language-switcher"',
            "rd-footer",
            'id="footer-status-link"',
            "quick-exit",
        ):
            assert public not in page, (path, public)


def test_the_sign_in_page_has_the_staff_header_without_navigation(client, db):
    page = client.get("/staff/login/").content.decode()
    assert "Rights Desk staff" in page
    assert 'id="staff-nav"' not in page
    assert 'id="language-switcher"' not in page


def test_only_legal_staff_see_the_links_to_their_pages(client, liaison, legal):
    client.force_login(liaison)
    page = client.get(QUEUE).content.decode()
    assert 'id="nav-statistics"' not in page and 'id="nav-access-log"' not in page
    client.force_login(legal)
    page = client.get(QUEUE).content.decode()
    assert 'id="nav-statistics"' in page and 'id="nav-access-log"' in page
