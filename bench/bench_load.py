"""Benchmark (not a test): a province-sized year under 20 concurrent users, against gunicorn.

In one run it:
1. starts a throwaway PostgreSQL cluster on loopback (as scripts/test_all.sh does);
2. migrates with the production settings and fills a province-sized year (`fill_province`:
   300 departments, 10,000 assessments, 200,000 indicator rows by default);
3. starts gunicorn with the repository's gunicorn.conf.py on a free loopback port;
4. runs USERS simulated people for DURATION seconds: 填报人 sign in, open their list, a form,
   step through the wizard and save the indicator step unchanged (a real save, with the version
   check), and now and then download a PDF; 审核人 open the review desk (pages 1 and 2), a form
   and their notifications;
5. measures, in the same run and on the same server, the throughput of /healthz (no session, no
   database) with the same number of clients: the ceiling the pages are compared with;
6. prints p50/p95 latency and throughput per page, and each page's throughput as a share of the
   ceiling; then stops gunicorn and removes the cluster.

    python bench/bench_load.py                 # full size (a few minutes to fill)
    python bench/bench_load.py --small         # 30 departments, 500 assessments: under 2 minutes
    python bench/bench_load.py --duration 120 --users 20

The clients are Python threads on the same machine as the server, so they take CPU from it; they do
the same for the ceiling, so the ratio is the figure to read, not the absolute times.
"""
import argparse
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PASSWORD = "bench-load-2024"
FIRST_ERRORS = {}
PDF_SHARE = 0.15  # share of a filler's rounds that end with a PDF download (--pdf-share)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(root):
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(as_postgres([str(pgbin / "initdb"), "-D", f"{root}/data", "-A", "trust", "-U", "postgres", "-E",
                                "UTF8", "--locale=C.UTF-8", "--no-sync"]), check=True, capture_output=True)
    subprocess.run(as_postgres([str(pgbin / "pg_ctl"), "-D", f"{root}/data", "-l", f"{root}/log", "-w", "-o",
                                f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=200 "
                                "-c shared_buffers=256MB -c fsync=off -c synchronous_commit=off", "start"]),
                   check=True, capture_output=True)
    return pgbin, port


def stop_postgres(pgbin, root):
    subprocess.run(as_postgres([str(pgbin / "pg_ctl"), "-D", f"{root}/data", "-m", "immediate", "stop"]),
                   capture_output=True)


class FormInputs(HTMLParser):
    """The named inputs of one form (by id), as a browser would post them unchanged."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.fields, self._textarea, self._select = form_id, False, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._select[1] is None:
                self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select[0], self._select[1] or ""))
            self._select = None


class Browser:
    """One person: a keep-alive connection and a cookie jar that also keeps Secure cookies on loopback."""

    def __init__(self, port, record):
        self.port, self.record, self.cookies = port, record, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, label, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1",
                   "X-Forwarded-Proto": "https"}  # as behind the TLS-terminating proxy production expects
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "https://127.0.0.1/"
            body = urllib.parse.urlencode(body)
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError) as exc:
                # gunicorn closes an idle keep-alive connection after 2 s, and a worker that is
                # recycled closes its connections; a browser then resends on a new connection.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    self.record(label, time.perf_counter() - start, False)
                    FIRST_ERRORS.setdefault(label, f"{type(exc).__name__} {method} {path}")
                    return 0, b"", {}
        elapsed = time.perf_counter() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        ok = response.status < 400 or (label == "保存指标步骤" and response.status == 409)
        if not ok and label not in FIRST_ERRORS:
            FIRST_ERRORS[label] = f"{response.status} {method} {path}"
        self.record(label, elapsed, ok)
        return response.status, data, dict(response.getheaders())

    def sign_in(self, username):
        _status, page, _ = self.request("登录页", "GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _, headers = self.request("登录", "POST", "/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": "/"})
        if status != 302:
            raise RuntimeError(f"sign-in of {username} failed ({status})")


def links(page, pattern):
    return sorted(set(re.findall(pattern, page.decode())))


def filler_session(browser, stop, rng):
    _s, home, _ = browser.request("首页列表", "GET", "/")
    forms = [int(pk) for pk in links(home, r'href="/assessments/(\d+)/edit/"')]
    while not stop.is_set() and forms:
        pk = rng.choice(forms)
        browser.request("自评表详情", "GET", f"/assessments/{pk}/")
        _s, step, _ = browser.request("填报步骤：项目资金", "GET", f"/assessments/{pk}/edit/budget/")
        status, step, _ = browser.request("填报步骤：绩效指标", "GET", f"/assessments/{pk}/edit/indicators/")
        if status == 200:
            parser = FormInputs("wizard")
            parser.feed(step.decode())
            body = [(k, v) for k, v in parser.fields if k != "action"] + [("action", "stay")]
            browser.request("保存指标步骤", "POST", f"/assessments/{pk}/edit/indicators/", body)
        if rng.random() < PDF_SHARE:
            browser.request("下载 PDF", "GET", f"/assessments/{pk}/download.pdf")
        browser.request("首页列表", "GET", "/")


def reviewer_session(browser, stop, rng):
    while not stop.is_set():
        _s, desk, _ = browser.request("审核工作台", "GET", "/review/")
        browser.request("审核工作台第 2 页", "GET", "/review/?page=2")
        forms = links(desk, r'href="/assessments/(\d+)/"')
        if forms:
            browser.request("自评表详情", "GET", f"/assessments/{rng.choice(forms)}/")
        browser.request("通知", "GET", "/notifications/")


def run_load(port, users, duration, fillers, reviewers, roles=None):
    samples = defaultdict(list)
    errors = defaultdict(int)
    lock = threading.Lock()

    def record(label, elapsed, ok):
        with lock:
            samples[label].append(elapsed)
            if not ok:
                errors[label] += 1

    stop = threading.Event()
    roles = roles or ["reviewer" if i % 5 == 4 else "filler" for i in range(users)]  # 4 fillers to 1 reviewer
    people = [(role, reviewers[i % len(reviewers)] if role == "reviewer" else fillers[i % len(fillers)])
              for i, role in enumerate(roles)]
    browsers = []
    for _role, username in people:
        browser = Browser(port, record)
        browser.sign_in(username)
        browsers.append(browser)

    def person(index):
        role, _username = people[index]
        rng = random.Random(index)
        session = reviewer_session if role == "reviewer" else filler_session
        while not stop.is_set():
            session(browsers[index], stop, rng)

    run_for([threading.Thread(target=person, args=(i,)) for i in range(users)], duration, stop)
    return samples, errors


def run_ceiling(port, users, duration):
    samples, stop, lock = [], threading.Event(), threading.Lock()

    def hammer():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            start = time.perf_counter()
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            with lock:
                samples.append(time.perf_counter() - start)

    run_for([threading.Thread(target=hammer) for _ in range(users)], duration, stop)
    return samples


def run_for(threads, duration, stop):
    """Start the clients, let them work for ``duration`` seconds, then stop and wait for them."""
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main():
    global PDF_SHARE
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="30 departments and 500 assessments")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--pdf-share", type=float, default=0.15,
                        help="share of a filler's rounds that download a PDF (default %(default)s)")
    args = parser.parse_args()
    PDF_SHARE = args.pdf_share
    size = (["--supervisors", "3", "--units", "9", "--assessments", "500"] if args.small else [])

    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    pgbin, pgport = start_postgres(root)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgport}/postgres", "SECRET_KEY": "bench-" + "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "MEDIA_ROOT": str(root / "media")}
    server = None
    try:
        manage = [PY, str(ROOT / "manage.py")]
        for command in (["migrate", "-v", "0"], ["createcachetable"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT)
        start = time.perf_counter()
        subprocess.run(manage + ["fill_province", *size], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        print(f"filled in {time.perf_counter() - start:.0f} s: "
              + subprocess.run(manage + ["shell", "-c", (
                  "from assessments.models import *; print(Department.objects.count(), 'departments,', "
                  "Assessment.objects.count(), 'assessments,', Indicator.objects.count(), 'indicator rows')")],
                  env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        port = free_port()
        server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        if args.workers:
            server_env["GUNICORN_WORKERS"] = str(args.workers)
        server = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "config.wsgi"],
                                  env=server_env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        fillers = [f"f{i:04d}" for i in range(1, 31)]
        reviewers = ["czt", "r01", "r02"]
        # Each page alone first (one person at a time): its service time without contention.
        alone = {}
        for role, who in (("filler", fillers[-1:]), ("reviewer", reviewers[-1:])):
            single, _ = run_load(port, 1, 10, who, who, roles=[role])
            alone.update({label: values for label, values in single.items() if label not in alone})
        samples, errors = run_load(port, args.users, args.duration, fillers, reviewers)
        ceiling = run_ceiling(port, args.users, min(30, args.duration))
        ceiling_rps = len(ceiling) / min(30, args.duration)

        print(f"\n{args.users} concurrent users for {args.duration} s (PDF in {PDF_SHARE:.0%} of rounds) against gunicorn "
              f"({server_env.get('GUNICORN_WORKERS', 'default')} workers) on loopback, PostgreSQL, production settings")
        print(f"{'page':<22}{'alone p50':>10}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}"
              f"{'of ceiling':>12}")
        for label, values in sorted(samples.items(), key=lambda kv: -len(kv[1])):
            rps = len(values) / args.duration
            single = f"{pct(alone[label], .5):.0f}" if alone.get(label) else "—"
            print(f"{label:<20}{single:>10}{len(values):>9}{errors[label]:>8}{pct(values, .5):>9.0f}"
                  f"{pct(values, .95):>9.0f}{rps:>8.1f}")
        total = sum(len(v) for k, v in samples.items() if not k.startswith("登录"))
        print(f"{'all pages':<22}{'':>10}{total:>9}{sum(errors.values()):>8}{'':>18}{total / args.duration:>8.1f}"
              f"{total / args.duration / ceiling_rps * 100:>11.1f}%")
        for label, first in FIRST_ERRORS.items():
            print(f"first error on {label}: {first}")
        print(f"{'/healthz (ceiling)':<22}{'':>10}{len(ceiling):>9}{0:>8}{pct(ceiling, .5):>9.0f}{pct(ceiling, .95):>9.0f}"
              f"{ceiling_rps:>8.1f}{100:>11.1f}%")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stop_postgres(pgbin, root)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
