"""Load run (not a test): a deadline rush as people make it, with locust.

Against a server filled by ``manage.py fill_province`` (password ``bench-load-2024``), e.g. the one
``bench/bench_pages.py --keep`` leaves running, served by gunicorn with the production settings:

    locust -f bench/locustfile.py --headless -u 200 -r 5 -t 5m --reset-stats --host http://127.0.0.1:8000

Each simulated person signs in through the login form and pauses 2–5 s between pages (LOCUST_WAIT
as "2,5"). 填报人 (four in five): the list, a form, then every step of one of their editable forms,
each fetched and posted back with its ``version`` and one value changed, as a person typing does
(LOCUST_EDIT_SHARE, 1: every step; a step posted unchanged is not written), and a PDF in
LOCUST_PDF_SHARE (0.15) of their rounds. 审核人: the review desk (page 1, page 2, 已提交), a form,
通知, and a PDF as often. At the end it prints page p50/p95, PDF p50/p95 and the errors, signing in
kept apart (a person signs in once), and the CPU per request of the server and (with LOCUST_DB_PORT)
the database. The app sits behind a TLS proxy in production: requests carry
``X-Forwarded-Proto: https`` and the Secure cookies are kept by hand, as bench_load.py does.
"""
import itertools
import os
import random
import re
import statistics
from html import unescape

from locust import HttpUser, between, events, task

from bench_load import FormInputs, edited, listening_process, tree_cpu

PASSWORD = os.environ.get("LOCUST_PASSWORD", "bench-load-2024")
PDF_SHARE = float(os.environ.get("LOCUST_PDF_SHARE", "0.15"))
EDIT_SHARE = float(os.environ.get("LOCUST_EDIT_SHARE", "1"))  # steps posted with one value changed
WAIT = [float(x) for x in os.environ.get("LOCUST_WAIT", "2,5").split(",")]
FILLERS = int(os.environ.get("LOCUST_FILLERS", "300"))  # f0001… as fill_province names them
REVIEWERS = ["czt"] + [f"r{i:02d}" for i in range(1, 31)]
SIGN_IN = ("登录页", "登录（POST）")

_numbers = itertools.count()
times = {"page": [], "pdf": []}
errors = {}


@events.request.add_listener
def _record(request_type, name, response_time, exception, response=None, **_kw):
    if exception is not None:
        errors[name] = errors.get(name, 0) + 1
    if name in SIGN_IN:
        return
    times["pdf" if name == "下载 PDF" else "page"].append(response_time)


def _cpu(port):
    """CPU seconds of the program listening on ``port`` and its children (gunicorn's master, workers
    and PDF renderers; PostgreSQL's postmaster and backends), or None without a port."""
    return tree_cpu(listening_process(port)) if port else None


# CPU of the server and the database in the measured span (after --reset-stats): what the
# throughput costs, apart from the load generator's own share of this machine.
cpu = {"server_port": None, "db_port": int(os.environ.get("LOCUST_DB_PORT", "0")), "start": None}


@events.test_start.add_listener
def _start(environment, **_kw):
    from urllib.parse import urlparse

    cpu["server_port"] = urlparse(environment.host or "").port
    cpu["start"] = (_cpu(cpu["server_port"]), _cpu(cpu["db_port"]))


@events.reset_stats.add_listener
def _reset():
    # --reset-stats: the figures of the steady state, after everyone has signed in.
    times["page"].clear()
    times["pdf"].clear()
    errors.clear()
    cpu["start"] = (_cpu(cpu["server_port"]), _cpu(cpu["db_port"]))


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


@events.quitting.add_listener
def _report(environment, **_kw):
    print("\nmeasured (ms, signing in kept apart):")
    for kind, values in times.items():
        if values:
            print(f"  {kind:<5} n={len(values):>6}  p50={statistics.median(values):8.0f}  p95={_pct(values, 0.95):8.0f}"
                  f"  max={max(values):8.0f}")
    print(f"  errors: {sum(errors.values())} {errors or ''}")
    requests = len(times["page"]) + len(times["pdf"])
    server, database = _cpu(cpu["server_port"]), _cpu(cpu["db_port"])
    if requests and cpu["start"] and server is not None:
        line = f"  CPU per request: server {(server - cpu['start'][0]) / requests * 1000:.1f} ms"
        if database is not None and cpu["start"][1] is not None:
            line += f", database {(database - cpu['start'][1]) / requests * 1000:.1f} ms"
        print(line + f" ({requests} requests since the stats were reset)")


class Person(HttpUser):
    wait_time = between(*WAIT)

    def on_start(self):
        number = next(_numbers)
        self.reviewer = number % 5 == 4
        self.username = (REVIEWERS[(number // 5) % len(REVIEWERS)] if self.reviewer
                         else f"f{number % FILLERS + 1:04d}")
        self.jar = {}
        page = self.get("/login/", "登录页")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.post("/login/", "登录（POST）", {"csrfmiddlewaretoken": token, "username": self.username,
                                           "password": PASSWORD, "next": "/"})

    def _send(self, method, path, name, data=None, ok=(200, 302)):
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy sends
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        if data is not None:
            headers["Referer"] = f"https://127.0.0.1{path}"  # Django's CSRF check on HTTPS requires it
        with self.client.request(method, path, name=name, data=data, headers=headers, allow_redirects=False,
                                 catch_response=True) as response:
            self.jar.update(response.cookies.get_dict())
            if response.status_code not in ok:
                response.failure(f"{response.status_code}")
            else:
                response.success()
            return response

    def get(self, path, name, ok=(200, 302)):
        return self._send("GET", path, name, ok=ok).text

    def post(self, path, name, data, ok=(302,)):
        return self._send("POST", path, name, data=data, ok=ok)

    def page(self, path, name, **kw):
        text = self.get(path, name, **kw)
        self.wait()
        return text

    @task
    def round(self):
        if self.reviewer:
            self.reviewer_round()
        else:
            self.filler_round()

    def filler_round(self):
        home = self.page("/", "首页列表")
        editable = sorted(set(re.findall(r'href="/assessments/(\d+)/edit/"', home)))
        every = sorted(set(re.findall(r'href="/assessments/(\d+)/"', home)))
        if every:
            self.page(f"/assessments/{random.choice(every)}/", "自评表详情")
        if editable:
            self.step_through(random.choice(editable))
        if every and random.random() < PDF_SHARE:
            self.page(f"/assessments/{random.choice(every)}/download.pdf", "下载 PDF")

    def step_through(self, pk):
        page = self.page(f"/assessments/{pk}/edit/basic/", "填报：基本信息")
        steps = [(key, unescape(label)) for key, label in
                 re.findall(r'value="goto:([\w-]+)"[^>]*>\d+\. ([^<]+)</button>', page)]
        for i, (key, label) in enumerate(steps):
            if key == "preview":
                return
            if i:
                page = self.page(f"/assessments/{pk}/edit/{key}/", f"填报：{label}")
            form = FormInputs("wizard")
            form.feed(page)
            if not form.fields:  # the page did not arrive: a person does not post what they never saw
                return
            fields = edited(form.fields) if random.random() < EDIT_SHARE else form.fields
            body = [(k, v) for k, v in fields if k != "action"] + [("action", "next")]
            # 302 after a save; 409 only if someone else saved in between (nobody does here).
            if self.post(f"/assessments/{pk}/edit/{key}/", f"保存：{label}", body, ok=(302, 409)).status_code != 302:
                return
            self.wait()

    def reviewer_round(self):
        desk = self.page("/review/", "审核工作台")
        self.page("/review/?page=2", "审核工作台第 2 页")
        waiting = self.page("/review/?status=submitted", "审核工作台：已提交")
        forms = sorted(set(re.findall(r'href="/assessments/(\d+)/"', desk + waiting)))
        if forms:
            self.page(f"/assessments/{random.choice(forms)}/", "自评表详情")
        self.page("/notifications/", "通知")
        if forms and random.random() < PDF_SHARE:
            self.page(f"/assessments/{random.choice(forms)}/download.pdf", "下载 PDF")
