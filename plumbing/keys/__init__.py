"""Keys for records at rest: the per-report data keys (store.py) and sealing text with them
(sealing.py). The data keys live outside the database; see store.py for why."""
