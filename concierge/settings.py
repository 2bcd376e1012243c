"""Settings, read from the environment (django-environ).

Defaults give the embedded set-up of `make run`: a SQLite file under `var/`, the django-q2
ORM broker, console e-mail and Stripe in local mode. Production sets `DATABASE_URL`,
`REDIS_URL`, `DJANGO_SECRET_KEY` and the Stripe keys.
"""

from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; nothing is required to be there

# The test suite selects `concierge.settings_test` (pyproject's DJANGO_SETTINGS_MODULE),
# which imports this module and relaxes what tests need. Nothing here depends on how the
# process was started: production never falls back to a built-in key or lifts a guard.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "concierge.api.fallbacks.csrf_failure"

# HTTPS. Secure by default when debug is off (`check --deploy` has nothing to say); each
# can be turned off or tuned under cookiecutter-django's names. Behind a TLS-terminating
# proxy, DJANGO_SECURE_PROXY_SSL_HEADER names the header it sets, e.g.
# `HTTP_X_FORWARDED_PROTO,https`, so that requests (and feed URLs) are seen as https.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
_proxy_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "DJANGO_SECURE_PROXY_SSL_HEADER is `HEADER,value`, e.g. HTTP_X_FORWARDED_PROTO,https."
    )
# The health check answers load balancers over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files, no CDN
    "django_q",
    "djstripe",
    "django_htmx",
    "template_partials",
    "csp",
    "concierge",
    "concierge.accounts",
    "assistants",
    "billing",
    "calendar_sync",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # What a request records in the audit log comes from the API, the admin or the portal.
    "concierge.audit.OriginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "concierge.api.languages.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A browser session whose row was ended (sessions list, logout everywhere) signs out;
    # a person of MFA_REQUIRED_ROLES without a second factor is sent to enrolment.
    "concierge.accounts.middleware.AccountSessionMiddleware",
    "concierge.timezones.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "concierge.web.middleware.PortalMiddleware",
]

ROOT_URLCONF = "concierge.urls"
WSGI_APPLICATION = "concierge.wsgi.application"
ASGI_APPLICATION = "concierge.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "concierge.web.context.portal",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'concierge.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing with "database is locked"
    # (concurrent webhook deliveries and the qcluster share the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # The test database is a file, not memory: threads and the end-to-end server
    # processes share it. (Only the test runner reads TEST.)
    # TEST_SQLITE_NAME lets two runs on one checkout keep apart.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_SQLITE_NAME", default=str(VAR_DIR / "test.sqlite3"))
    }
# Persistent connections: each process (a gunicorn worker, a django-q2 worker) keeps its
# connection for this many seconds instead of opening one per request (0: one per
# request), and checks it still works before reusing it after a request or a job.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # No JIT compilation: every query here reads a page or a few aggregates, and when a
    # cost estimate crosses `jit_above_cost` compiling takes longer than running (30 to
    # 400 ms measured on the lists and workloads, against a few ms of execution).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "concierge.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The portal speaks English and French: the browser's language picks, the footer's switch
# (a cookie) and the account's language override it.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The service's zone: billing periods and workload weeks are cut in it. Stored times are UTC.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
# WhiteNoise serves static files under gunicorn. Production serves the hashed, compressed
# copies `collectstatic` writes; development (and the test settings) read the apps'
# static/ folders.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The portal: session sign-in, sent back where the visitor was going.
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:app"
LOGOUT_REDIRECT_URL = "portal:home"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="concierge@localhost")
# SMTP (`django.core.mail.backends.smtp.EmailBackend`): where and how to send.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds; below the job timeout
# The file-based backend (`django.core.mail.backends.filebased.EmailBackend`) writes each
# message under this directory: a way to watch what is sent.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))

REDIS_URL = env.str("REDIS_URL", default="")

# --- Accounts ---------------------------------------------------------------------------
# An API token unused this long stops working (the client logs in again).
TOKEN_IDLE_TIMEOUT_SECONDS = env.int("TOKEN_IDLE_TIMEOUT_SECONDS", default=14 * 24 * 3600)
# Every door that takes a secret is throttled (concierge/accounts/throttles.py): attempts
# per client address, and failed attempts per account (the owner is told by e-mail when
# their account is locked for a while).
THROTTLE_RATES = {
    # Sign-in (portal, API token, admin, second-factor codes), per address.
    "login": env.str("THROTTLE_LOGIN_RATE", default="10/min"),
    # Failed sign-ins per account, from any address.
    "login_account": env.str("THROTTLE_LOGIN_ACCOUNT_RATE", default="20/hour"),
    # Sign-up (portal and API), per address.
    "register": env.str("THROTTLE_REGISTER_RATE", default="5/hour"),
    # Password-reset and verification e-mails asked for, per address and per account.
    "email": env.str("THROTTLE_EMAIL_RATE", default="5/hour"),
    "email_account": env.str("THROTTLE_EMAIL_ACCOUNT_RATE", default="3/hour"),
    # Links and keys presented (password reset confirm, e-mail verification), per address.
    "link": env.str("THROTTLE_LINK_RATE", default="20/hour"),
}
# `mandatory`: a new account signs in once its address is verified; `optional`: a
# verification e-mail is sent, nothing waits for it; `none`: no e-mail at all.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
if ACCOUNT_EMAIL_VERIFICATION not in ("mandatory", "optional", "none"):
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION is mandatory, optional or none.")
# How long a verification link and a password-reset link work.
ACCOUNT_EMAIL_VERIFICATION_SECONDS = env.int(
    "ACCOUNT_EMAIL_VERIFICATION_SECONDS", default=3 * 24 * 3600
)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Roles that must sign in with a second factor (comma-separated; empty: none). Debug on
# (`make run`): none, so the demo people sign in with their password alone.
MFA_REQUIRED_ROLES = [
    role.strip()
    for role in env.list("MFA_REQUIRED_ROLES", default=[] if DEBUG else ["manager", "assistant"])
    if role.strip()
]
# A vault reveal, an erasure, a change of e-mail, password or second factor need the
# password (or a code) given within this many seconds.
REAUTH_SECONDS = env.int("REAUTH_SECONDS", default=300)
# The portal's address in e-mailed links (`https://portal.example.com`); empty: the
# address of the request that sent the e-mail (a host of DJANGO_ALLOWED_HOSTS).
PORTAL_URL = env.str("PORTAL_URL", default="").rstrip("/")
# The issuer an authenticator app shows beside the account.
MFA_ISSUER = env.str("MFA_ISSUER", default="Concierge")

# Caches. Throttle counters live in the `throttle` cache, shared by every process: Redis
# when there is one, else a table of the database (`migrate` creates it), never a
# process's memory.
if REDIS_URL:
    _redis_cache = {
        # Falls back to a per-process memory cache while Redis is unreachable.
        "BACKEND": "concierge.platform.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "concierge-cache",
    }
    CACHES = {"default": _redis_cache, "throttle": _redis_cache}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "concierge_throttle_cache",
            # Room for many addresses and accounts: a full table drops a third of its
            # rows, which would let a spray of new names wipe someone's lock-out.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
THROTTLE_CACHE = "throttle"

# --- Django REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Both answer in the user's own time zone (concierge/timezones.py).
        "concierge.api.authentication.ExpiringTokenAuthentication",
        "concierge.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    # Proxies in front of the service whose X-Forwarded-For hop is trusted for the client
    # address (throttling); 0: the connection's address.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "concierge.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "concierge.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "concierge.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Concierge API",
    "DESCRIPTION": "Virtual-assistant and concierge subscription service.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "concierge.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PlanKindEnum": "billing.models.PlanKind",
        "InvoiceKindEnum": "billing.models.InvoiceKind",
        "InvoiceLineKindEnum": "billing.models.LineKind",
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "SubscriptionStatusEnum": "billing.models.SubscriptionStatus",
        "TimeEntryStatusEnum": "assistants.models.TimeEntryStatus",
        "TimeEntrySourceEnum": "assistants.models.TimeEntrySource",
        "VaultItemKindEnum": "concierge.models.VaultItemKind",
    },
}

# --- Background jobs (django-q2) --------------------------------------------------------
Q_CLUSTER = {
    "name": "concierge",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 120,
    "retry": 180,  # above timeout: a job is never handed out twice while still running
    "max_attempts": 5,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    # Lets Q_CLUSTER_NAME (read by django-q2 from the environment) give a cluster a queue
    # of its own on a shared broker, as the suite's clusters do on CI's one Redis.
    "ALT_CLUSTERS": {},
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# The job outbox (concierge.platform.outbox): a worker leases a job for longer than the
# cluster's timeout; the sweep hands a job over again once its last hand-over is this old.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=Q_CLUSTER["timeout"] + 30)
OUTBOX_REDISPATCH_SECONDS = env.int("OUTBOX_REDISPATCH_SECONDS", default=Q_CLUSTER["retry"])
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=5000)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=14)
# An Idempotency-Key claim left "in progress" by an older release expires after this
# (above any request timeout: gunicorn's default is 30 s).
IDEMPOTENCY_CLAIM_SECONDS = env.int("IDEMPOTENCY_CLAIM_SECONDS", default=300)

# --- Payments (dj-stripe). No keys: local mode, invoices kept locally. ------------------
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
STRIPE_TEST_SECRET_KEY = env.str("STRIPE_TEST_SECRET_KEY", default="")
STRIPE_LIVE_SECRET_KEY = env.str("STRIPE_LIVE_SECRET_KEY", default="")
# Another Stripe API server (a local test peer). Defined only when given: dj-stripe warns
# (djstripe.W002) whenever the setting exists with debug off.
if env.str("STRIPE_API_HOST", default=""):
    STRIPE_API_HOST = env.str("STRIPE_API_HOST")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
# dj-stripe verifies each delivery's signature and stores it; the callback queues a job
# that applies it (billing.webhooks), so a slow or failing handler never fails the POST.
# dj-stripe 2.11 warns that this setting is deprecated (a system check without an id;
# billing/checks.py drops exactly that message). Its suggested replacement, the webhook
# signals, still runs dj-stripe's own processing inside the request, and when that fails
# the whole block rolls back, taking a job queued from a signal with it. Keep the callback
# until dj-stripe offers another way to hand a verified delivery to a queue.
DJSTRIPE_WEBHOOK_EVENT_CALLBACK = "billing.webhooks.queue_webhook"
# The portal takes cards with Stripe.js (loaded from Stripe, as PCI rules require, and only
# when this key is set); the resulting PaymentMethod id goes to the card service.
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
STRIPE_ENABLED = bool(STRIPE_LIVE_SECRET_KEY if STRIPE_LIVE_MODE else STRIPE_TEST_SECRET_KEY)

# --- Content-Security-Policy (django-csp) -----------------------------------------------
# Scripts and styles only from our own static files: no inline script or style, no
# eval; a template that needs an inline script gives it `nonce="{{ request.csp_nonce }}"`.
# No page may be framed (frame-ancestors 'none', as X-Frame-Options DENY). Stripe.js and
# its frames are allowed only when the card form can load it (a publishable key).
_stripe_origin = "/".join(STRIPE_JS_URL.split("/")[:3])
_stripe = bool(STRIPE_PUBLISHABLE_KEY)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, *([_stripe_origin] if _stripe else [])],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, *(["https://api.stripe.com"] if _stripe else [])],
        "frame-src": [*([_stripe_origin, "https://hooks.stripe.com"] if _stripe else [NONE])],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
# Prices of plans and packs are stated excluding VAT unless this is set.
BILLING_PRICES_INCLUDE_TAX = env.bool("BILLING_PRICES_INCLUDE_TAX", default=False)
# No invoice is issued before the seller's identity is recorded (billing/seller/).
BILLING_REQUIRE_SELLER = env.bool("BILLING_REQUIRE_SELLER", default=not DEBUG)
# Reminders of an unpaid invoice, in days after its due date.
BILLING_REMINDER_DAYS = env.list("BILLING_REMINDER_DAYS", cast=int, default=[7, 15, 30])
# Reconciliation looks only at invoices finalised (or paid) at least this long ago.
BILLING_RECONCILE_AFTER_SECONDS = env.int("BILLING_RECONCILE_AFTER_SECONDS", default=600)

# --- Domain settings ----------------------------------------------------------------------
TIME_DISPUTE_DAYS = env.int("TIME_DISPUTE_DAYS", default=7)
TIMER_MAX_HOURS = env.int("TIMER_MAX_HOURS", default=10)
# How far back an assistant may date a time entry; managers may go further (history of a
# migrated customer), never before 2000.
TIME_BACKDATE_DAYS = env.int("TIME_BACKDATE_DAYS", default=30)
# Promised deadline = estimate + max(50 % of the estimate, 4 working hours), never
# earlier than requested.
DEADLINE_BUFFER_RATIO = env.float("DEADLINE_BUFFER_RATIO", default=0.5)
DEADLINE_BUFFER_MIN_HOURS = env.int("DEADLINE_BUFFER_MIN_HOURS", default=4)
AUTO_COMPLETE_DAYS = env.int("AUTO_COMPLETE_DAYS", default=3)
# Outside URLs (ICS import, CalDAV) may not target private or loopback ranges unless allowed.
ALLOW_PRIVATE_FETCH = env.bool("ALLOW_PRIVATE_FETCH", default=False)
# The time one outside calendar may take to parse and expand (seconds), in its own process.
CALENDAR_IMPORT_SECONDS = env.float("CALENDAR_IMPORT_SECONDS", default=20)
# Keys for secrets encrypted at rest (Fernet), newest first: the newest encrypts, all
# decrypt (concierge/platform/crypto.py). The key derived from SECRET_KEY is always accepted for
# reading. FIELD_ENCRYPTION_KEY, a single key, is still read when the list is not set.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or env.list(
    "FIELD_ENCRYPTION_KEY", default=[]
)

# --- Files attached to tasks (concierge/attachments) --------------------------------------
# Kept in a private storage, read only through the views that check who may see them.
# By default the local filesystem under DJANGO_MEDIA_ROOT; with ATTACHMENTS_S3_BUCKET set,
# S3-compatible object storage (django-storages), so that several app servers share them.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
ATTACHMENTS_S3_BUCKET = env.str("ATTACHMENTS_S3_BUCKET", default="")
# How long a pre-signed download URL of object storage works, in seconds.
ATTACHMENT_URL_SECONDS = env.int("ATTACHMENT_URL_SECONDS", default=60)
if ATTACHMENTS_S3_BUCKET:
    from boto3.s3.transfer import TransferConfig

    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env.str("ATTACHMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("ATTACHMENTS_S3_REGION", default="") or None,
            # Empty: boto3 finds credentials itself (environment, instance role).
            "access_key": env.str("ATTACHMENTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("ATTACHMENTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("ATTACHMENTS_S3_PREFIX", default=""),
            "addressing_style": env.str("ATTACHMENTS_S3_ADDRESSING_STYLE", default="") or None,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": ATTACHMENT_URL_SECONDS,
            "file_overwrite": False,
            # An upload goes up in 8 MB parts, two at a time: at most 16 MB of a file in
            # memory, whatever its size.
            "transfer_config": TransferConfig(
                multipart_threshold=8 * 1024 * 1024,
                multipart_chunksize=8 * 1024 * 1024,
                max_concurrency=2,
            ),
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "attachments"), "base_url": None},
    }
# Limits: bytes per file, bytes per task (all its files), files per task.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
ATTACHMENT_TASK_MAX_BYTES = env.int("ATTACHMENT_TASK_MAX_BYTES", default=250 * 1024 * 1024)
ATTACHMENT_TASK_MAX_FILES = env.int("ATTACHMENT_TASK_MAX_FILES", default=50)
# Images are decoded to be cleaned (concierge/attachments/images.py): at most this many
# pixels (50 million: a 48-megapixel phone photo; about 200 MB while decoding).
ATTACHMENT_IMAGE_MAX_PIXELS = env.int("ATTACHMENT_IMAGE_MAX_PIXELS", default=50_000_000)
# A vault document is encrypted as one message (Fernet), in memory: a smaller limit.
VAULT_DOCUMENT_MAX_BYTES = env.int("VAULT_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Behind nginx (X-Accel-Redirect) or Apache/lighttpd (X-Sendfile), local files can be sent
# by the proxy once the view has checked access: "x-accel-redirect" with the internal
# location ATTACHMENT_ACCEL_PREFIX that maps to MEDIA_ROOT/attachments, or "x-sendfile".
ATTACHMENT_SENDFILE = env.str("ATTACHMENT_SENDFILE", default="")
ATTACHMENT_ACCEL_PREFIX = env.str("ATTACHMENT_ACCEL_PREFIX", default="/protected-attachments/")
if ATTACHMENT_SENDFILE not in ("", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("ATTACHMENT_SENDFILE is x-accel-redirect, x-sendfile or empty.")
# Uploads are counted, hashed and written to a temporary file as they arrive, and stop
# being kept past ATTACHMENT_MAX_BYTES (concierge/attachments/uploads.py).
FILE_UPLOAD_HANDLERS = ["concierge.attachments.uploads.LimitedUploadHandler"]
# A malware scan of each upload by clamd, when configured: a Unix socket, or host and port.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
