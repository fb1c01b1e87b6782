"""Whole-system backups: `manage.py backup <dir>` writes one consistent database dump, the stored
files it points at and a manifest of SHA-256 sums; `manage.py restore <dir>` checks every sum,
then loads the files and the database into an empty database and storage.

It knows no app: which files the database points at comes from `plumbing.stored_files`, where
each app declares its own.
"""
