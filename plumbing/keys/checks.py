"""Deployment checks of where the keys live (`manage.py check --deploy`)."""

from pathlib import Path
from typing import Any

import environ
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from plumbing.keys.store import key_encryption_keys


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


@register(Tags.security, deploy=True)
def check_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        key_encryption_keys()
    except ImproperlyConfigured as error:
        messages.append(Error(str(error), id="keys.E001"))
    if getattr(settings, "KEY_ENCRYPTION_KEY_FILE", "") and not settings.KEY_ENCRYPTION_KEYS:
        messages.append(
            Warning(
                "The key-encryption key is read from a file (KEY_ENCRYPTION_KEY_FILE).",
                hint="In production give KEY_ENCRYPTION_KEYS from the secret store, so the key "
                "is on no disk the database or the media folder share.",
                id="keys.W001",
            )
        )
    if not settings.KEYSTORE_URL:
        store = Path(settings.KEYSTORE_PATH)
        for folder, name in ((Path(settings.MEDIA_ROOT), "MEDIA_ROOT"),
                             (Path(settings.BASE_DIR), "the application's folder")):
            if _inside(store, folder):
                messages.append(
                    Warning(
                        f"The key store ({store}) is inside {name}.",
                        hint="Keep the data keys apart from the data and the code they "
                        "protect, and back them up on their own (KEYSTORE_PATH or "
                        "KEYSTORE_URL).",
                        id="keys.W002",
                    )
                )
    elif _same_database(environ.Env.db_url_config(settings.KEYSTORE_URL), settings.DATABASES):
        messages.append(
            Error(
                "KEYSTORE_URL names the application's own database.",
                hint="A data key destroyed in the application's database lives on in its "
                "backups: give the key store a database of its own.",
                id="keys.E002",
            )
        )
    return messages


def _same_database(store: dict[str, Any], databases: dict[str, dict[str, Any]]) -> bool:
    def where(config: dict[str, Any]) -> tuple[str, str, str]:
        return (str(config.get("HOST") or ""), str(config.get("PORT") or ""),
                str(config.get("NAME") or ""))

    return any(where(store) == where(config) for config in databases.values())
