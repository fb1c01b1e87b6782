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


class CaseError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
