class BackupError(Exception):
    """A backup or restore that must stop. The message tells the operator why, in ids and file
    names of the backup only, never in personal data."""
