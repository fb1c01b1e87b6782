"""The public reporting API (see views.py)."""
