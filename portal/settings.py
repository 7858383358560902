"""The one settings module of the portal, driven by the environment.

Defaults work on a laptop with nothing but Python: SQLite, a database cache and a
Celery broker kept in a SQLite file (kombu's SQLAlchemy transport), with a real
worker. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis;
``DJANGO_ENV=production`` turns on the production hardening that
``manage.py check --deploy`` looks for.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django_stubs_ext
import environ

# Lets admin/QuerySet classes be subscripted for type checking at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite database, file broker, beat schedule, media

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-only-not-secret-3f9c1f0e2b7a4d58a6c1e0d9b8a7f6e5d4c3b2a1"  # noqa: S105 - laptop default
SECRET_KEY = env.str("SECRET_KEY") if PRODUCTION else env.str("SECRET_KEY", default=_DEV_SECRET)

# Key for the HMAC-SHA256 of API tokens and client secrets at rest (derived from
# SECRET_KEY when unset). Rotating it invalidates every issued credential.
CREDENTIAL_HASH_KEY = env.str("CREDENTIAL_HASH_KEY", default="")

# Public base URL of the portal: issuer of tokens, links in emails, CSRF origins.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "CMS Health Tech Ecosystem"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Under pytest (which exports PYTEST_VERSION) each xdist worker gets its own cache and
# Celery queue, so parallel test processes and a running `make run` never consume each
# other's tasks or cache entries.
TEST_RUN = "PYTEST_VERSION" in env.ENVIRON
TEST_WORKER = env.str("PYTEST_XDIST_WORKER", default="main") if TEST_RUN else ""

# Tests that need PostgreSQL/Redis/Chromium fail instead of skipping when these are set.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
REQUIRE_BROWSER = env.bool("REQUIRE_BROWSER", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "formtools",
    "oauth2_provider",
    "portal",
    "audit",
    "partners",
    "legal",
    "onboarding",
    "webhooks",
    "tokens",
    "pipeline",
    "sandbox",
]

MIDDLEWARE = [
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
                "legal.context_processors.agreements_banner",
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing, and
    # take the write lock up front so concurrent writers queue rather than deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if TEST_RUN:
        # A file, not shared-cache memory: the test thread, the live server and the
        # in-process Celery worker then wait for each other's locks instead of failing
        # at once with "database table is locked".
        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{TEST_WORKER}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and TEST_RUN:
    # Each xdist worker flushes its cache between tests: give it a Redis database of
    # its own (gw0 -> 1, gw1 -> 2, ...) so workers never wipe each other's keys or tasks.
    # (TEST_REDIS_DB_BASE moves the range, for two test runs side by side on one machine.)
    _worker_index = int(TEST_WORKER[2:]) if TEST_WORKER.startswith("gw") else 0
    _base = env.int("TEST_REDIS_DB_BASE", default=1)
    REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{_base + _worker_index}"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lib.cache.RedisCache",  # Django's, reusing redis-py clients
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif TEST_RUN:
    # One process per xdist worker (the test Celery worker runs in a thread of it).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by every process on the laptop (web workers, Celery), unlike locmem.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}}

# --- Celery ------------------------------------------------------------------------

CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Redis: redeliver a task whose worker died without acking after an hour. (The SQLAlchemy
# transport hands these options to create_engine, so it gets none.)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {"visibility_timeout": 3600} if CELERY_BROKER_URL.startswith("redis") else {}
)
CELERY_TASK_DEFAULT_QUEUE = f"test-{TEST_WORKER}" if TEST_RUN else "celery"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 30.0},
    "clear-expired-oauth-tokens": {"task": "tokens.tasks.clear_expired_oauth_tokens", "schedule": 3600.0},
    "sweep-webhook-deliveries": {"task": "webhooks.tasks.sweep", "schedule": 15.0},
    "expire-fhir-exports": {"task": "sandbox.tasks.expire_exports", "schedule": 3600.0},
}

# --- FHIR sandbox --------------------------------------------------------------------------------

# Beneficiaries seed_demo generates into the shared lake (sandbox_generate --patients N for more).
SANDBOX_DEMO_PATIENTS = env.int("SANDBOX_DEMO_PATIENTS", default=30)

# --- Webhooks (DESIGN §5) ----------------------------------------------------------------

# Seconds between attempts after each failure: 8 attempts in all, then the delivery fails.
WEBHOOKS_RETRY_DELAYS = [
    int(s) for s in env.list("WEBHOOKS_RETRY_DELAYS", default=["5", "300", "1800", "7200", "18000", "36000", "36000"])
]
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=15.0)
# An endpoint whose every attempt failed for this long is disabled and its owners emailed.
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=5 * 24 * 3600)
# Loopback receivers (127.0.0.0/8, ::1) for tests and local demos; never in production.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=TEST_RUN) and not PRODUCTION
# Retries due within this many seconds ride a Celery countdown; later ones wait for the
# sweeper (a Redis message held past the visibility timeout would be delivered twice).
WEBHOOKS_MAX_COUNTDOWN = 600
# Requests each worker process keeps in flight (one slow endpoint holds one slot only).
WEBHOOKS_SEND_CONCURRENCY = env.int("WEBHOOKS_SEND_CONCURRENCY", default=8)
WEBHOOKS_SWEEP_GRACE = 30

# --- Auth and accounts ---------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory" if PRODUCTION else "optional")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CMS Health Tech Ecosystem] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Password guessing: per IP and per account, kept in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

# --- Email ---------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CMS Health Tech Ecosystem <no-reply@portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
STAFF_NOTIFICATION_EMAILS = env.list("STAFF_NOTIFICATION_EMAILS", default=["reviewers@portal.localhost"])

# --- Static and media files ------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("PORTAL_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Internationalisation --------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ----------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (docs/deploy.md):
# the client address is the hop just left of theirs. 0 = no proxy: REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content Security Policy sent on every response (portal.middleware). No inline
# scripts anywhere; the API viewer loads its initialiser from a static file.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- OAuth 2.0 (django-oauth-toolkit) ---------------------------------------------------

OAUTH2_PROVIDER_APPLICATION_MODEL = "tokens.OAuthClient"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name (tokens.AccessContext)
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "tokens.oauth.Validator",
    "APPLICATION_ADMIN_CLASS": "tokens.admin.OAuthClientAdmin",
    "SCOPES_BACKEND_CLASS": "tokens.oauth.CatalogScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,  # 60 minutes
    "REFRESH_TOKEN_EXPIRE_SECONDS": 60 * 60 * 24 * 60,  # 60 days, rotated on use
    "ROTATE_REFRESH_TOKEN": True,
    "PKCE_REQUIRED": True,
    "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": 1000,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Loopback http redirect URIs are for sandbox apps on a laptop; production is https only.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
    # RFC 9700 (OAuth 2.0 Security BCP): enforce every recommendation django-oauth-toolkit
    # can enforce: no implicit or password grant, S256 PKCE only, no tokens in query
    # strings, ``iss`` in authorization responses, only token checksums stored at rest,
    # refresh-token rotation with reuse detection, exact redirect URI matching.
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_SCHEME",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
}

# --- REST API ------------------------------------------------------------------------------

RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
# How lib.api.ScopedAPIView authenticates partners' credentials (the floor names no app).
API_CREDENTIAL_AUTHENTICATION = "tokens.auth.BearerAuthentication"
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["lib.drf.SafeJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lib.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["lib.drf.BurstRateThrottle", "lib.drf.SustainedRateThrottle"],
    # The seed's published limits: 500 requests per minute with bursts of 30 per second.
    "DEFAULT_THROTTLE_RATES": {"burst": "30/second", "sustained": "500/minute"},
    "EXCEPTION_HANDLER": "lib.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CMS Health Tech Ecosystem API",
    "DESCRIPTION": (
        "Partner self-service API of the CMS Health Tech Ecosystem developer portal: credentials, "
        "OAuth 2.0 client registration, pipeline monitoring, webhooks and the synthetic FHIR R4 sandbox."
    ),
    "VERSION": "2026-03",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # OAuth client ids in URLs are slugs (tok_…, we_…, dlv_… ids have their own converters,
    # lib.ids.IdConverter); anything else is a 404, and the schema shows the pattern.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.add_error_responses",
    ],
}

# --- Logging ---------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logformat.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.logformat.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": env.str("LOG_FORMAT", default="json"),
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own console handler would print errors a second time, unformatted.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
