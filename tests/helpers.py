"""Small helpers shared by the tests: the demo's people and test clients signed in as them."""
import json
from pathlib import Path

from django.test import Client

import assessments

# The demo's user names and passwords, read from the file `load_demo` reads (one source).
ORGANISATION = Path(assessments.__file__).resolve().parent / "demo" / "organisation.json"
DEMO_PASSWORDS = {user["username"]: user["password"]
                  for user in json.loads(ORGANISATION.read_text(encoding="utf-8"))["users"]}


def signed_in(username, password=None):
    """Return a test client signed in as ``username`` (the login must succeed).

    A demo user's password is looked up; anyone else's is given.
    """
    client = Client()
    assert client.login(username=username, password=password or DEMO_PASSWORDS[username])
    return client
