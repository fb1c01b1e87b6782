"""Key files: the keys an operator keeps outside the database on the embedded default (the
key-encryption keys, the audit chain's key), one a line, newest first."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def key_lines(path: str, *, setting: str, command: str) -> list[str]:
    """The keys the file at `path` holds, in order, without blank lines and `#` comments.
    Raises ImproperlyConfigured naming `setting`, and the `manage.py command` that makes one,
    when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except OSError as error:
        raise ImproperlyConfigured(
            f"{setting} cannot be read ({error.strerror}); "
            f"run `manage.py {command}` to make one."
        ) from error
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
