"""Settings, read from the environment (see .env.example).

Production is the default: DEBUG is off unless asked for, and then SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and the broker must all be given. The only defaults that need no server (a SQLite
file and kombu's filesystem transport) are allowed with DEBUG on, for the one-command demo.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from capacity_tracker.lib.env import required_str, strict_bool, strict_int

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = strict_bool(env, "DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="demo-only-insecure-key-never-use-in-production")
else:
    SECRET_KEY = required_str(env, "SECRET_KEY", why="it signs sessions and links (DEBUG is off).")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of random text.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated).")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (no CDN)
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "providers",
    "notifications",
    "returns",
    "enforcement",
    "dissemination",
    "api",
    "capacity_tracker",  # the site itself: run_scheduled and other cross-app commands
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view's database connection error (PostgreSQL restarting) is a 503 page, not a 500.
    "capacity_tracker.db_unavailable.DatabaseUnavailableMiddleware",
    "capacity_tracker.request_guard.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Row-level history: who changed what, and from which URL (capacity_tracker/lib/history.py).
    # PostgreSQL only; taken out below for the demo's SQLite database.
    "pghistory.middleware.HistoryMiddleware",
    "capacity_tracker.no_store.NoStoreMiddleware",  # no-store for signed-in pages, downloads
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): passed a second factor
    "providers.middleware.StaffIdleTimeoutMiddleware",  # after messages: it leaves one
    "providers.middleware.TwoFactorMiddleware",  # unverified staff see the code pages only
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into a clear page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "capacity_tracker.urls"
WSGI_APPLICATION = "capacity_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "capacity_tracker.context_processors.service",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
if DEBUG:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    }
else:
    required_str(env, "DATABASE_URL", why="PostgreSQL is the database of record (DEBUG is off).")
    DATABASES = {"default": env.db_url("DATABASE_URL")}
_engine = DATABASES["default"]["ENGINE"]
if _engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at PostgreSQL (or SQLite for the demo), not {_engine}."
    )
if not DEBUG and _engine != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must be PostgreSQL when DEBUG is off; SQLite is for the demo only."
    )
# A new connection per request cost 5x throughput in a local measurement: keep them.
DATABASES["default"]["CONN_MAX_AGE"] = strict_int(env, "CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if _engine == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles each aggregate query afresh: about 0.5 s of the 0.8 s national
    # aggregate (bench/RESULTS.md) goes on compiling, and no query here runs long enough to win
    # it back.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if _engine != "django.db.backends.postgresql":
    # Row-level history is kept by PostgreSQL triggers; on the demo's SQLite there are none,
    # and pghistory's per-statement context would be SQL that SQLite cannot run.
    MIDDLEWARE.remove("pghistory.middleware.HistoryMiddleware")

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if not CELERY_BROKER_URL:
    if not DEBUG:
        raise ImproperlyConfigured("CELERY_BROKER_URL or REDIS_URL must be set when DEBUG is off.")
    # The demo needs no server: kombu's filesystem transport works across processes.
    _queue_dir = BASE_DIR / "var" / "celery-queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir / "control"),
    }
elif not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "filesystem://", "memory://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL must be a redis:// URL, not {CELERY_BROKER_URL!r}."
    )
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A dead broker must fail fast, not hold a web request: connecting gives up after a
    # second, and a command on a connection that stopped answering after five (above the
    # worker's one-second BRPOP). Work is never lost to this: it is recorded in the database
    # first and a beat tick queues again what never reached the worker (see
    # capacity_tracker/celery.py, publish_quietly).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# capacity_tracker is not a Django app, so autodiscovery misses its tasks module.
CELERY_IMPORTS = ["capacity_tracker.tasks"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"  # the beat schedule is in UTC; date rules convert to Europe/London
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = strict_bool(env, "CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Cache ----------------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        # Django's Redis cache, reusing one client per pool; an outage is a miss and a no-op
        # write with short timeouts, never an error (see capacity_tracker/redis_cache.py).
        "default": {"BACKEND": "capacity_tracker.redis_cache.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "providers.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "start"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Five wrong passwords for one account from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = strict_int(env, "AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(
    minutes=strict_int(env, "AXES_COOLOFF_MINUTES", default=30, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Our sign-in form posts the email address as "username" (Django's LoginView field name).
AXES_USERNAME_FORM_FIELD = "username"
# Failures count against the address trimmed and in lower case, however it was typed.
AXES_USERNAME_CALLABLE = "capacity_tracker.sign_in_names.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = strict_int(env, "PROXY_COUNT", default=0)
# Account requests from one address per hour: enough for a care group's office, not a flood.
REGISTER_MAX_PER_HOUR = strict_int(env, "REGISTER_MAX_PER_HOUR", default=10, minimum=1)
# With Redis, sessions are read from the cache and still written to the database (see
# capacity_tracker/sessions.py): the session read is no longer a query on every request.
# Without Redis (the demo) the cache is LocMemCache, one per process: a session changed or
# signed out in one web process would live on, stale, in another's cache (several runserver
# or gunicorn processes), so the demo keeps the plain database engine. Only web processes
# read sessions; Celery never does.
SESSION_ENGINE = "capacity_tracker.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = strict_int(env, "SESSION_COOKIE_AGE", default=60 * 60 * 2, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Staff are signed out after this long with no request (providers/middleware.py); provider
# users keep SESSION_COOKIE_AGE.
STAFF_SESSION_IDLE_MINUTES = strict_int(env, "STAFF_SESSION_IDLE_MINUTES", default=30, minimum=1)
# A password reset link works for an hour (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60
# django-otp's admin pages never show a device's secret key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = strict_bool(env, "SECURE_SSL_REDIRECT", default=not DEBUG)
if strict_bool(env, "BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else strict_int(env, "SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Email ----------------------------------------------------------------------------------
_email_url = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "")
if not _email_url:
    raise ImproperlyConfigured(
        "EMAIL_URL must be set when DEBUG is off (smtp://user:pass@host:587)."
    )
globals().update(environ.Env.email_url_config(_email_url))
# GOV.UK Notify: used instead of EMAIL_URL when a key is set. Template IDs as JSON, e.g.
# NOTIFY_TEMPLATE_IDS={"window_open": "uuid", "reminder_48h": "uuid", ...}; text messages'
# templates are "<name>_sms" ("window_open_sms", "reminder_48h_sms").
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TEMPLATE_IDS: dict[str, str] = env.json("NOTIFY_TEMPLATE_IDS", default={})
# Notify's limit is 3,000 a minute per service; stay well below it.
EMAIL_MAX_PER_MINUTE = strict_int(env, "EMAIL_MAX_PER_MINUTE", default=2400, minimum=1)
EMAIL_MAX_ATTEMPTS = strict_int(env, "EMAIL_MAX_ATTEMPTS", default=8, minimum=1)
# Text messages (contacts who tick "text messages"): sent through Notify too, with template IDs
# "window_open_sms" and "reminder_48h_sms" in NOTIFY_TEMPLATE_IDS; without Notify the text is
# printed where the console email goes (EMAIL_URL=consolemail://) or logged with the number
# masked. Their own per-minute limit, apart from email's, so neither holds up the other.
# Notify's 3,000 a minute counts every message sent with one API key, so the two limits
# together stay below it (2,400 + 500).
SMS_MAX_PER_MINUTE = strict_int(env, "SMS_MAX_PER_MINUTE", default=500, minimum=1)
# A claimed email never handed to the gateway (its worker was killed) goes back to the queue
# once its claim is this old (notifications/outbox.py). Fault tests set it low.
EMAIL_CLAIM_REQUEUE_SECONDS = strict_int(env, "EMAIL_CLAIM_REQUEUE_SECONDS", default=120, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@asc-collection.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "capacity_tracker.lib.storage.StaticStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A key first: without one, a signed-in person's session (the docs page, a browser).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
# Requests per key (or signed-in person): reads and writes counted apart. A 500-location group
# posting its month's returns sends 500 writes; the limit is to stop a runaway loop, not that.
API_RATES = {
    "api_read": env.str("API_READ_RATE", default="600/minute"),
    "api_write": env.str("API_WRITE_RATE", default="300/minute"),
}
# The largest API body: a full return is about 2 KB of JSON.
API_MAX_REQUEST_BYTES = strict_int(env, "API_MAX_REQUEST_BYTES", default=64 * 1024, minimum=1024)
# How long a key made in admin or the portal lasts unless someone chooses otherwise.
API_KEY_DEFAULT_DAYS = strict_int(env, "API_KEY_DEFAULT_DAYS", default=365, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Adult social care provider information API",
    "DESCRIPTION": (
        "Send a location's monthly return (or, as a care record supplier, a draft the provider "
        "confirms), read what is owed, and read the published aggregates and compliance "
        "figures. Authenticate with your organisation's key: `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The docs page (api/docs.py) makes no request to another origin: no online validator badge.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One name for each choice set the API uses more than once (else spectacular invents
    # hashed names like "CareType568Enum" and warns).
    "ENUM_NAME_OVERRIDES": {
        "CareTypeEnum": "providers.models.CareType",
        "KindEnum": "returns.models.ReturnKind",
    },
}

# --- Enforcement (policy values; DOMAIN 5) ---------------------------------------------------
try:
    ENFORCEMENT_START = datetime.date.fromisoformat(
        env.str("ENFORCEMENT_START", default="2023-04-01")
    )
except ValueError:
    raise ImproperlyConfigured("ENFORCEMENT_START must be a date like 2023-04-01.") from None
NOI_CONSECUTIVE_MISSES = strict_int(env, "NOI_CONSECUTIVE_MISSES", default=3, minimum=1)
NOI_MISSES_IN_YEAR = strict_int(env, "NOI_MISSES_IN_YEAR", default=4, minimum=1)
COMPLIANT_WINDOWS_TO_CLOSE = strict_int(env, "COMPLIANT_WINDOWS_TO_CLOSE", default=3, minimum=1)
NOI_REPRESENTATION_DAYS = strict_int(env, "NOI_REPRESENTATION_DAYS", default=28, minimum=14)
PENALTY_PAYMENT_DAYS = strict_int(env, "PENALTY_PAYMENT_DAYS", default=28, minimum=1)
NHSBSA_NAME = "NHS Business Services Authority"
# Where providers send representations and appeal papers: the enforcement team, not support.
ENFORCEMENT_EMAIL = env.str("ENFORCEMENT_EMAIL", default="enforcement@asc-collection.example")
ENFORCEMENT_ADDRESS = env.str(
    "ENFORCEMENT_ADDRESS",
    default="Enforcement team, NHS Business Services Authority, Stella House, Goldcrest Way, "
    "Newburn Riverside, Newcastle upon Tyne NE15 8NY",
)
# The account a final notice tells the provider to pay into. Demo values only with DEBUG on;
# in production a final notice is refused until all three are set (a notice must say how to pay).
_DEMO_ACCOUNT = DEBUG
PENALTY_PAYMENT_ACCOUNT = {
    "account_name": env.str(
        "PENALTY_ACCOUNT_NAME", default="DHSC ASC Information Penalties" if _DEMO_ACCOUNT else ""
    ),
    "sort_code": env.str("PENALTY_SORT_CODE", default="00-00-00" if _DEMO_ACCOUNT else ""),
    "account_number": env.str(
        "PENALTY_ACCOUNT_NUMBER", default="00000000" if _DEMO_ACCOUNT else ""
    ),
}

# --- Dissemination (DOMAIN 7.2) --------------------------------------------------------------
# A published figure built from fewer locations than this is suppressed (and its partners).
DISCLOSURE_MIN_LOCATIONS = strict_int(env, "DISCLOSURE_MIN_LOCATIONS", default=5, minimum=1)

# --- Service --------------------------------------------------------------------------------
SERVICE_NAME = "Submit adult social care provider information"
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@asc-collection.example")

# --- Limits ---------------------------------------------------------------------------------
# The largest body any page needs is a 5 MB CSV upload plus its form; anything bigger is
# refused with 413 before it is read (capacity_tracker/request_guard.py).
MAX_REQUEST_BYTES = strict_int(env, "MAX_REQUEST_BYTES", default=6 * 1024 * 1024, minimum=1024)
MAX_ADMIN_REQUEST_BYTES = strict_int(
    env, "MAX_ADMIN_REQUEST_BYTES", default=60 * 1024 * 1024, minimum=1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields (not files): Django's default, stated
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "capacity_tracker.lib.json_logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # fontTools (under the letters' PDF font embedding) logs every subsetting step at INFO.
        "fontTools": {"level": "WARNING"},
        # Sign-ins, failures, lock-outs, refusals, exports and admin actions, one JSON line each.
        "capacity_tracker.security": {
            "handlers": ["security"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# Row-level history (django-pghistory): see capacity_tracker/lib/history.py. The events admin
# lists the history of one object or model at a time (never all tables at once), with who made
# each change, and exports it as CSV.
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
PGHISTORY_ADMIN_CLASS = "capacity_tracker.lib.history_admin.HistoryEventsAdmin"
PGHISTORY_ADMIN_ALL_EVENTS = False
# The real time of each change, not its transaction's start: events of one request or job
# then sort in the order they happened, across tables.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
