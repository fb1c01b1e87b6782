"""Who is described which part of the API at /api/schema/ (and the docs page that reads it).

SERVE_PUBLIC is off, so drf-spectacular describes an endpoint only if the reader could call it:
it checks each view's permission classes against a request made as the reader. The staff
endpoints admit any signed-in account at that stage (the role is checked inside each view), so
a reader who does not work on cases is checked as an anonymous visitor instead: the public
gets, and everyone but case workers gets, only the public part (reports, status, agencies,
encounter kinds); liaisons and legal staff get all of it.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.plumbing import build_mock_request

from cases.access import is_case_worker


def build_schema_request(
    method: str, path: str, view: Any, original_request: Any, **kwargs: Any
) -> Any:
    """drf-spectacular's GET_MOCK_REQUEST: its own mock request, as the reader if the reader
    works on cases and as an anonymous visitor otherwise."""
    request = build_mock_request(method, path, view, original_request, **kwargs)
    if original_request is not None and not is_case_worker(original_request.user):
        request.user = AnonymousUser()
        request.auth = None
    return request
