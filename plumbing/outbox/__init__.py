"""The transactional outbox: Celery tasks that must run after a commit, written to a table in
the same transaction as the change they follow. See `services.publish`."""
