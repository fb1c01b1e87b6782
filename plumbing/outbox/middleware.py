"""Messages a request commits are handed to the broker after its response has been sent."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from plumbing.outbox.services import held_for_the_response


class HandOverAfterResponse:
    """The broker's round trips (about 2 ms each, longer when it is slow or down) are not spent
    while a person waits for their receipt: `relay_held` hands the request's messages over on
    `request_finished`, which Django sends after the server has written the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with held_for_the_response():
            return self.get_response(request)
