"""Configuration comes from the environment; production refuses to start without secrets."""

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from config.settings.base import BASE_DIR


def _run_with(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DEBUG"}}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION_CHECK = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; "
    "django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_with({"ALLOWED_HOSTS": "rightsdesk.example.org"}, PRODUCTION_CHECK)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_with({"SECRET_KEY": "k" * 60}, PRODUCTION_CHECK)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deployment_checks():
    result = _run_with(
        {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "rightsdesk.example.org",
         "DJANGO_SETTINGS_MODULE": "config.settings.production",
         # A deployment names the lines its community calls (intake.W001, intake.W002).
         "URGENT_HELP_LINES": '[{"name": "Example line", "phone": "612-555-0100"}]',
         "LEGAL_HELP": '{"name": "Example legal aid", "phone": "612-555-0101"}',
         # Passkeys belong to the site's domain and its HTTPS origins (cases.W001).
         "OTP_WEBAUTHN_RP_ID": "rightsdesk.example.org",
         "OTP_WEBAUTHN_ALLOWED_ORIGINS": "https://rightsdesk.example.org",
         # The key-encryption key from the secret store, the data keys in a database of their
         # own (keys.E001, keys.W001, keys.W002, keys.E002).
         "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
         "KEYSTORE_URL": "postgres://keys@keys.example.org:5432/rightsdesk_keys"},
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_embedded_default_uses_sqlite_and_eager_tasks():
    result = _run_with(
        {"DJANGO_SETTINGS_MODULE": "config.settings.base"},
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)",
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]
    assert "DEBUG on" in result.stderr


@pytest.mark.django_db
def test_database_backend_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "postgresql")) else "sqlite"
    assert connection.vendor == expected


def test_times_are_stored_in_utc_and_shown_in_chicago():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "America/Chicago"


@pytest.mark.django_db
def test_site_root_leads_to_the_report_form(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/report/"
