"""The infrastructure the apps share and that belongs to none of them: messages that must follow
a commit (the outbox), which stored files the database points at and whether the storage still
holds their bytes (stored_files), whole-system backups and restores (backup), the API's error
shape and strict input (api_errors, api_input), the health checks, and what the apps' screens
and models have in common: the error summary (form_errors), the date-range rule (day_ranges),
the read-only admin (admin), append-only records (records) and the `User` type (typing).

Nothing here knows about reports, cases or people; `intake`, `cases` and `reports` may import
it, and it imports none of them.
"""
