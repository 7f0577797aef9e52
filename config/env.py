"""Read machine-specific configuration from the environment, in one place."""
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def env_str(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url):
    """Return a DATABASES entry for a sqlite:/// or postgres:// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////tmp/x absolute.
        name = Path(unquote(parsed.path)[1:])
        if not name.is_absolute():
            name = BASE_DIR / name
        # Several threads and processes (web, queue worker) share the file. A transaction that
        # starts as a reader and then writes cannot wait for the lock (SQLite answers "database is
        # locked" at once), so every transaction takes the write lock when it begins (IMMEDIATE)
        # and waits up to `timeout` seconds for it; readers go on while one writes (WAL).
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name),
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ConfigError(f"DATABASE_URL scheme not supported: {parsed.scheme!r}")


def env_int(name, default=0):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)
