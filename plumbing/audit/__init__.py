"""The audit chain: a keyed hash on every history row and access-log row, chained to the row
before it in the same record's chain, so an edit made with SQL alone is found by
`manage.py verify_audit` (see docs/architecture.md, "The audit chain")."""
