"""Fixtures of the backup and object storage tests: a private media folder, a real S3-compatible
server (moto in server mode, in this process, on a free port), a new empty database to restore
into, and `manage.py` run in a process of its own, as an operator runs it.

The restored system is read by its own `manage.py`: it serves every evidence file and ready
document to the legal staff member through the staff views, and the test compares the SHA-256
of what was served with what was served before the backup.
"""

import json
import os
import runpy
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from moto.server import ThreadedMotoServer

# What the restored system serves: {"evidence": {id: sha256}, "documents": {id: sha256}}, each
# downloaded by the legal staff member through the staff views.
SERVE_AS_LEGAL = """
import hashlib, json
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from intake.models import Evidence
from reports.models import Document

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

client = Client(HTTP_HOST="localhost")
legal = get_user_model().objects.get(username="legal")
client.force_login(legal)
# Signed in with a second factor too, as tests/conftest.py signs in the test clients.
device = TOTPDevice.objects.filter(user=legal, confirmed=True).first()
device = device or TOTPDevice.objects.create(user=legal, name="Test app", confirmed=True)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()

def served(url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return hashlib.sha256(b"".join(response.streaming_content)).hexdigest()

evidence = {
    str(e.pk): served(reverse("cases:download-evidence", kwargs={"evidence_id": e.pk}))
    for e in Evidence.objects.order_by("pk")
}
documents = {
    str(d.pk): served(reverse("documents:download", kwargs={"pk": d.pk}))
    for d in Document.objects.filter(status="ready").order_by("pk")
}
print(json.dumps({"evidence": evidence, "documents": documents}))
"""

# Settings a `manage.py` of ours must not inherit from this test process.
_NOT_INHERITED = (
    "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "TEST_MEDIA_ROOT", "DJANGO_SETTINGS_MODULE",
    "STORAGE_BACKEND", "KEYSTORE_PATH", "KEY_ENCRYPTION_KEYS", "KEY_ENCRYPTION_KEY_FILE",
)


def manage(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py` in a process of its own with the base settings (the embedded default, tasks
    in-process), this test run's data keys (its key store and key-encryption key) and `env`
    (DATABASE_URL, MEDIA_ROOT or the S3 settings, ...)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in _NOT_INHERITED and not key.startswith("AWS_")
    }
    # The audit chain's key of this test run: the restored rows were chained under it.
    keys = {"AUDIT_CHAIN_KEY": django_settings.AUDIT_CHAIN_KEY}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            # The keys that open this test's sealed rows, which the base settings do not fix.
            "KEY_ENCRYPTION_KEYS": ",".join(django_settings.KEY_ENCRYPTION_KEYS),
            "KEYSTORE_PATH": str(django_settings.KEYSTORE_PATH),
            "SEARCH_INDEX_KEY": django_settings.SEARCH_INDEX_KEY,
            **keys,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def served_as_legal(env: dict[str, str]) -> dict[str, dict[str, str]]:
    finished = manage("shell", "-c", SERVE_AS_LEGAL, env=env)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def generous_rates(settings) -> Iterator[None]:
    settings.INTAKE_SUBMISSION_RATE = "1000/minute"
    cache.clear()
    yield
    cache.clear()


# --- A new, empty database -------------------------------------------------------------------


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """The DATABASE_URL of a new database with no tables, of this run's kind: a new SQLite
    file, or a new PostgreSQL database beside the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{(tmp_path / 'restored.sqlite3').resolve()}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        user = quote(db.get("USER") or "", safe="")
        password = quote(str(db.get("PASSWORD") or ""), safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
        yield f"postgres://{credentials}{host}:{port}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_count(database_url: str) -> int:
    code = "from django.db import connection; print(len(connection.introspection.table_names()))"
    finished = manage("shell", "-c", code, env={"DATABASE_URL": database_url})
    assert finished.returncode == 0, finished.stderr
    return int(finished.stdout.strip().splitlines()[-1])


# --- An S3-compatible object store -----------------------------------------------------------

KEYS = {"AWS_ACCESS_KEY_ID": "rights-desk-test", "AWS_SECRET_ACCESS_KEY": "rights-desk-secret"}


@dataclass
class ObjectStore:
    endpoint: str

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def new_bucket(self) -> str:
        name = f"rights-desk-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The environment that points Rights Desk's settings at `bucket`."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_EC2_METADATA_DISABLED": "true",
            **KEYS,
        }


@pytest.fixture(scope="module")
def object_store() -> Iterator[ObjectStore]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield ObjectStore(endpoint=f"http://{host}:{port}")
    finally:
        server.stop()


def settings_storages(environment: dict[str, str]) -> dict:
    """STORAGES as config/settings/base.py builds it from `environment`."""
    with mock.patch.dict(os.environ, environment):
        base = django_settings.BASE_DIR / "config" / "settings" / "base.py"
        return runpy.run_path(str(base))["STORAGES"]


@pytest.fixture
def bucket(object_store, settings, monkeypatch) -> str:
    """A new bucket, made this process's default storage through the settings' S3 section."""
    name = object_store.new_bucket()
    environment = object_store.environment(name)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)  # boto3 reads the keys from the environment
    settings.STORAGES = settings_storages(environment)
    return name
