"""Machine-specific settings come from the environment, with safe local defaults."""
import pytest

from config.env import BASE_DIR, ConfigError, database_from_url


def test_sqlite_urls_are_relative_to_the_project_or_absolute():
    assert database_from_url("sqlite:///var/db.sqlite3")["NAME"] == str(BASE_DIR / "var" / "db.sqlite3")
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_postgres_url_gives_every_connection_part():
    db = database_from_url("postgres://app:s%40cret@db.example:5433/budget")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql", "budget", "app", "s@cret", "db.example", "5433")


def test_an_unknown_database_scheme_is_refused():
    with pytest.raises(ConfigError):
        database_from_url("mysql://x/y")


def test_production_settings_refuse_to_start_without_a_secret_key(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@localhost/app")
    sys.modules.pop("config.settings.production", None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        importlib.import_module("config.settings.production")
