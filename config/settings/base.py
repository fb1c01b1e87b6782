"""Every setting lives here, driven by the environment.

With nothing set this is the embedded default: SQLite in the project folder, Celery tasks run
eagerly in-process, files under ./media, DEBUG on. `production.py` only hardens it.
"""

from datetime import timedelta
from typing import Any

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env

# A key that only the embedded default may use; production.py refuses to start with it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-embedded-default-do-not-use-in-production"  # noqa: S105

SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with our site, which admits by role (config/admin_site.py).
    "config.apps.RightsDeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # Hashed, expiring API tokens (django-rest-knox); ours add a name and the last use.
    "knox",
    "api_tokens",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "plumbing.outbox",
    "plumbing.keys",
    "plumbing.audit",
    "intake",
    "cases",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # What a request publishes through the outbox goes to the broker after its response.
    "plumbing.outbox.middleware.HandOverAfterResponse",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Saves an unchanged session at most once a SESSION_REFRESH_INTERVAL (plumbing/sessions.py).
    "plumbing.sessions.RefreshSessionExpiry",
    # The language chosen in the session, else the browser's; never a cookie (intake/language.py).
    "intake.language.SessionLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # request.htmx: a staff action sent by htmx answers with the part of the page it changed.
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Widgets written in Python with Django's own markup (plumbing/form_rendering.py): the queue's
# filter panel spent most of its Python in the widget templates.
FORM_RENDERER = "plumbing.form_rendering.WidgetRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiler pays off only on long analytical queries. On ours it spent
    # 20-470 ms compiling per query, more than it saved (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Stored in UTC, shown in the metro area's own time.
USE_TZ = True
TIME_ZONE = "America/Chicago"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# English and Spanish translations live with the project configuration.
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS: list[Any] = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded evidence and rendered documents. Nothing in urls.py serves this folder: files reach
# a person only through a view that checks their role first.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = None

EVIDENCE_MAX_FILE_BYTES = env.int("EVIDENCE_MAX_FILE_BYTES", default=25 * 1024 * 1024)
EVIDENCE_MAX_REPORT_BYTES = env.int("EVIDENCE_MAX_REPORT_BYTES", default=100 * 1024 * 1024)

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the embedded default runs every task in the request that queued it.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs must cost a request a second, not its whole time budget: the
            # rate limiter then counts locally (intake/ratelimit.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rights Desk <no-reply@localhost>")

SESSION_COOKIE_HTTPONLY = True
# Sessions end after this much inactivity and when the browser closes: staff screens show
# identities, and shared computers are common.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 2)
# A request pushes the expiry back by saving the session, but a session whose data did not
# change is saved at most once in this many seconds (plumbing/sessions.py), not on every
# request: an idle session ends SESSION_COOKIE_AGE after its last request, up to this much
# sooner. A session whose data changed is saved at once, as always.
SESSION_REFRESH_INTERVAL = env.int("SESSION_REFRESH_INTERVAL", default=60)
if SESSION_REFRESH_INTERVAL >= SESSION_COOKIE_AGE:
    raise ImproperlyConfigured("SESSION_REFRESH_INTERVAL must be below SESSION_COOKIE_AGE.")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api_tokens.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
}
# API tokens (api_tokens/): knox's token model with a name and the last use. Keys are sent as
# `Authorization: Token <key>` and stored as SHA-512 digests; each expires this many days after
# it is made, and its owner makes a new one at /staff/account/tokens/.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be a whole number of days, 1 or more.")
KNOX_TOKEN_MODEL = "api_tokens.ApiToken"  # noqa: S105 (a model name)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    # One token per request is checked: a key that expires is refused, never renewed.
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Rights Desk API",
    "DESCRIPTION": "Encounter report intake and case management.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# --- Public reporting API (intake/api/) -------------------------------------------------------
# The API shares the web form's per-address limits (INTAKE_*_RATE below). For any DRF throttle:
# DRF's default trusts a client's own X-Forwarded-For; count proxies the same way instead.
# How many reverse proxies in front of Django append to X-Forwarded-For. 0 trusts none and
# counts REMOTE_ADDR, so a client cannot dodge a limit by sending the header itself.
RATE_LIMIT_TRUSTED_PROXY_COUNT = env.int("RATE_LIMIT_TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = RATE_LIMIT_TRUSTED_PROXY_COUNT
# Public error codes (intake/api/errors.py) get a name of their own in the OpenAPI schema.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["PublicErrorCodeEnum"] = (
    "intake.api.errors.ErrorCode"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every render at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Reasons are sentences a person wrote; the library's default column holds only 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
# History is read by each record's id (a case's timeline), never across records by date, so
# the history tables carry no index on history_date: one write less per history row.
SIMPLE_HISTORY_DATE_INDEX = False

# --- Public intake form (/report/) -----------------------------------------------------------
# Content Security Policy (django-csp 4): our own origin only, no inline script or style, no
# eval, so an injected tag can neither run nor load anything from elsewhere.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    # drf-spectacular's Swagger UI page boots from an inline script; it shows no personal data.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    },
}
# The U.S. Web Design System, installed from npm into assets/ (see assets/package.json) and
# served by whitenoise under /static/uswds/: nothing is fetched from a CDN.
STATICFILES_DIRS += [
    ("uswds", BASE_DIR / "assets" / "node_modules" / "@uswds" / "uswds" / "dist"),
    # htmx, for the staff pages' actions that update in place (templates/staff_base.html).
    ("htmx", BASE_DIR / "assets" / "node_modules" / "htmx.org" / "dist"),
]
# A friendly, translated page instead of Django's bare one (which also needs inline styles).
CSRF_FAILURE_VIEW = "intake.views.csrf_failure"

# Abuse limits, counted per client address in the cache (Redis when REDIS_URL is set). Rates
# are "<count>/<second|minute|hour|day>". Generous enough for a community office filing for
# several people.
INTAKE_SUBMISSION_RATE = env.str("INTAKE_SUBMISSION_RATE", default="20/hour")
INTAKE_STATUS_LOOKUP_RATE = env.str("INTAKE_STATUS_LOOKUP_RATE", default="30/hour")
# Signing in to a report with its tracking code and secret (intake/reporter_session.py) counts
# against INTAKE_STATUS_LOOKUP_RATE; the session ends after this long without a page, or this
# long after signing in, whichever comes first.
REPORTER_SESSION_IDLE_MINUTES = env.int("REPORTER_SESSION_IDLE_MINUTES", default=15)
REPORTER_SESSION_MAX_MINUTES = env.int("REPORTER_SESSION_MAX_MINUTES", default=60)
# What a person signed in to their report may send, per address.
INTAKE_FOLLOW_UP_RATE = env.str("INTAKE_FOLLOW_UP_RATE", default="30/hour")
# Evidence uploaded on the form waits in private storage (no URL) until the report is sent;
# files of abandoned forms are purged once the session they belonged to has expired.
INTAKE_MAX_EVIDENCE_FILES = env.int("INTAKE_MAX_EVIDENCE_FILES", default=20)
INTAKE_PENDING_UPLOAD_MAX_AGE = SESSION_COOKIE_AGE
# A report sent twice with the same key (the form's draft, an API client's Idempotency-Key)
# gets the first send's receipt back for this long; the sealed secret is deleted after it.
INTAKE_IDEMPOTENCY_HOURS = env.int("INTAKE_IDEMPOTENCY_HOURS", default=24)
CELERY_BEAT_SCHEDULE = {
    "intake-purge-pending-uploads": {
        "task": "intake.tasks.purge_pending_uploads",
        "schedule": 60 * 60,
    },
    "intake-forget-sent-submissions": {
        "task": "intake.tasks.forget_sent_submissions",
        "schedule": 60 * 60,
    },
}

# --- Staff pages (/staff/) ---------------------------------------------------------------------
# Staff sign in with Django's login views; the queue is where their day starts.
LOGIN_URL = "cases:login"
LOGIN_REDIRECT_URL = "cases:queue"
LOGOUT_REDIRECT_URL = "cases:login"
# Where staff reach this site, for links in e-mails sent from tasks (which have no request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Failed sign-ins (staff pages and the admin) are counted per user name and address together by
# django-axes; after AXES_FAILURE_LIMIT of them that pair is locked out for AXES_COOLOFF_TIME,
# even with the right password. Counting the pair, not the address alone, keeps one office
# behind a shared address from locking everyone out. `manage.py axes_reset_username <name>`
# lifts a lockout early.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out pair never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading permissions in one query.
    "cases.backends.ModelPermissionBackend",
    # Object permissions: the rules predicates of cases/access.py.
    "rules.permissions.ObjectPermissionBackend",
]
# Last, as django-axes asks: it turns a lockout into the page below.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# The same client address as the rate limits (only our own proxies' X-Forwarded-For entries).
AXES_CLIENT_IP_CALLABLE = "intake.ratelimit.client_ip"

# Every staff account needs a second factor (cases/two_factor.py): an authenticator app and
# recovery codes. A password alone reaches only the code page; a wrong code counts against the
# django-axes lockout above.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "cases.two_factor.SecondFactorMiddleware",
)
# The name the authenticator app shows for the account.
OTP_TOTP_ISSUER = "Rights Desk"
# How long a new account, or one whose devices an administrator reset, may add its second
# factor with the password alone; afterwards only another reset lets it enrol.
SECOND_FACTOR_ENROLMENT_HOURS = env.int("SECOND_FACTOR_ENROLMENT_HOURS", default=72)
if SECOND_FACTOR_ENROLMENT_HOURS < 1:
    raise ImproperlyConfigured("SECOND_FACTOR_ENROLMENT_HOURS must be 1 or more.")

# --- Passkeys (cases/passkeys.py) -------------------------------------------------------------
# Passkeys and security keys (WebAuthn, django-otp-webauthn) are another second factor, given
# after the password and never instead of it. Adding one needs a session that already gave a
# second factor. A passkey belongs to the RP ID, the site's domain, for
# good: changing it later makes every registered passkey useless. Browsers refuse an IP address
# as RP ID, so on the embedded default passkeys work at http://localhost:8000 only.
INSTALLED_APPS += ["django_otp_webauthn"]
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default="localhost")
OTP_WEBAUTHN_RP_NAME = "Rights Desk"
# Every origin (scheme, host and port) staff reach the pages at, exactly.
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", default=["http://localhost:8000"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "cases.passkeys.PasskeyHelper"

# --- Celery workers (reports/, intake/) ---------------------------------------------------------
# The broker is Redis (REDIS_URL, above); without it tasks run eagerly in-process. Messages are
# JSON only: a pickle from a compromised broker would run code in every worker.
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it has finished, not when it is received, and handed back to the
# queue if the process running it dies (killed by the OOM killer, a deploy, a crash), so a
# render that is cut off is done again. That makes every task run at least once, so tasks are
# idempotent and count their own attempts (reports.services.render_document): a re-queue on a
# lost worker ignores `max_retries`.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process: renders are long, and a prefetched message would wait
# behind one while another worker sits idle.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Soft limit: the task gets SoftTimeLimitExceeded and the document is marked failed. Hard
# limit: the process is killed; its lease lapses and the sweep re-queues the row (see
# REPORTS_LEASE_SECONDS at the end of this file).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands an unacknowledged message to another worker after this many seconds. It must
    # exceed the longest task (the hard limit above, plus retries' countdowns), or a slow render
    # would be started a second time while the first still runs.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 5,
}
# A request that queues a task must not hang when the broker is down: try briefly, then let
# the outbox keep the message pending for its relay (plumbing/outbox/services.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# WeasyPrint keeps caches per process; a child that grows past this (in KiB) is replaced after
# its current task, and every child is replaced after this many tasks in any case.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_SEND_TASK_EVENTS = False
# The leases and the sweep that hand stale documents back to the broker: at the end of this
# file ("Document leases").
# Document states and kinds and the documents API's error codes get names of their own in the
# OpenAPI schema (the case API has fields named `status` and `code` too; its case status keeps
# the name it had).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "StatusEnum": "cases.models.Case.Status",
        "DocumentStatusEnum": "reports.models.Document.Status",
        "DocumentKindEnum": "reports.models.Document.Kind",
        "DocumentErrorCodeEnum": "reports.api.documents.DocumentAPIErrorCode",
    }
)

# --- Statistics (reports/statistics/) -----------------------------------------------------------
# Tonight's figures for every report, stored as a snapshot the page and the API serve all day.
# The task lives in reports/statistics_tasks.py; autodiscovery finds only `tasks` modules.
CELERY_IMPORTS = ["reports.statistics_tasks"]
CELERY_BEAT_SCHEDULE["statistics-nightly"] = {
    "task": "reports.statistics_tasks.build_nightly_statistics",
    "schedule": crontab(hour=2, minute=0),
}

# --- Separation of duties (config/admin_site.py, cases/staff_accounts.py) ----------------------
# Granting or removing the legal role is announced to legal staff by a task of its own.
CELERY_IMPORTS += ["cases.staff_account_tasks"]
# /api/schema/ describes an endpoint only to readers who may call it: anonymous visitors and
# accounts that do not work on cases get the public part only (config/openapi.py).
SPECTACULAR_SETTINGS["SERVE_PUBLIC"] = False
SPECTACULAR_SETTINGS["GET_MOCK_REQUEST"] = "config.openapi.build_schema_request"

# --- Outbox (plumbing/outbox) -----------------------------------------------------------------
# Tasks that must follow a commit are written to the outbox in the same transaction and handed
# to the broker after it; while the broker is down they wait, and the relay hands them over once
# it is back. The interval bounds that wait; published rows are kept a week for inspection.
OUTBOX_RELAY_INTERVAL = env.int("OUTBOX_RELAY_INTERVAL", default=10)
OUTBOX_KEEP_PUBLISHED_DAYS = env.int("OUTBOX_KEEP_PUBLISHED_DAYS", default=7)
CELERY_BEAT_SCHEDULE["outbox-relay"] = {
    "task": "plumbing.outbox.tasks.relay_outbox",
    "schedule": OUTBOX_RELAY_INTERVAL,
}
CELERY_BEAT_SCHEDULE["outbox-purge-published"] = {
    "task": "plumbing.outbox.tasks.purge_published_outbox",
    "schedule": 24 * 60 * 60,
}

# --- Access log (accesslog/) ----------------------------------------------------------------
# Who opened which case, document and evidence file, and every sign-in, failed sign-in and
# lockout; read by legal staff. Before `cases`, whose role groups name its permission when
# they are synced after migrate.
INSTALLED_APPS.insert(INSTALLED_APPS.index("cases"), "accesslog")
# Rows older than this are deleted daily (`manage.py expire_access_log` does the same by hand).
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=730)
# How many of the latest views the case page shows legal staff.
ACCESS_LOG_CASE_PAGE_ROWS = env.int("ACCESS_LOG_CASE_PAGE_ROWS", default=10)
CELERY_BEAT_SCHEDULE["accesslog-expire"] = {
    "task": "accesslog.tasks.expire_access_log_task",
    "schedule": crontab(hour=3, minute=30),
}

# --- Object storage and backups (plumbing/stored_files.py, plumbing/backup/) -------------------
# `manage.py backup <dir>` / `restore <dir>`: the database and the stored files it points at.
INSTALLED_APPS += ["plumbing.backup"]
# Evidence and documents go through Django's storage API (STORAGES["default"]): a folder
# (MEDIA_ROOT) on a single machine, or, with STORAGE_BACKEND=s3, an S3-compatible bucket that
# every web node and worker shares. Credentials come from boto3's own sources
# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role), never from settings.
# The bucket is private: objects get no ACL of their own (the bucket's default, which must block
# public access), the store encrypts each at rest, and no name is ever overwritten (stored files
# are immutable: plumbing/stored_files.py). Nothing hands out the store's signed URLs: staff
# downloads stream through our views, which check access and count each download. Signing stays
# on, with a short expiry, so that a URL made by mistake would be useless within a minute.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    _encryption = env.str("AWS_S3_SERVER_SIDE_ENCRYPTION", default="AES256")
    if _encryption not in ("AES256", "aws:kms"):
        raise ImproperlyConfigured("AWS_S3_SERVER_SIDE_ENCRYPTION must be AES256 or aws:kms.")
    _object_parameters = {"ServerSideEncryption": _encryption}
    if _encryption == "aws:kms" and env.str("AWS_S3_SSE_KMS_KEY_ID", default=""):
        _object_parameters["SSEKMSKeyId"] = env.str("AWS_S3_SSE_KMS_KEY_ID")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "location": env.str("AWS_LOCATION", default=""),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # "path" for stores without per-bucket host names (MinIO, a test server).
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "object_parameters": _object_parameters,
            # A file read from the store spills to a temporary file past this size, so a long
            # video is never held whole in a process's memory.
            "max_memory_size": env.int("AWS_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
        },
    }
elif STORAGE_BACKEND != "filesystem":
    raise ImproperlyConfigured("STORAGE_BACKEND must be filesystem or s3.")

# --- Document leases (reports/leases.py, reports/services.py) ---------------------------------
# A worker rendering a document holds a lease on it for REPORTS_LEASE_SECONDS and renews it
# every third of that from a heartbeat thread; beat runs the sweep every REPORTS_SWEEP_SECONDS,
# and the sweep hands every document whose lease lapsed back to the broker. A render whose whole
# worker died (kill -9, a lost machine) is back with a worker at most LEASE + SWEEP seconds
# after the death (45 s; it used to take the five-minute sweep and a window past the hard time
# limit, 4 to 9 minutes), then takes one render more.
# - 30 s: a shorter lease notices a death sooner, but a live worker that cannot renew for a
#   whole lease (a database failover, a host starved of CPU, a long pause of the process) loses
#   its claim, and the render is done again at the cost of one of its three attempts. With a
#   renewal every 10 s, two renewals in a row can fail and the lease still holds.
# - 15 s: the sweep is one query on a partial index of the unfinished rows (a handful), so
#   running it often costs nothing; it adds at most 15 s to the lease. Sweeps that wait in the
#   queue behind renders expire rather than pile up.
REPORTS_LEASE_SECONDS = env.int("REPORTS_LEASE_SECONDS", default=30)
REPORTS_SWEEP_SECONDS = env.int("REPORTS_SWEEP_SECONDS", default=15)
# A queued document no worker has claimed this long after it was handed to the broker is
# handed over again. Documents are published through the outbox, so a broker outage no longer
# leaves one unpublished; what remains is a message lost after publishing (Redis restarted
# without persistence, or a worker that took it died before claiming it, which Redis would hand
# back only after the visibility timeout, an hour). Two minutes (it was ten) keeps those within
# the same bound; a row that only waits behind a backlog gets one extra message per two
# minutes, which a worker dismisses in one query (a second delivery renders once).
REPORTS_REQUEUE_AFTER_SECONDS = env.int("REPORTS_REQUEUE_AFTER_SECONDS", default=120)
CELERY_BEAT_SCHEDULE["reports-sweep-stale-documents"] = {
    "task": "reports.tasks.sweep_stale_documents_task",
    "schedule": REPORTS_SWEEP_SECONDS,
    "options": {"expires": REPORTS_SWEEP_SECONDS},
}

# --- Errors, outages and health (plumbing/) -----------------------------------------------------
# /healthz and /readyz are answered before any other middleware: no session, CSRF, host check,
# rate limit or redirect stands between a probe and the answer (plumbing/health.py).
MIDDLEWARE.insert(0, "plumbing.health.HealthCheckMiddleware")
# An outage raised by a view answers 503 with Retry-After (plumbing/outages.py). Before
# django-axes, which wants to stay last.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "plumbing.outages.OutageMiddleware"
)
# Seconds a client is asked to wait (Retry-After) when a service we depend on is down.
SERVICE_UNAVAILABLE_RETRY_AFTER = env.int("SERVICE_UNAVAILABLE_RETRY_AFTER", default=30)
# Seconds /readyz gives its checks of the database, the broker and storage (run at once).
READINESS_CHECK_TIMEOUT = env.float("READINESS_CHECK_TIMEOUT", default=2.0)
# A database host that does not answer must cost a request seconds, not minutes, before the
# outage is answered with a 503.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# A streaming read replica of the primary, for reads that tolerate a few seconds of lag
# (plumbing/replica.py: statistics, the queue's counts, exports), with the primary's options.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["plumbing.replica.ReplicaRouter"]
# Every API error in one envelope (plumbing/api_errors.py); a `?format=` no renderer offers is
# 406, like an Accept header none offers, instead of a 404.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "plumbing.api_errors.api_exception_handler"
REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"] = (
    "plumbing.negotiation.StrictContentNegotiation"
)
# The OpenAPI schema tells the truth (plumbing/api_schema.py): request and answer bodies are
# described apart (a request's required text may not be blank; read-only fields are only
# answered), closed request bodies and accepted codes are listed, and every operation documents
# its 406 and 503.
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "plumbing.api_schema.AutoSchema"
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True
SPECTACULAR_SETTINGS["DESCRIPTION"] += (
    " Errors are JSON: {\"code\", \"detail\"}, with \"errors\" naming bad fields; 503 comes with"
    " Retry-After. No text field takes the NUL character (U+0000)."
)
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "plumbing.api_schema.document_common_errors",
]

# --- Help and safety on the public pages (intake/safety.py) ------------------------------------
# Every public page tells someone in danger or detained right now to call 911, then lists these
# lines: a JSON list of {"name", "phone", "hours"}, each text either a string or an object by
# language ({"en": "...", "es": "..."}). List only lines someone answers at the hours given.
# Unset, development shows a made-up example and production shows 911 alone, which
# `check --deploy` warns about.
URGENT_HELP_LINES = env.json("URGENT_HELP_LINES", default=[])
# The legal aid or immigrant-rights organisation the rights page sends people to: a JSON object
# {"name", "phone", "url", "hours"}, texts as above. Unset: the page names no one.
LEGAL_HELP = env.json("LEGAL_HELP", default={})
# Where "Leave this site quickly" goes: an ordinary site that says nothing about the person
# (and, without JavaScript, the plain link's target).
QUICK_EXIT_URL = env.str("QUICK_EXIT_URL", default="https://www.weather.gov/")
# What the public pages promise: how soon a new report is first read, and how long reports are
# kept.
INTAKE_TYPICAL_FIRST_LOOK_DAYS = env.int("INTAKE_TYPICAL_FIRST_LOOK_DAYS", default=2)
REPORT_RETENTION_YEARS = env.int("REPORT_RETENTION_YEARS", default=7)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("intake.context_processors.safety_context")
# The CSRF token lives in the session, so the form leaves nothing in the browser but the
# session cookie, which ends when the browser closes.
CSRF_USE_SESSIONS = True

# --- Passwords and sessions (cases/passwords.py, cases/staff_sessions.py) -----------------------
# Staff change their password at /staff/account/password/ and reset a forgotten one by e-mail at
# /staff/password-reset/. A reset link works once and for this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Reset requests allowed per client address, and per e-mail address typed in (whether or not an
# account has it), in the same form as the intake limits above.
STAFF_PASSWORD_RESET_RATE = env.str("STAFF_PASSWORD_RESET_RATE", default="10/hour")
STAFF_PASSWORD_RESET_EMAIL_RATE = env.str("STAFF_PASSWORD_RESET_EMAIL_RATE", default="3/hour")
# "Your sessions" lists and ends sessions by their key in the session table, so sessions stay in
# the database (Django's default engine, or cached_db).
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
if SESSION_ENGINE not in (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
):
    raise ImproperlyConfigured("SESSION_ENGINE must keep sessions in the database (db, cached_db).")
CELERY_IMPORTS += ["cases.password_tasks"]
CELERY_BEAT_SCHEDULE["cases-forget-ended-staff-sessions"] = {
    "task": "cases.tasks.forget_ended_staff_sessions",
    "schedule": crontab(hour=3, minute=45),
}

# --- Keys for records at rest (plumbing/keys/) -------------------------------------------------
# What identifies people is sealed with one data key per report. The data keys are kept in
# KEYSTORE_PATH (a small SQLite file) or KEYSTORE_URL (a database of its own), never in the
# application's database, so destroying a key reaches every backup of it. Each is wrapped by
# the key-encryption keys (KEKs), which come from KEY_ENCRYPTION_KEYS (comma-separated Fernet
# keys, newest first) or, on the embedded default, from KEY_ENCRYPTION_KEY_FILE (one per
# line, newest first), which the quick start generates (`manage.py
# generate_key_encryption_key`). Keep the KEKs, the key store and the database in
# three different places, and back the key store up on its own, with a short retention: a
# purged report is unreadable in older backups once the key store's backups from before the
# purge are gone.
KEY_ENCRYPTION_KEYS = env.list("KEY_ENCRYPTION_KEYS", default=[])
KEY_ENCRYPTION_KEY_FILE = env.str(
    "KEY_ENCRYPTION_KEY_FILE", default=str(BASE_DIR / "keys" / "key-encryption-keys")
)
KEYSTORE_PATH = env.path("KEYSTORE_PATH", default=BASE_DIR / "keys" / "data-keys.sqlite3")
# With several machines: a PostgreSQL database of its own for the data keys (never the
# application's database), e.g. postgres://keys@KEYHOST/rightsdesk_keys. Empty: KEYSTORE_PATH.
KEYSTORE_URL = env.str("KEYSTORE_URL", default="")
# The key of the blind search index (plumbing/keys/blind_index.py): case search text is kept as
# keyed hashes of its words, never as the words. Outside the database like the KEKs; without
# it, a key derived from SECRET_KEY. Changing it means `manage.py rebuild_search_index`.
SEARCH_INDEX_KEY = env.str("SEARCH_INDEX_KEY", default="")

# --- Retention and legal hold (cases/retention.py, cases/legal_holds.py, reports/retention.py)
# Days a closed case is kept after it closed, by its close reason; then the daily purge
# destroys its reports' data keys and deletes it (unless it is under a legal hold). Cases that
# are not closed are never purged. A case merged into another goes with the case it was
# merged into (its reports are there), so "duplicate" applies to duplicates closed unmerged.
RETENTION_DAYS = {
    "spam": env.int("RETENTION_DAYS_SPAM", default=90),
    "duplicate": env.int("RETENTION_DAYS_DUPLICATE", default=365),
    "out_of_scope": env.int("RETENTION_DAYS_OUT_OF_SCOPE", default=365),
    "withdrawn": env.int("RETENTION_DAYS_WITHDRAWN", default=365),
    "resolved": env.int("RETENTION_DAYS_RESOLVED", default=7 * 365),
}
# How far ahead legal staff see upcoming purges (/staff/retention/upcoming/).
RETENTION_UPCOMING_DAYS = env.int("RETENTION_UPCOMING_DAYS", default=30)
# Data keys no row refers to are destroyed once they are this old (a key made for a report
# whose transaction rolled back, or a draft's whose session expired); younger ones may belong
# to a write or a draft still in progress, so keep it well above SESSION_COOKIE_AGE.
RETENTION_ORPHAN_KEY_HOURS = env.int("RETENTION_ORPHAN_KEY_HOURS", default=24)
CELERY_IMPORTS += ["reports.retention_tasks"]
CELERY_BEAT_SCHEDULE["retention-purge"] = {
    "task": "reports.retention_tasks.purge_expired_cases_task",
    "schedule": crontab(hour=4, minute=15),
}

# --- The audit chain (plumbing/audit/) ---------------------------------------------------------
# Every history row and access-log row carries an HMAC-SHA256 chained to the row before it in
# its record's chain; the key lives outside the database: AUDIT_CHAIN_KEY (at least 32
# characters), or the first line of AUDIT_CHAIN_KEY_FILE, which the quick start generates
# (`manage.py generate_audit_chain_key --if-missing`). Keep it apart from the database and its
# backups: whoever holds it can rewrite history and its hashes together.
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")
AUDIT_CHAIN_KEY_FILE = env.str(
    "AUDIT_CHAIN_KEY_FILE", default=str(BASE_DIR / "keys" / "audit-chain-key")
)
# `manage.py verify_audit` runs every night; a break is e-mailed to every active legal staff
# member (cases/audit.py).
CELERY_IMPORTS += ["cases.audit_tasks"]
CELERY_BEAT_SCHEDULE["audit-verify-nightly"] = {
    "task": "cases.audit_tasks.verify_audit_task",
    # After the purge (04:15), which deletes whole chains with their records.
    "schedule": crontab(hour=5, minute=0),
}
