"""The infrastructure the apps share and that belongs to none of them: messages that must follow
a commit (the outbox), which stored files the database points at and whether the storage still
holds their bytes (stored_files), whole-system backups and restores (backup), and, as they move
here, the API's error shape and the health checks.

Nothing here knows about reports, cases or people; `intake`, `cases` and `reports` may import
it, and it imports none of them.
"""
