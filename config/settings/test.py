"""Test settings: the base settings, with fast password hashing and mail kept in memory."""

import os

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env.str(  # noqa: F405
    "TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
# Where a Celery worker started by a test writes its mail, for the test to read (filebased).
EMAIL_FILE_PATH = env.str("TEST_EMAIL_FILE_PATH", default="")  # noqa: F405
# The worker tests give their Celery worker and themselves a folder of their own (a name of its
# own, so a MEDIA_ROOT set for development never receives test files).
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=BASE_DIR / "test-artifacts" / "media")  # noqa: F405
# Tests that need a real broker start their own worker; the rest run tasks in-process. The
# worker those tests start reads these settings too, with CELERY_TASK_ALWAYS_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
# Test hook, read by reports.services.render_document and set only by the worker tests: sleep
# this many seconds before rendering, so a test can kill the worker in the middle of a render.
RENDER_TEST_DELAY_SECONDS = env.float("RENDER_TEST_DELAY_SECONDS", default=0)  # noqa: F405
# SQLite's in-memory test database lives in one process; a test database in a file can be
# shared with the Celery worker the worker tests start (pytest-django creates and drops it).
# One file per test run, so two runs at once never share one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "test-artifacts").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "test-artifacts" / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }
    # Two processes writing one file: a transaction takes the write lock when it begins, so
    # one waits for the other instead of both failing ("database is locked") when each holds a
    # read lock the other needs released.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WARN_WHEN_DEBUG = False
# Static files come from the app and asset folders through the finders; no collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A fixed test key-encryption key, and a key store per test run, shared with the Celery worker
# the worker tests start (they pass TEST_KEYSTORE_PATH).
KEY_ENCRYPTION_KEYS = ["d0TDb4G0gPH62kTG2jnJp7ay0flkAUTXS0TO2yfnmbI="]
KEYSTORE_PATH = env.path(  # noqa: F405
    "TEST_KEYSTORE_PATH",
    default=BASE_DIR / "test-artifacts" / f"data-keys-{os.getpid()}.sqlite3",  # noqa: F405
)
# A fixed blind-index key (plumbing/keys/blind_index.py), shared with the test Celery worker.
SEARCH_INDEX_KEY = "test-search-index-key-not-secret"
# A fixed audit chain key, so a Celery worker started by a test hashes as the test does.
AUDIT_CHAIN_KEY = "test-audit-chain-key-0123456789abcdef0123456789abcdef"
