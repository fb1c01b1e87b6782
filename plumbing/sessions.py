"""A session's expiry slides with use, for one save a minute instead of one a request.

Django saves a session either on every request (SESSION_SAVE_EVERY_REQUEST: an UPDATE and a
commit each time, only to push the expiry back) or only when its data changed (an idle timeout
then counts from the last change, not the last request). `RefreshSessionExpiry` keeps the
sliding timeout at a fraction of the writes: a session whose data did not change is saved only
once its last save is SESSION_REFRESH_INTERVAL seconds old, so it still ends SESSION_COOKIE_AGE
after the last request, to within that interval. A session whose data changed is saved as
Django always saves it, and a visitor without a session never gets one from here.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

# When the session was last saved, in whole seconds since the epoch.
REFRESHED_AT = "_session_refreshed_at"


def note_refresh(session: SessionBase) -> None:
    """Mark `session` to be saved when its expiry is due to be pushed back, and stamp every
    save it is about to get, so the next request knows how old the expiry is."""
    now = int(timezone.now().timestamp())
    if session.modified:
        # A flushed session (signing out) is empty: stamping it would start a new one.
        if not session.is_empty():
            session[REFRESHED_AT] = now
        return
    if session.session_key is None:
        # No cookie: a visitor without a session, who does not get one from here.
        return
    refreshed = session.get(REFRESHED_AT)
    # Reading it loaded the session: a key the store no longer has (expired) is dropped then.
    if session.is_empty():
        return
    if isinstance(refreshed, int) and 0 <= now - refreshed < settings.SESSION_REFRESH_INTERVAL:
        return
    session[REFRESHED_AT] = now


class RefreshSessionExpiry:
    """Right after Django's SessionMiddleware in MIDDLEWARE, so that this runs on the response
    before the session middleware decides whether to save."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None:
            note_refresh(session)
        return response
