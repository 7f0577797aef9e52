"""Twenty people press 保存 at the same moment. On SQLite every save waits its turn and succeeds
(it used to be 19 × "database is locked", a 500 each); on PostgreSQL each ends in success or the
Chinese concurrent-edit page (409), never a server error."""
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from assessments.models import Assessment
from tests.helpers import DEMO_PASSWORDS

pytestmark = pytest.mark.slow  # gunicorn in a subprocess, twenty threads at once
REPO = Path(__file__).resolve().parents[2]
SAVES = 20


class Browser:
    """One signed-in person speaking HTTP to a running server."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + "/"})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def csrf(self):
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def sign_in(self, username, password):
        self.request("/login/")
        status, _body = self.request("/login/", {"csrfmiddlewaretoken": self.csrf(), "username": username,
                                                 "password": password})
        assert status == 302, status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _press_save_together(browsers, path, posts):
    barrier = threading.Barrier(len(browsers))
    results = [None] * len(browsers)

    def press(i):
        barrier.wait()
        results[i] = browsers[i].request(path, {**posts[i], "csrfmiddlewaretoken": browsers[i].csrf()})

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def sqlite_server(tmp_path):
    """gunicorn (2 processes × 10 threads) on a fresh SQLite file set up as DATABASE_URL says."""
    if connection.vendor != "sqlite":  # before migrating and starting a server for nothing
        pytest.skip("the SQLite configuration is what is under test")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONDONTWRITEBYTECODE": "1"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True)
    subprocess.run([python, "manage.py", "load_demo"], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread",
         "--threads", "10", "--timeout", "120"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "w"))
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", env, tmp_path / "server.log"
    server.terminate()
    server.wait(30)


def _draft_goals_path(env):
    code = ("from assessments.models import Assessment; a = Assessment.objects.filter("
            "department__name='武汉市新洲区总工会', status='draft', kind='project_self_assessment').first();"
            "print(a.pk, a.events.count())")
    out = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True).stdout.split()[-2:]
    return int(out[0]), int(out[1])


def test_twenty_simultaneous_saves_on_sqlite_all_succeed(sqlite_server):
    base, env, log = sqlite_server
    pk, events_before = _draft_goals_path(env)
    browsers = [Browser(base) for _ in range(SAVES)]
    for browser in browsers:
        browser.sign_in("xinzhou", DEMO_PASSWORDS["xinzhou"])
        assert browser.request(f"/assessments/{pk}/edit/goals/")[0] == 200
    posts = [{"goal_expected": f"第 {i} 人的预期目标", "goal_achieved": "已完成", "action": "stay"} for i in range(SAVES)]
    results = _press_save_together(browsers, f"/assessments/{pk}/edit/goals/", posts)
    statuses = [status for status, _body in results]
    assert statuses == [302] * SAVES, (statuses, log.read_text()[-3000:])
    _pk, events_after = _draft_goals_path(env)
    assert events_after - events_before == SAVES  # every save written, none lost


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_saves_of_one_version_end_in_success_or_the_conflict_page(live_server, demo):
    if connection.vendor == "sqlite":
        pytest.skip("on SQLite, concurrent saves are the gunicorn test above (with the production SQLite settings)")
    assessment = Assessment.objects.filter(department__name="武汉市新洲区总工会", status="draft",
                                           kind="project_self_assessment").first()
    path = f"/assessments/{assessment.pk}/edit/goals/"
    browsers = [Browser(live_server.url) for _ in range(SAVES)]
    for browser in browsers:
        browser.sign_in("xinzhou", DEMO_PASSWORDS["xinzhou"])
    version = str(assessment.version)
    posts = [{"goal_expected": f"第 {i} 人的预期目标", "goal_achieved": "已完成", "action": "stay",
              "version": version} for i in range(SAVES)]
    results = _press_save_together(browsers, path, posts)
    statuses = sorted(status for status, _body in results)
    assert set(statuses) <= {302, 409}, statuses
    assert statuses.count(302) >= 1
    for status, body in results:
        if status == 409:
            assert re.search("修改|保存", body)
    # Without a version (an old page), every save waits its turn and succeeds.
    posts = [{k: v for k, v in p.items() if k != "version"} for p in posts]
    statuses = [status for status, _body in _press_save_together(browsers, path, posts)]
    assert statuses == [302] * SAVES, statuses
