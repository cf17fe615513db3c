"""Settings, driven by the environment.

Everything that differs between a laptop, CI and a county deployment comes from environment
variables read through the typed helpers in ``dangjian.core.env``. Secrets never live here: they
come from the key file under ``var/`` (created on first run) or from ``*_FILE`` / environment
variables.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from whitenoise.compress import Compressor

from dangjian.core.env import env_bool, env_int, env_list, env_str
from dangjian.core.keys import load_keyring

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DANGJIAN_VAR_DIR", str(BASE_DIR / "var")))

# development | test | production. Production turns on every deployment hardening.
ENVIRONMENT = env_str("DANGJIAN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=False)
# An audit entry under an undeclared name raises (tests, development) or is logged (production).
AUDIT_STRICT_NAMES = env_bool("DANGJIAN_AUDIT_STRICT_NAMES", default=DEBUG)

KEYRING = load_keyring(VAR_DIR, create=not PRODUCTION)
SECRET_KEY = KEYRING.secret_key

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.notifications",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.governance",
    "dangjian.dashboard",
    "dangjian.demo",
]

MIDDLEWARE = [
    "dangjian.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dangjian.accounts.middleware.IdleTimeoutMiddleware",
    "dangjian.accounts.middleware.AccountGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.core.middleware.DatabaseUnavailableMiddleware",
    "dangjian.core.middleware.NotVisibleMiddleware",
    "dangjian.core.middleware.MethodNotAllowedPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "dangjian.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite in var/ by default, PostgreSQL when DATABASE_URL is set. ---------------
DEFAULT_SQLITE = VAR_DIR / "dangjian.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DEFAULT_SQLITE),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so writers queue instead of failing
                # half-way; WAL lets readers continue while one writer works.
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT", 5),
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "dangjian.accounts.validators.PolicyPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Defaults of the password and session policy; 安全管理员 edits the live values in the
# SecurityPolicy row, these only seed it.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 30)

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures for one username summed over every address (0 turns the cap off); twice the
# per-address limit, so one mistyping user never trips it alone (docs/adr/0009).
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 2 * AXES_FAILURE_LIMIT)
AXES_HANDLER = "dangjian.accounts.lockout.AccountCapHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "国企党建监管平台"
OTP_TOTP_TOLERANCE = 1

SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Production hardening ---------------------------------------------------------------------
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("DJANGO_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Filters that leave a choice open say so in the words of the page.
FILTERS_EMPTY_CHOICE_LABEL = "全部"

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("DANGJIAN_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
BACKUP_DIR = Path(env_str("DANGJIAN_BACKUP_DIR", str(VAR_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploads kept by dangjian.core.files (encrypted blobs under MEDIA_ROOT/files); an
    # S3-compatible backend can replace it here without code changes (ADR 0013).
    "stored_files": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cache-busting; whitenoise serves them as immutable for ten years) with gzip
    # and brotli copies, made by collectstatic: `make run`, the deployment and the browser tests'
    # server collect first (ADR 0028). DJANGO_DEBUG serves the sources as they are edited.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Only hashed names are kept and compressed; source maps (read by developer tools only) are not
# compressed, which keeps collectstatic to seconds.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so an anonymous API call gets 401 with a WWW-Authenticate header.
        "dangjian.accounts.authentication.ApiTokenAuthentication",
        "dangjian.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dangjian.core.apiconf.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.core.apiconf.exception_handler",
    "PAGE_SIZE": 50,
}
# Personal API tokens (ADR 0008): the longest validity a user may choose.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 180)
SPECTACULAR_SETTINGS = {
    "TITLE": "国企党建监管平台 API",
    "DESCRIPTION": "组织体系、账号授权与审计的接口。所有对象均按调用者的授权范围过滤。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Background jobs --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# An uploaded workbook is parsed in a child process with these limits (members.workbook.sandbox).
IMPORT_PARSE_MEMORY_MB = env_int("IMPORT_PARSE_MEMORY_MB", 2048)
IMPORT_PARSE_SECONDS = env_int("IMPORT_PARSE_SECONDS", 120)
# At most this many parser children run at once on this machine (all web and job workers), so
# their memory stays bounded too; the check before parsing may take this long in a request.
IMPORT_PARSE_CONCURRENCY = env_int("IMPORT_PARSE_CONCURRENCY", 2)
IMPORT_CHECK_SECONDS = env_int("IMPORT_CHECK_SECONDS", 30)
# The job worker (``manage.py job_worker``) beats every few seconds; /healthz calls it degraded
# once the last beat is older than WORKER_STALE_SECONDS.
WORKER_HEARTBEAT_FILE = VAR_DIR / "run" / "job-worker.json"
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 30)
# Uploads of failed, invalid and finished imports are deleted this many days after their last
# activity; the job row stays.
IMPORT_UPLOAD_RETENTION_DAYS = env_int("IMPORT_UPLOAD_RETENTION_DAYS", 7)
# The scheduler (``manage.py scheduler``, ADR 0011) looks for due jobs every SCHEDULER_TICK_SECONDS
# and beats like the worker; its run records are kept SCHEDULER_RUN_RETENTION_DAYS, and its
# nightly backup keeps the newest BACKUP_KEEP backups in BACKUP_DIR.
SCHEDULER_TICK_SECONDS = env_int("SCHEDULER_TICK_SECONDS", 5)
SCHEDULER_HEARTBEAT_FILE = VAR_DIR / "run" / "scheduler.json"
SCHEDULER_HEARTBEAT_SECONDS = env_int("SCHEDULER_HEARTBEAT_SECONDS", 5)
SCHEDULER_STALE_SECONDS = env_int("SCHEDULER_STALE_SECONDS", 30)
SCHEDULER_RUN_RETENTION_DAYS = env_int("SCHEDULER_RUN_RETENTION_DAYS", 30)
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)

# --- Notifications (docs/adr/0012) --------------------------------------------------------------
# Development prints e-mails on the console; production sends through SMTP.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "国企党建监管平台 <noreply@localhost>")
# The address users reach the platform at, for the links in e-mails.
PLATFORM_URL = env_str("PLATFORM_URL", "http://127.0.0.1:8000")
# A failed e-mail is retried after 1, 2, 4 … minutes (at most the cap), up to the attempt limit.
NOTIFY_EMAIL_MAX_ATTEMPTS = env_int("NOTIFY_EMAIL_MAX_ATTEMPTS", 8)
NOTIFY_EMAIL_RETRY_SECONDS = env_int("NOTIFY_EMAIL_RETRY_SECONDS", 60)
NOTIFY_EMAIL_RETRY_CAP_SECONDS = env_int("NOTIFY_EMAIL_RETRY_CAP_SECONDS", 6 * 3600)
# A row left "sending" this long (its worker was killed) is given back to the sweep.
NOTIFY_EMAIL_CLAIM_SECONDS = env_int("NOTIFY_EMAIL_CLAIM_SECONDS", 600)

# --- Logging: one JSON object per line, with the request id. -----------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dangjian.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "dangjian.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# --- Platform ---------------------------------------------------------------------------------
# Where the Django admin would be mounted; empty keeps it off (the default).
ADMIN_PATH = env_str("DJANGO_ADMIN_PATH", "")
SILENCED_SYSTEM_CHECKS: list[str] = []
