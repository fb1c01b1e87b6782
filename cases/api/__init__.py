"""The staff case API (see views.py)."""
