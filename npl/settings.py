"""Settings from environment variables, with safe defaults for `make run` (see .env.example)."""
import os
from pathlib import Path

import dj_database_url

from npl.core.keys import load_or_create, new_fernet_key, new_hash_key, new_secret_key
from npl.documents.fonts import KNOWN_FONT_FILES

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# Owner-only files and folders for everything the server writes (ID numbers and phones sit in uploads and
# generated files): set before the data dir and its keys are made. NPL_UMASK=022 restores the usual.
os.umask(int(os.environ.get("NPL_UMASK", "077"), 8))
DATA_DIR = Path(os.environ.get("NPL_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or load_or_create(DATA_DIR, "secret_key", new_secret_key)
# ID numbers and phones at rest: Fernet key for encryption, HMAC key for matching.
NPL_FERNET_KEY = os.environ.get("NPL_FERNET_KEY") or load_or_create(DATA_DIR, "fernet_key", new_fernet_key)
NPL_HASH_KEY = os.environ.get("NPL_HASH_KEY") or load_or_create(DATA_DIR, "hash_key", new_hash_key)

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# System checks an operator has chosen to silence, e.g. core.W001 until next year's holiday schedule is entered.
SILENCED_SYSTEM_CHECKS = [c.strip() for c in os.environ.get("NPL_SILENCED_CHECKS", "").split(",") if c.strip()]

NPL_DISTRICT_NAME = os.environ.get("NPL_DISTRICT_NAME", "西岭区")
NPL_BANK_NAME = os.environ.get("NPL_BANK_NAME", "农村商业合作银行")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "npl.core",
    "npl.org",
    "npl.accounts",
    "npl.loans",
    "npl.intake",
    "npl.categories",
    "npl.litigation",
    "npl.collection",
    "npl.refinance",
    "npl.campaigns",
    "npl.waivers",
    "npl.documents",
    "npl.likelihood",
    "npl.advice",
    "npl.reports",
    "npl.api",
    "npl.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "npl.core.busy.BusyMiddleware",  # a page that waited too long for a lock: 503 and why, nothing written
    "npl.core.derived.ReadingMiddleware",  # a page reads the stored rows' completeness days once
    # Last: it marks the report pages' reads for a replica (process_view) once the others have run.
    "npl.core.replicas.ReplicaMiddleware",
]

ROOT_URLCONF = "npl.urls"
WSGI_APPLICATION = "npl.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "npl" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "npl.accounts.context.role_context",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'npl.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: the report and dashboard counts over
# every loan pass it, and compiling took 0.5 s of the district home's 1.1 s clock count at 100,000 loans (EXPLAIN
# ANALYZE) while saving nothing on a query that short. Off for our sessions unless NPL_PG_JIT=1.
NPL_PG_JIT = os.environ.get("NPL_PG_JIT", "") == "1"


# How long a web request waits for a row another transaction holds (a large import holds its district's stored
# totals to its end) before its page says the system is busy (npl.core.busy). The `npl` command line sets 0: no bound.
NPL_PG_LOCK_TIMEOUT = int(os.environ.get("NPL_PG_LOCK_TIMEOUT", "20"))
# Memory per sort or hash of a statement (PostgreSQL's work_mem) for the `npl` command line, which npl.cli sets
# (default 256MB): the set-wise derivers and reports test each loan against lists of loans or borrowers (a roster's
# members, the loans repaid after a day) that PostgreSQL hashes only while a list fits in work_mem; past it, at the
# server's default 4MB, it scanned the list once per loan: at a million loans the memberships of one category took
# more than half an hour instead of seconds. Pages keep the server's setting (many sessions at once, small lists).
NPL_PG_WORK_MEM = os.environ.get("NPL_PG_WORK_MEM", "")


def _pg_session(db: dict) -> None:
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    opts = db.setdefault("OPTIONS", {})
    if not NPL_PG_JIT:
        opts["options"] = f"{opts.get('options', '')} -c jit=off".strip()
    if NPL_PG_LOCK_TIMEOUT > 0:
        opts["options"] = f"{opts.get('options', '')} -c lock_timeout={NPL_PG_LOCK_TIMEOUT}s".strip()
    if NPL_PG_WORK_MEM:
        opts["options"] = f"{opts.get('options', '')} -c work_mem={NPL_PG_WORK_MEM}".strip()


_pg_session(DATABASES["default"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the background worker write while pages read.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 30}
    )
    # The covering indexes' INCLUDE columns (the worklist's, the clocks', the loans') serve PostgreSQL's index-only
    # scans; SQLite builds the same indexes on their keys alone, which is all it needs. Without this every command
    # on SQLite printed three warnings a clerk could do nothing about.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Read replicas (docs/scale.md): PostgreSQL standbys fed by the primary's streaming replication, as URLs
# separated by commas, e.g. postgres://npl@10.0.0.2:5432/npl. They become the aliases replica1..n; the router
# (npl.core.routers) sends only the reads of the report, dashboard and export pages to them (the list is in
# npl.core.replicas.REPLICA_VIEWS), keeps a person's reads on the primary for NPL_REPLICA_STICKY_SECONDS after
# they write, and skips a replica that does not answer within NPL_REPLICA_CONNECT_TIMEOUT seconds or replays
# more than NPL_REPLICA_MAX_LAG_SECONDS behind the primary (checked at most every NPL_REPLICA_CHECK_SECONDS;
# a failed one is left alone for NPL_REPLICA_RETRY_SECONDS). Writes and migrations only ever go to default.
# Under tests each replica is a mirror of the test database (the same NAME on the replica's server): a physical
# standby holds every database of its primary, the test database included.
NPL_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("NPL_REPLICA_CONNECT_TIMEOUT", "2"))
for _n, _url in enumerate((u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()), 1):
    _replica = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ValueError(f"DATABASE_REPLICA_URLS: replica {_n} is not a PostgreSQL URL (streaming replication is PostgreSQL's)")
    _replica.setdefault("OPTIONS", {})["connect_timeout"] = NPL_REPLICA_CONNECT_TIMEOUT
    _replica["TEST"] = {"MIRROR": "default"}
    _pg_session(_replica)
    DATABASES[f"replica{_n}"] = _replica
NPL_REPLICA_ALIASES = [alias for alias in DATABASES if alias.startswith("replica")]
NPL_REPLICA_STICKY_SECONDS = int(os.environ.get("NPL_REPLICA_STICKY_SECONDS", "10"))
NPL_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("NPL_REPLICA_MAX_LAG_SECONDS", "30"))
NPL_REPLICA_CHECK_SECONDS = float(os.environ.get("NPL_REPLICA_CHECK_SECONDS", "5"))
NPL_REPLICA_RETRY_SECONDS = float(os.environ.get("NPL_REPLICA_RETRY_SECONDS", "30"))
DATABASE_ROUTERS = ["npl.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Refused: one like the username or name (e.g. equal to it), shorter than 10, among the 20,000 most common, all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = int(os.environ.get("NPL_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Behind nginx/gunicorn: how many proxies stand in front, so lockouts and reveal logs see the client's IP.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("NPL_PROXY_COUNT", "0")) or None

SESSION_COOKIE_AGE = int(os.environ.get("NPL_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Served over HTTPS (behind nginx or another proxy that terminates TLS): NPL_HTTPS=true, or the older
# NPL_SECURE_COOKIES=true. Then cookies are HTTPS-only, plain HTTP is redirected, browsers are told to use
# HTTPS only (HSTS), and the proxy's X-Forwarded-Proto says whether a request came in over HTTPS — the proxy
# must set that header itself (nginx: proxy_set_header X-Forwarded-Proto $scheme;), never pass the client's.
HTTPS = env_bool("NPL_HTTPS", env_bool("NPL_SECURE_COOKIES", False))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("NPL_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("NPL_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("NPL_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "npl" / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and env_bool("NPL_COMPRESS_STATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
# Uploaded and generated files hold full ID numbers and phones: owner-only, in owner-only folders. The umask
# umask (set at the top) covers every file this process writes itself: import copies, document batches, the
# SQLite file, the cache.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
MEDIA_ROOT.chmod(0o700)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# File-based cache: shared by the web process and the task worker (import progress lives here, since the
# import's own transaction hides its progress from other connections until it commits).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

# Uploads larger than this are previewed and imported by the background worker (`npl db_worker`).
# An import writing at least this many rows refreshes the planner's statistics (core.bulk.refresh_planner_statistics).
NPL_ANALYZE_AFTER_ROWS = int(os.environ.get("NPL_ANALYZE_AFTER_ROWS", "5000"))
NPL_BACKGROUND_IMPORT_BYTES = int(os.environ.get("NPL_BACKGROUND_IMPORT_BYTES", str(1024 * 1024)))
# Upload limits, checked before a file is read (intake/readers.py): its size, the unpacked size of an .xlsx's
# zip parts and their compression ratio (a zip bomb is refused before calamine inflates it), and data rows.
NPL_IMPORT_MAX_FILE_MB = int(os.environ.get("NPL_IMPORT_MAX_FILE_MB", "50"))
NPL_IMPORT_MAX_UNPACKED_MB = int(os.environ.get("NPL_IMPORT_MAX_UNPACKED_MB", "300"))
NPL_IMPORT_MAX_RATIO = int(os.environ.get("NPL_IMPORT_MAX_RATIO", "100"))
NPL_IMPORT_MAX_ROWS = int(os.environ.get("NPL_IMPORT_MAX_ROWS", "300000"))
# Document batches above this many loans are made by the worker (a township's PDF takes minutes of WeasyPrint);
# their files are kept owner-only under MEDIA_ROOT until downloaded or this many days old.
NPL_BACKGROUND_DOCUMENT_LOANS = int(os.environ.get("NPL_BACKGROUND_DOCUMENT_LOANS", "50"))
NPL_DOCUMENT_BATCH_KEEP_DAYS = int(os.environ.get("NPL_DOCUMENT_BATCH_KEEP_DAYS", "3"))
# Font files covering Chinese, tried in order when fontconfig offers none (charts register the one found
# with matplotlib, whatever its font cache holds). Paths separated by ":".
NPL_CJK_FONT_FILES = [p for p in os.environ.get("NPL_CJK_FONT_FILES", "").split(os.pathsep) if p] or list(KNOWN_FONT_FILES)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("NPL_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Failed API token attempts per client address before its token requests are refused (429) for the window.
NPL_API_TOKEN_FAILURE_LIMIT = int(os.environ.get("NPL_API_TOKEN_FAILURE_LIMIT", "20"))
NPL_API_TOKEN_FAILURE_WINDOW = int(os.environ.get("NPL_API_TOKEN_FAILURE_WINDOW", "600"))

REST_FRAMEWORK = {
    # -- npl.api (issue #8): token first, so a request without credentials is a 401 with WWW-Authenticate --
    "DEFAULT_SCHEMA_CLASS": "npl.api.schema.NplAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "npl.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "npl.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "npl 区级不良贷款清收平台 API",
    "DESCRIPTION": "与页面相同的范围和业务规则；金额为字符串（元，两位小数）；错误统一为 {\"error\": {\"code\", \"message\", \"fields\"}}。见 docs/api.md。",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # -- npl.api (issue #8) --
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Several models name their state `status`: each choice set gets its own stable enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LoanStatusEnum": "npl.loans.choices.LoanStatus",
        "BatchStatusEnum": "npl.intake.choices.BatchStatus",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/semantic.html"

# Category rule default; the live value is the `large_mortgage_threshold` Setting row.
NPL_LARGE_MORTGAGE_THRESHOLD = os.environ.get("NPL_LARGE_MORTGAGE_THRESHOLD", "1000000.00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "npl.audit": {"handlers": ["console"], "level": os.environ.get("NPL_AUDIT_LOG_LEVEL", "WARNING")},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
