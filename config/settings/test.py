"""Test settings: the database comes from DATABASE_URL (SQLite by default, PostgreSQL in CI)."""
from .base import *  # noqa: F401,F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files straight from the finders (no collectstatic needed outside production).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# SQLite: the test database is a file in memory-backed /dev/shm rather than Django's shared
# in-memory database. With the latter, the live server's threads share the test thread's one
# connection, so a browser request still in flight (an autosave) when a test ends can corrupt
# savepoints and lock the tables for every later test. A file gives each thread its own
# connection, with the same locking as production, at in-memory speed.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    import os as _os
    import tempfile as _tempfile

    _shm = "/dev/shm" if _os.path.isdir("/dev/shm") and _os.access("/dev/shm", _os.W_OK) else _tempfile.gettempdir()
    DATABASES["default"]["TEST"] = {"NAME": _os.path.join(_shm, f"yusuan-test-{_os.getpid()}.sqlite3")}  # noqa: F405
