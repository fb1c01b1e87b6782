"""Errors the case services raise. Each carries a stable `code` that the API returns, so that
clients can act on it, and a message a person can read."""

from enum import StrEnum


class ErrorCode(StrEnum):
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    REASON_REQUIRED = "reason_required"
    INVALID_CLOSE_REASON = "invalid_close_reason"
    ROLE_NOT_PERMITTED = "role_not_permitted"
    CASE_MERGED = "case_merged"
    INVALID_MERGE = "invalid_merge"
    INVALID_ASSIGNEE = "invalid_assignee"
    INVALID_VISIBILITY = "invalid_visibility"
    EMPTY_NOTE = "empty_note"
    INVALID_TAGS = "invalid_tags"
    # A question for the person who filed a report that they could not read: a press report,
    # a report staff entered, or one of another case.
    REPORTER_UNREACHABLE = "reporter_unreachable"
    INVALID_QUESTION = "invalid_question"
    # The change was made on a view of the case that is out of date: someone changed it since.
    STALE_CASE = "stale_case"
    # A legal hold placed on a case already held, or lifted from a case that is not.
    ALREADY_HELD = "already_held"
    NOT_HELD = "not_held"


class CaseError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class StaleCaseError(CaseError):
    """A change refused because its author saw an older version of the case than the one saved.

    Carries the case's current version, so that a page can offer the change again on the case
    as it is now, and an API answer can send it as the ETag."""

    def __init__(self, message: str, *, case_id: int, current_version: int) -> None:
        super().__init__(ErrorCode.STALE_CASE, message)
        self.case_id = case_id
        self.current_version = current_version
