"""Benchmark (not a test): a province-sized year under 20 concurrent users, against gunicorn.

In one run it:
1. starts a throwaway PostgreSQL cluster on loopback in a temporary directory (as
   scripts/test_all.sh does: initdb -A trust, pg_ctl start on a free port, as the postgres user
   through runuser when run as root);
2. migrates with the production settings (config.settings.production: SECRET_KEY, DATABASE_URL
   and ALLOWED_HOSTS from the environment, database sessions and cache, WhiteNoise manifest; only
   STATIC_ROOT is moved into the temporary directory, so the checkout is not written) and fills a province-sized year with `manage.py fill_province` (300 departments, 10,000 forms,
   200,000 indicator rows by default);
3. starts gunicorn with the repository's gunicorn.conf.py on a free loopback port;
4. runs USERS simulated people for DURATION seconds, each signing in through the real login form
   (CSRF token and all): 填报人 open their list, a form, then step through the whole wizard of one
   of their editable forms — each step fetched, then posted back with its `version` field and one
   value changed (``--edit-share``, default every step; an unchanged step is not written), which is
   a real save through the optimistic-concurrency check — and now and then
   download a PDF; 审核人 open the review desk (page 1, page 2, the 已提交 filter), a form and 通知;
5. measures, in the same run and on the same server, the throughput of /ping (the trivial view: a
   session and its signed-in user, no template; what issue 14's saturation target divides by) with
   the same number of clients: the ceiling; and of /healthz (no session, no database) for reference;
6. prints per page: requests, errors, p50/p95 latency, throughput and its share of the ceiling
   (and each page's latency alone, one person at a time, measured before the crowd arrives);
7. with --profile, signs in in-process and lists each page's queries and the slowest of them with
   its EXPLAIN ANALYZE (against the same filled database);
8. stops gunicorn and removes the cluster (also on Ctrl-C or failure).

    python bench/bench_load.py                   # full size: about 2 minutes to fill, 3 to measure
    python bench/bench_load.py --small           # 30 departments, 500 forms: under 2 minutes
    python bench/bench_load.py --duration 120 --users 20 --pdf-share 0 --profile

Production settings over plain HTTP: the app is meant to sit behind a TLS-terminating proxy
(SECURE_PROXY_SSL_HEADER), so the clients send `X-Forwarded-Proto: https` as that proxy would and
SECURE_SSL_REDIRECT=false is set (config/settings/production.py reads it); the Secure session and
CSRF cookies are then handled exactly as in production (the clients' own cookie jar keeps them on
loopback). Nothing else is changed from production.

The clients are threads on the same machine as the server and the database, so they take CPU
from them; they do the same for the ceiling, so the ratio is the figure to read, not the
absolute times.
"""
import argparse
import hashlib
import http.client
import json
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
import unicodedata
import urllib.parse
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PASSWORD = "bench-load-2024"  # fill_province's default

HOST = "127.0.0.1"


# ---------------------------------------------------------------------------------------------
# The throwaway database and server
# ---------------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(root):
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name.split(".")[0]))
    if not bins:
        sys.exit("no PostgreSQL server binaries in /usr/lib/postgresql; run scripts/system_deps.sh")
    pgbin = bins[-1]
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(as_postgres([str(pgbin / "initdb"), "-D", f"{root}/data", "-A", "trust", "-U", "postgres",
                                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]), check=True, capture_output=True)
    options = (f"-c listen_addresses={HOST} -p {port} -k {root} -c max_connections=200 -c shared_buffers=256MB "
               "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
    subprocess.run(as_postgres([str(pgbin / "pg_ctl"), "-D", f"{root}/data", "-l", f"{root}/log", "-w",
                                "-o", options, "start"]), check=True, capture_output=True)
    return pgbin, port


def stop_postgres(pgbin, root):
    subprocess.run(as_postgres([str(pgbin / "pg_ctl"), "-D", f"{root}/data", "-m", "immediate", "stop"]),
                   check=False, capture_output=True)


def wait_for(port, server, log):
    for _ in range(150):
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}):\n" + Path(log).read_text()[-3000:])
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz within 30 s")


# ---------------------------------------------------------------------------------------------
# A person with a browser
# ---------------------------------------------------------------------------------------------
class FormInputs(HTMLParser):
    """The named inputs of one form (by id), as a browser would post them unchanged."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields, self._textarea, self._select = form_id, False, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file", "search"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None and ("selected" in a or self._select[1] is None):
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text.removeprefix("\n")))  # as browsers drop a leading newline
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select[0], self._select[1] or ""))
            self._select = None


# What a person changes on a step before going on, in order of preference: a free-text field (a trailing "。"
# added or taken away), else the first 执行数 (moved by 0.01 up or down): so the post is a real save.
EDITED_TEXT = ("goal_achieved", "improvements", "source", "implementing_unit")


def edited(fields):
    """Return the ``(name, value)`` pairs of a step's form with one value changed as a person typing would."""
    fields = list(fields)
    names = [name for name, _value in fields]
    for name in EDITED_TEXT + ("executed",):
        if name in names:
            i = names.index(name)
            value = fields[i][1]
            if name != "executed":
                fields[i] = (name, value[:-1] if value.endswith("。") else value + "。")
            else:
                try:
                    amount = Decimal(value or "0")
                except InvalidOperation:
                    continue
                fields[i] = (name, str(amount + (Decimal("-0.01") if int(amount * 100) % 2 else Decimal("0.01"))))
            return fields
    return fields


class Browser:
    """One person: a keep-alive connection and a cookie jar (which keeps the Secure cookies on loopback)."""

    def __init__(self, port, record):
        self.port, self.record, self.cookies = port, record, {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, label, method, path, body=None, ok_statuses=(200, 302)):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy sends
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"  # Django's CSRF check on HTTPS requires it
            body = urllib.parse.urlencode(body)
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError) as exc:
                # gunicorn closes an idle keep-alive connection after 2 s and a recycled worker
                # closes its connections; a browser then resends on a new connection.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                if attempt == 2:
                    self.record(label, time.perf_counter() - start, f"{type(exc).__name__} {method} {path}")
                    return 0, b""
        elapsed = time.perf_counter() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        error = None if response.status in ok_statuses else f"{response.status} {method} {path}"
        self.record(label, elapsed, error)
        return response.status, data

    def sign_in(self, username):
        _status, page = self.request("登录页", "GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("登录（POST）", "POST", "/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": "/"})
        if status != 302:
            raise RuntimeError(f"sign-in of {username} failed ({status})")


def links(page, pattern):
    return sorted(set(re.findall(pattern, page.decode())))


def step_through(browser, pk, rng, edit_share):
    """Open a form's wizard and go through every step: fetch it, post it back (with one value changed in
    ``edit_share`` of the steps, else unchanged, as clicking through), go on."""
    _status, page = browser.request("填报入口（跳到上次的步骤）", "GET", f"/assessments/{pk}/edit/", ok_statuses=(302,))
    status, page = browser.request("填报：基本信息", "GET", f"/assessments/{pk}/edit/basic/")
    steps = [(key, unescape(label)) for key, label in
             re.findall(r'value="goto:([\w-]+)"[^>]*>\d+\. ([^<]+)</button>', page.decode())]
    for i, (key, label) in enumerate(steps):
        if i:
            status, page = browser.request(f"填报：{label}", "GET", f"/assessments/{pk}/edit/{key}/")
        if status != 200 or key == "preview":
            return
        form = FormInputs("wizard")
        form.feed(page.decode())
        fields = edited(form.fields) if rng.random() < edit_share else form.fields
        body = [(k, v) for k, v in fields if k != "action"] + [("action", "next")]
        # 302 on to the next step; 409 only if someone else saved in between (nobody does here).
        status, _ = browser.request(f"保存：{label}", "POST", f"/assessments/{pk}/edit/{key}/", body,
                                    ok_statuses=(302, 409))
        if status != 302:
            return


def filler_round(browser, rng, pdf_share, edit_share):
    _s, home = browser.request("首页列表", "GET", "/")
    editable = links(home, r'href="/assessments/(\d+)/edit/"')
    every = links(home, r'href="/assessments/(\d+)/"')
    if every:
        browser.request("自评表详情", "GET", f"/assessments/{rng.choice(every)}/")
    if editable:
        step_through(browser, rng.choice(editable), rng, edit_share)
    if every and rng.random() < pdf_share:
        browser.request("下载 PDF", "GET", f"/assessments/{rng.choice(every)}/download.pdf")


def reviewer_round(browser, rng, pdf_share, edit_share):
    _s, desk = browser.request("审核工作台", "GET", "/review/")
    browser.request("审核工作台第 2 页", "GET", "/review/?page=2")
    _s, waiting = browser.request("审核工作台：已提交", "GET", "/review/?status=submitted")
    forms = links(desk, r'href="/assessments/(\d+)/"') + links(waiting, r'href="/assessments/(\d+)/"')
    if forms:
        browser.request("自评表详情", "GET", f"/assessments/{rng.choice(forms)}/")
    browser.request("通知", "GET", "/notifications/")
    if forms and rng.random() < pdf_share:
        browser.request("下载 PDF", "GET", f"/assessments/{rng.choice(forms)}/download.pdf")


class Recorder:
    def __init__(self):
        self.samples, self.errors, self.first_error, self.lock = defaultdict(list), defaultdict(int), {}, threading.Lock()

    def __call__(self, label, elapsed, error):
        with self.lock:
            self.samples[label].append(elapsed)
            if error:
                self.errors[label] += 1
                self.first_error.setdefault(label, error)


def run_people(port, people, duration, pdf_share, edit_share=1.0):
    """``people`` is a list of (role, username); each signs in, then works until the time is up."""
    recorder, stop = Recorder(), threading.Event()

    def person(index, role, username):
        rng = random.Random(index)
        browser = Browser(port, recorder)
        browser.sign_in(username)
        work = reviewer_round if role == "reviewer" else filler_round
        while not stop.is_set():
            work(browser, rng, pdf_share, edit_share)

    threads = [threading.Thread(target=person, args=(i, *p), daemon=True) for i, p in enumerate(people)]
    run_for(threads, duration, stop)
    return recorder


def run_ceiling(port, users, duration, path="/ping", username=None):
    """``users`` clients requesting ``path`` without pause: /ping (the trivial view: a session and its
    signed-in user, the floor every page is measured against; all clients share one sign-in) or /healthz."""
    recorder, stop = Recorder(), threading.Event()
    cookies = {}
    if path == "/ping":
        first = Browser(port, Recorder())
        first.sign_in(username)
        cookies = first.cookies

    def hammer():
        browser = Browser(port, recorder)
        browser.cookies = dict(cookies)
        while not stop.is_set():
            browser.request(path, "GET", path, ok_statuses=(200,))

    run_for([threading.Thread(target=hammer, daemon=True) for _ in range(users)], duration, stop)
    return recorder


def listening_process(port):
    """The process listening on ``port`` on this machine (gunicorn's master, PostgreSQL's postmaster), or None.

    The socket is reported for one of the processes sharing it (a gunicorn worker, forked with its
    master's command line): climb to the first of them.
    """
    import psutil

    pids = [c.pid for c in psutil.net_connections(kind="tcp")
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid]
    if not pids:
        return None
    process = psutil.Process(pids[0])
    while (parent := process.parent()) is not None and parent.cmdline() == process.cmdline():
        process = parent
    return process


def tree_cpu(root):
    """CPU seconds of ``root`` and every process below it (0 for None)."""
    import psutil

    total = 0.0
    for process in [root, *root.children(recursive=True)] if root is not None else []:
        try:
            t = process.cpu_times()
        except psutil.Error:  # ended meanwhile: its parent has counted it among its children
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class CpuMeter:
    """CPU seconds spent by the server (gunicorn, its workers and renderers), the database (the
    postmaster listening on the port and its backends) and these clients: on a machine shared by all
    three, throughput alone says as much about the clients as about the server."""

    def __init__(self, server_pid, db_port):
        import psutil

        self.server, self.database = psutil.Process(server_pid), listening_process(db_port)

    def sample(self):
        import psutil

        own = psutil.Process().cpu_times()
        return {"server": tree_cpu(self.server), "database": tree_cpu(self.database),
                "clients": own.user + own.system}

    @staticmethod
    def spent(before, after):
        return {k: after[k] - before[k] for k in before}


def run_for(threads, duration, stop):
    """Start the clients, let them work for ``duration`` seconds, then stop them and wait."""
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join(timeout=180)


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------
def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(text, size, left=False):
    pad = " " * max(0, size - width(text))
    return text + pad if left else pad + text


def print_table(rows):
    sizes = [max(width(str(r[i])) for r in rows) + 2 for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("".join(cell(str(v), sizes[i], left=(i == 0)) for i, v in enumerate(row)).rstrip())
        if n == 0:
            print("-" * sum(sizes))


def report(load, alone, ceiling, duration, ceiling_duration, healthz=None):
    ceiling_rps = len(ceiling.samples["/ping"]) / ceiling_duration
    rows = [("page", "alone p50 ms", "requests", "errors", "p50 ms", "p95 ms", "req/s", "of ceiling")]
    order = sorted(load.samples.items(), key=lambda kv: (kv[0].startswith("登录"), -len(kv[1])))
    for label, values in order:
        rps = len(values) / duration
        single = alone.samples.get(label)
        rows.append((label, f"{pct(single, .5):.0f}" if single else "—", len(values), load.errors[label],
                     f"{pct(values, .5):.0f}", f"{pct(values, .95):.0f}", f"{rps:.1f}", f"{rps / ceiling_rps:.2%}"))
    pages = [v for k, v in load.samples.items() if not k.startswith("登录")]
    every = [x for v in pages for x in v]
    total = len(every)
    rows.append(("all pages (without sign-in)", "", total, sum(n for k, n in load.errors.items() if not k.startswith("登录")),
                 f"{pct(every, .5):.0f}", f"{pct(every, .95):.0f}", f"{total / duration:.1f}",
                 f"{total / duration / ceiling_rps:.2%}"))
    h = ceiling.samples["/ping"]
    rows.append(("/ping (ceiling: session + user)", f"{pct(alone.samples.get('/ping', []), .5):.0f}", len(h),
                 ceiling.errors["/ping"], f"{pct(h, .5):.0f}", f"{pct(h, .95):.0f}", f"{ceiling_rps:.1f}", "100%"))
    if healthz is not None:  # no session, no database: what gunicorn and the middleware cost alone
        z = healthz.samples["/healthz"]
        rows.append(("/healthz (no session)", "", len(z), healthz.errors["/healthz"], f"{pct(z, .5):.0f}",
                     f"{pct(z, .95):.0f}", f"{len(z) / ceiling_duration:.1f}",
                     f"{len(z) / ceiling_duration / ceiling_rps:.0%}"))
    print_table(rows)
    for label, first in {**load.first_error, **ceiling.first_error}.items():
        print(f"first error on {label}: {first}")


# ---------------------------------------------------------------------------------------------
# --profile: each page's queries, in-process against the same database
# ---------------------------------------------------------------------------------------------
def profile_pages(users):
    """Print each page's query count and time, and EXPLAIN ANALYZE of its slowest query."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assessments.core import selectors
    from assessments.models import Assessment

    User = get_user_model()
    slowest_overall = []
    for username in users:
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        client.force_login(user)
        mine = selectors.assessment_list_for(user=user)
        editable = mine.filter(status=Assessment.Status.DRAFT, department__in=selectors.departments_fillable_by(user=user))
        form = editable.first() or mine.first()
        pages = [("首页列表", "/"), ("通知", "/notifications/")]
        if selectors.is_reviewer(user=user):
            pages += [("审核工作台", "/review/"), ("审核工作台第 2 页", "/review/?page=2"),
                      ("审核工作台：已提交", "/review/?status=submitted")]
        if form:
            pages += [("自评表详情", f"/assessments/{form.pk}/")]
            if editable.filter(pk=form.pk).exists():
                pages += [("填报：绩效指标", f"/assessments/{form.pk}/edit/indicators/")]
        print(f"\n{username} ({mine.count()} forms in scope)")
        for label, path in pages:
            client.get(path)  # warm
            best = None
            for _ in range(3):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    client.get(path)
                    elapsed = time.perf_counter() - start
                if best is None or elapsed < best[0]:
                    best = (elapsed, list(ctx.captured_queries))
            elapsed, queries = best
            sql_ms = sum(float(q["time"]) for q in queries) * 1000
            top = max(queries, key=lambda q: float(q["time"]))
            print(f"  {label:<16} {elapsed * 1000:7.1f} ms, {len(queries):2d} queries, SQL {sql_ms:6.1f} ms; "
                  f"slowest {float(top['time']) * 1000:.1f} ms")
            slowest_overall.append((float(top["time"]), f"{username} {label}", top["sql"]))
    print("\nslowest queries, EXPLAIN ANALYZE:")
    seen = set()
    for seconds, where, sql in sorted(slowest_overall, reverse=True)[:4]:
        if sql in seen:
            continue
        seen.add(sql)
        shown = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.DOTALL)
        print(f"\n-- {where}: {seconds * 1000:.1f} ms\n{shown[:700]}{' …' if len(shown) > 700 else ''}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql)  # once to warm the caches, as a pooled connection is
            cursor.execute("EXPLAIN ANALYZE " + sql)
            plan = [line for (line,) in cursor.fetchall()]
        for line in plan if len(plan) <= 30 else [*plan[:27], "…", *plan[-2:]]:
            print("   " + line)


# ---------------------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="30 departments and 500 forms (under 2 minutes)")
    parser.add_argument("--departments", type=int, default=300)
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, help="indicator rows in all (default 20 per form)")
    parser.add_argument("--users", type=int, default=20, help="concurrent people (default %(default)s)")
    parser.add_argument("--reviewers", type=float, default=0.2, help="share of them that are 审核人 (default %(default)s)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default %(default)s)")
    parser.add_argument("--alone", type=int, default=10, help="seconds of one person per role before (0: skip)")
    parser.add_argument("--workers", type=int, help="GUNICORN_WORKERS (default: gunicorn.conf.py's, 2 × cores + 1)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py's, 2)")
    parser.add_argument("--pdf-share", type=float, default=0.15,
                        help="share of a person's rounds that end with a PDF download (default %(default)s)")
    parser.add_argument("--edit-share", type=float, default=1.0,
                        help="share of posted steps with one value changed (default %(default)s; 0: clicked through unchanged)")
    parser.add_argument("--database-url", help="a database fill_province already filled (skips the cluster and the fill)")
    parser.add_argument("--profile", action="store_true", help="after the load, each page's queries and EXPLAIN")
    parser.add_argument("--profile-only", help=argparse.SUPPRESS)  # internal: run in the server's environment
    args = parser.parse_args()
    if args.profile_only:
        return profile_pages(json.loads(args.profile_only))
    if args.small:
        args.departments, args.assessments = 30, 500

    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    pgbin = None
    if args.database_url:
        url = args.database_url
    else:
        pgbin, pgport = start_postgres(root)
        url = f"postgres://postgres@{HOST}:{pgport}/postgres"
    # The production settings as they are, but collectstatic writes into the temporary directory
    # rather than the checkout's var/staticfiles (STATIC_ROOT is not read from the environment).
    (root / "settings").mkdir()
    (root / "settings" / "bench_production.py").write_text(
        f"from config.settings.production import *  # noqa: F403\nSTATIC_ROOT = {str(root / 'static')!r}\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_production",
           "PYTHONPATH": os.pathsep.join([str(root / "settings"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "DATABASE_URL": url, "SECRET_KEY": "bench-load-" + "x" * 50,
           "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "false", "MEDIA_ROOT": str(root / "media"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    server = None
    try:
        manage = [PY, str(ROOT / "manage.py")]
        for command in (["migrate", "-v", "0"], ["createcachetable"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT)
        size = ["--departments", str(args.departments), "--assessments", str(args.assessments)]
        if args.indicators:
            size += ["--indicators", str(args.indicators)]
        if not args.database_url:
            start = time.perf_counter()
            filled = subprocess.run(manage + ["fill_province", *size], env=env, check=True, cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip().splitlines()
            print(f"filled in {time.perf_counter() - start:.0f} s: {filled[-2]}\n{filled[-1]}")

        port = free_port()
        log = root / "gunicorn.log"
        server_env = {**env, "GUNICORN_BIND": f"{HOST}:{port}"}
        if args.workers:
            server_env["GUNICORN_WORKERS"] = str(args.workers)
        if args.threads:
            server_env["GUNICORN_THREADS"] = str(args.threads)
        with open(log, "wb") as out:
            server = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "config.wsgi"],
                                      env=server_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        wait_for(port, server, log)

        # People: 填报人 of departments across the province (a 主管部门 itself owns its F2 and F3 too),
        # 审核人 from the finance bureau (all 10,000 forms) and 主管部门 (a tenth each of theirs).
        departments = args.departments
        heads = max(1, round(departments / 10))
        reviewers_n = max(1, round(args.users * args.reviewers))
        fillers = [f"f{1 + (i * 37) % departments:04d}" for i in range(args.users - reviewers_n)]
        reviewers = (["czt"] + [f"r{1 + i % heads:02d}" for i in range(reviewers_n)])[:reviewers_n]
        people = [("filler", u) for u in fillers] + [("reviewer", u) for u in reviewers]

        alone = Recorder()
        if args.alone:
            for role, who in (("filler", fillers[0]), ("reviewer", reviewers[0])):
                single = run_people(port, [(role, who)], args.alone, pdf_share=0.3)
                for label, values in single.samples.items():
                    alone.samples.setdefault(label, values)
            alone.samples["/ping"] = run_ceiling(port, 1, 3, username=fillers[0]).samples["/ping"]
        meter = CpuMeter(server.pid, int(urllib.parse.urlparse(url).port or 5432))
        before = meter.sample()
        load = run_people(port, people, args.duration, args.pdf_share, args.edit_share)
        load_cpu = CpuMeter.spent(before, meter.sample())
        ceiling_duration = max(10, min(30, args.duration // 2))
        before = meter.sample()
        ceiling = run_ceiling(port, args.users, ceiling_duration, username=fillers[0])
        ceiling_cpu = CpuMeter.spent(before, meter.sample())
        healthz = run_ceiling(port, args.users, ceiling_duration, path="/healthz")

        workers = server_env.get("GUNICORN_WORKERS", f"{2 * os.cpu_count() + 1} (default)")
        threads = server_env.get("GUNICORN_THREADS", "2 (default)")
        print(f"\n{len(fillers)} 填报人 ({', '.join(fillers[:3])} …) and {len(reviewers)} 审核人 ({', '.join(reviewers)}) "
              f"for {args.duration} s, PDF in {args.pdf_share:.0%} of rounds, {args.edit_share:.0%} of steps changed; gunicorn {workers} workers × {threads} "
              f"threads on {os.cpu_count()} cores; PostgreSQL and clients on the same machine; production settings")
        report(load, alone, ceiling, args.duration, ceiling_duration, healthz)
        # Server CPU (gunicorn and PostgreSQL) per request: what the throughput would be if the
        # server had the machine to itself; sign-ins counted apart (a person signs in once a day).
        start = time.process_time()  # a sign-in's password check: Django's PBKDF2, 1,000,000 rounds
        hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), b"salt" * 4, 1_000_000)
        SIGN_IN_CPU = time.process_time() - start
        pages = sum(len(v) for k, v in load.samples.items() if not k.startswith("登录"))
        signins = len(load.samples.get("登录（POST）", []))
        pings = len(ceiling.samples["/ping"])
        print(f"\nCPU seconds, load phase ({args.duration} s): server {load_cpu['server']:.1f}, database "
              f"{load_cpu['database']:.1f}, clients {load_cpu['clients']:.1f}; /ping phase ({ceiling_duration} s): "
              f"server {ceiling_cpu['server']:.1f}, database {ceiling_cpu['database']:.1f}, clients {ceiling_cpu['clients']:.1f}")
        per_ping = (ceiling_cpu["server"] + ceiling_cpu["database"]) / pings
        # A sign-in is mostly its password hash (≈ 0.4 s of CPU): taken out of the pages' share.
        per_page = (load_cpu["server"] + load_cpu["database"] - signins * SIGN_IN_CPU) / pages
        print(f"server + database CPU per request: /ping {per_ping * 1000:.2f} ms, page {per_page * 1000:.2f} ms "
              f"(after {signins} sign-ins at ≈ {SIGN_IN_CPU * 1000:.0f} ms each); pages per CPU-second "
              f"{1 / per_page:.0f} against /ping's {1 / per_ping:.0f}: {per_ping / per_page:.1%}")
        server_errors = [line for line in log.read_text(errors="replace").splitlines()
                         if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line]
        if server_errors:
            print(f"\ngunicorn log: {len(server_errors)} error lines, first: {server_errors[0]}")

        if args.profile:
            subprocess.run([PY, __file__, "--profile-only", json.dumps([reviewers[0], fillers[0]])],
                           env=env, cwd=ROOT, check=True)
        print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if pgbin:
            stop_postgres(pgbin, root)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
