"""Malformed requests against a running server (real sockets, not the test client's shortcut):
broken multipart bodies, bytes that are not UTF-8, oversized uploads, too many fields and random
bodies. The answer is a 4xx or a page, never a server error, and the Excel import writes nothing."""
import http.client
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment
from tests.helpers import DEMO_PASSWORDS

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(demo, live_server):
    return Session(live_server.url)


class Session:
    """A signed-in person speaking raw HTTP/1.1 to the server."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port, self.cookies = parts.hostname, parts.port, {}
        page = self.send("GET", "/login/")[1]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = self.send("POST", "/login/", f"csrfmiddlewaretoken={token}&username=xinzhou"
                              f"&password={DEMO_PASSWORDS['xinzhou']}".encode(), "application/x-www-form-urlencoded")
        assert status == 302
        self.csrf = self.cookies["csrftoken"]

    def send(self, method, path, body=None, content_type=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if content_type:
            head["Content-Type"] = content_type
        if body is not None and hasattr(self, "csrf"):
            head["X-CSRFToken"] = self.csrf
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        conn.close()
        return response.status, data


def form():
    return Assessment.objects.get(project__name="劳模经费")


def snapshot(assessment):
    assessment.refresh_from_db()
    return assessment.version, list(assessment.indicators.values_list("name", "target_text", "weight"))


BROKEN_BODIES = [
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; "
     b"filename=\"a.xlsx\"\r\n\r\nPK\x03\x04 no end boundary"),
    ("multipart/form-data; boundary=XYZ", b"--ABC\r\nnot the announced boundary\r\n--ABC--\r\n"),
    ("multipart/form-data", b"--no-boundary-parameter--"),
    ("multipart/form-data; boundary=XYZ", b"--XYZ\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n"
     b"\xff\xfe\xfd\r\n--XYZ--\r\n"),
    ("application/x-www-form-urlencoded", b"mode=%ff%fe&file=\xff\xfe"),
    ("application/json", b"{\"file\": [1, 2"),
    ("text/plain", b"\x00" * 1000),
]


@pytest.mark.parametrize("content_type,body", BROKEN_BODIES)
def test_broken_bodies_to_the_excel_import_are_refused_and_write_nothing(server, content_type, body):
    assessment = form()
    before = snapshot(assessment)
    status, _page = server.send("POST", f"/assessments/{assessment.pk}/import/indicators/", body, content_type)
    assert status < 500
    assert snapshot(assessment) == before


def test_an_upload_over_the_limit_is_refused_before_it_is_read(server):
    assessment = form()
    before = snapshot(assessment)
    body = (b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\nPK\x03\x04" + b"\x00" * (6 * 2**20) + b"\r\n--XYZ--\r\n")
    status, page = server.send("POST", f"/assessments/{assessment.pk}/import/indicators/", body,
                               "multipart/form-data; boundary=XYZ")
    assert status == 400 and "文件过大" in page.decode()
    assert snapshot(assessment) == before


def test_too_many_fields_in_a_wizard_post_is_a_400_and_nothing_is_saved(server):
    assessment = form()
    before = snapshot(assessment)
    body = "&".join(f"name={i}" for i in range(25_000)).encode()
    status, _ = server.send("POST", f"/assessments/{assessment.pk}/edit/indicators/", body,
                            "application/x-www-form-urlencoded")
    assert status == 400
    assert snapshot(assessment) == before


def test_bytes_that_are_not_utf8_in_a_wizard_post_get_a_page_not_a_server_error(server):
    assessment = form()
    status, _ = server.send("POST", f"/assessments/{assessment.pk}/edit/goals/",
                            b"goal_expected=%ff%fe%fd&goal_achieved=\xc3\x28&action=stay",
                            "application/x-www-form-urlencoded")
    assert status in (302, 400)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=3000),
       content_type=st.sampled_from(["multipart/form-data; boundary=b", "application/x-www-form-urlencoded",
                                     "application/octet-stream", "multipart/form-data"]))
def test_random_bodies_never_cause_a_server_error_and_never_import(server, body, content_type):
    assessment = form()
    before = snapshot(assessment)
    status, _ = server.send("POST", f"/assessments/{assessment.pk}/import/indicators/", body, content_type)
    assert status < 500
    assert snapshot(assessment) == before
    status, _ = server.send("POST", f"/assessments/{assessment.pk}/edit/indicators/", body, content_type)
    assert status < 500
