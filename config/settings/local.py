"""Local development: DEBUG on unless the environment says otherwise."""
from config.env import env_bool

from .base import *  # noqa: F401,F403

DEBUG = env_bool("DEBUG", True)

# Serve static files straight from the finders (no collectstatic needed outside production).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
