"""Settings shared by every environment; machine-specific values come from config.env."""
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, database_from_url, env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "assessments.apps.AssessmentsConfig",
]

# Background jobs (batch exports) go through a queue kept in the database and run by a separate
# worker process: `python manage.py db_worker`. Any number of workers may run against one database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker renders PDFs in a child process that is replaced after this many forms, so memory
# stays bounded however large the batch (WeasyPrint's caches grow with every document).
BATCH_EXPORT_RECYCLE_EVERY = env_int("BATCH_EXPORT_RECYCLE_EVERY", 40)
# One person may have at most this many exports queued or running at a time.
BATCH_EXPORT_MAX_PENDING = env_int("BATCH_EXPORT_MAX_PENDING", 3)
# Forms laid out together as one WeasyPrint document in a batch, so they share the embedded fonts.
BATCH_EXPORT_CHUNK = env_int("BATCH_EXPORT_CHUNK", 20)
# Subset CJK faces prepared once (`manage.py prepare_fonts`, run by `make setup`).
# PDF downloads are laid out in this many renderer processes per web process (0: in the web
# process itself, as tests and commands do); a renderer is replaced after so many documents.
PDF_RENDERER_PROCESSES = env_int("PDF_RENDERER_PROCESSES", 0)
PDF_RENDERER_RECYCLE_EVERY = env_int("PDF_RENDERER_RECYCLE_EVERY", 100)
PDF_FONT_DIR = env_str("PDF_FONT_DIR", str(BASE_DIR / "var" / "fonts"))

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
    "config.middleware.ContentSecurityPolicyMiddleware",
    # A refusal raised by a service (AppError) ends as a message on the page the user came from.
    "assessments.web.middleware.RefusalMiddleware",
    # Last, so that it turns a refused sign-in (flagged by the backend below) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "assessments.web.context_processors.attention",
                "assessments.web.context_processors.navigation",
            ],
        },
    },
]

# SQLite under a git-ignored var/ so that `make run` works anywhere; PostgreSQL in production.
DATABASES = {"default": database_from_url(env_str("DATABASE_URL", "sqlite:///var/db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Finished batch exports are written here. With several app servers this must be a shared volume
# (or set MEDIA_ROOT to one); everything else lives in the database.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The app's own template pack (templates/plain/): the markup static/css/app.css styles, no Bootstrap
# CSS or JS to serve. The indicator grid is not drawn by crispy (hundreds of cells; entry/forms.py).
CRISPY_ALLOWED_TEMPLATE_PACKS = ("plain",)
CRISPY_TEMPLATE_PACK = "plain"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# An indicator table of 500 rows posts ~6,000 fields; Django's default of 1,000 would refuse it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# Excel import of an indicator table: only .xlsx, at most this large as uploaded and as unzipped
# (an xlsx is zipped XML; the second limit stops a small file that expands to gigabytes), and at
# most this many sheet rows and indicator rows. A real table is a few hundred kilobytes.
EXCEL_IMPORT_MAX_BYTES = env_int("EXCEL_IMPORT_MAX_BYTES", 5 * 2**20)
EXCEL_IMPORT_MAX_EXPANDED_BYTES = 50 * 2**20
EXCEL_IMPORT_MAX_ROWS = 5_000
EXCEL_IMPORT_MAX_INDICATORS = 1_000

# 佐证材料 (supporting documents): one file at most this large; the type is read from its content.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 2**20)

# Sign-in throttling (django-axes), for the app's sign-in page and /admin/login/ alike: this many
# failures per user name and address, then a pause of this long. The counts are rows in the
# database (axes' default handler), so every app server sees the same ones.
AUTHENTICATION_BACKENDS = [
    "assessments.web.auth.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "assessments.web.auth.throttle_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "assessments.web.auth.lockout_page"
AXES_HTTP_RESPONSE_CODE = 429
# Never store what was typed as the password or user name in the attempt records' POST copy.
AXES_SENSITIVE_PARAMETERS = ["username", "password", "ip_address"]

# 信息公开 (public pages without sign-in): requests per address per window (seconds), by kind,
# and how long browsers and proxies may keep a page before asking again (conditional GET).
PUBLIC_RATE_LIMITS = {
    "page": (env_int("PUBLIC_PAGE_LIMIT", 120), 60),
    "file": (env_int("PUBLIC_FILE_LIMIT", 20), 60),
}
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
# The public pages count requests and keep rendered pages in this cache, in each process's memory
# by default: anonymous traffic then costs no database write (the shared cache is the database),
# and with N app processes an address gets at most N × the limit. Point it at memcached or Redis
# to count across processes (PUBLIC_CACHE_BACKEND / PUBLIC_CACHE_LOCATION).
PUBLIC_CACHE = {
    "BACKEND": env_str("PUBLIC_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
    "LOCATION": env_str("PUBLIC_CACHE_LOCATION", "yusuan-public"),
    # Rendered pages are ~40 KB: at most ~40 MB per process.
    "OPTIONS": {"MAX_ENTRIES": 1000},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public": PUBLIC_CACHE,
}
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"
