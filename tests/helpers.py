"""Small helpers shared by the web tests."""
from django.test import Client


def signed_in(username, password):
    """Return a test client signed in as a demo user (the login must succeed)."""
    client = Client()
    assert client.login(username=username, password=password)
    return client
