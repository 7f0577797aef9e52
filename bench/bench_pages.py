"""Benchmark (not a test): every page in-process on a province database, beside the trivial view.

    python bench/bench_pages.py                  # PostgreSQL cluster + fill_province (full size), then measure
    python bench/bench_pages.py --small          # 30 departments, 500 forms
    python bench/bench_pages.py --keep           # leave the filled cluster running and print its DATABASE_URL
    python bench/bench_pages.py --database-url postgres://postgres@127.0.0.1:PORT/postgres   # reuse it

Each page is requested through Django's test client with the production settings (database sessions
and cache) in one process, RUNS times after a warm-up, the pages in turn (round robin), and its time is split, exclusive of what is
nested inside, into: SQL (the database driver), template rendering, context processors, rules
(rules.evaluate) and the rest (ORM Python, the view, middleware). Every figure is also given as a
ratio to the trivial view /ping (session + signed-in user, no template) measured in the same run,
so runs on a busy machine compare. Query counts are per request.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
PY = sys.executable
HOST = "127.0.0.1"
PARTS = ("sql", "orm/view", "template", "context processors", "rules")


class Split:
    """Exclusive time per part: entering a nested part pauses the one around it."""

    def __init__(self):
        self.totals, self.stack, self.queries = defaultdict(float), [], 0

    @contextmanager
    def part(self, name):
        now = time.perf_counter()
        if self.stack:
            self.totals[self.stack[-1][0]] += now - self.stack[-1][1]
        self.stack.append([name, now])
        try:
            yield
        finally:
            end = time.perf_counter()
            self.totals[name] += end - self.stack.pop()[1]
            if self.stack:
                self.stack[-1][1] = end


def instrument(split):
    """Hook the parts into Django and the rules module (for this process)."""
    from django.db import connection
    from django.template import base, engines

    from assessments.domain import rules

    def sql(execute, *args):
        split.queries += 1
        with split.part("sql"):
            return execute(*args)

    connection.execute_wrappers.append(sql)  # for the whole run (the context manager would end at once)
    render = base.Template.render

    def timed_render(self, context):
        with split.part("template"):
            return render(self, context)

    base.Template.render = timed_render
    engine = engines["django"].engine

    def timed(processor):
        def wrapper(request):
            with split.part("context processors"):
                return processor(request)
        return wrapper

    engine.__dict__["template_context_processors"] = tuple(timed(p) for p in engine.template_context_processors)
    evaluate = rules.evaluate

    def timed_evaluate(*args, **kwargs):
        with split.part("rules"):
            return evaluate(*args, **kwargs)

    rules.evaluate = timed_evaluate


def measure(runs):
    import django

    django.setup()
    from bench_load import FormInputs, edited
    from django.contrib.auth import get_user_model
    from django.test import Client

    from assessments.core import selectors
    from assessments.models import Assessment

    split = Split()
    instrument(split)
    User = get_user_model()
    filler, reviewer = User.objects.get(username="f0001"), User.objects.get(username="czt")
    clients = {}
    for user in (filler, reviewer):
        clients[user.username] = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        clients[user.username].force_login(user)
    draft = (selectors.assessment_list_for(user=filler)
             .filter(status=Assessment.Status.DRAFT, kind=Assessment.Kind.PROJECT).order_by("pk").first())
    shown = selectors.assessment_list_for(user=reviewer).filter(kind=Assessment.Kind.PROJECT).order_by("pk")[100]

    def save_indicators(client, change=True):
        """The indicators step posted back, every row, with one value changed as a person typing would
        (bench_load.edited: a real save), or unchanged (clicked through: nothing is written)."""
        page = client.get(f"/assessments/{draft.pk}/edit/indicators/").content.decode()
        form = FormInputs("wizard")
        form.feed(page)
        body = {}
        for k, v in (edited(form.fields) if change else form.fields):
            if k != "action":
                body.setdefault(k, []).append(v)
        body["action"] = "next"
        # URL-encoded, as a browser submits the wizard's form (the test client's default is multipart).
        return lambda: client.post(f"/assessments/{draft.pk}/edit/indicators/", urlencode(body, doseq=True),
                                   content_type="application/x-www-form-urlencoded")

    # Other people's writes the desk sees at its next visit: a budget saved with a new 执行率 through
    # the wizard's service (its department's chart figures change), or a status change (a submitted
    # form returned by the reviewer, then submitted again by its 填报人, in turn: the counts and the
    # waiting list change, and so does everyone's 通知 count). Made before each timed request, not timed.
    from assessments.core import formsteps
    from assessments.entry import services as entry_services
    from assessments.entry import wizard
    from assessments.review import services as review_services

    in_scope = selectors.assessment_list_for(user=reviewer).filter(kind=Assessment.Kind.PROJECT).order_by("pk")
    saved = in_scope.filter(status=Assessment.Status.DRAFT).exclude(department=draft.department)[50]
    cycled = in_scope.filter(status=Assessment.Status.SUBMITTED)[50]

    def desk_after_a_save(client):
        form = Assessment.objects.get(pk=saved.pk)
        step = formsteps.step_by_key(form, "budget")
        raw = wizard.current_raw(form, step)
        raw["rows"][0]["executed"] = "0" if raw["rows"][0]["executed"] not in ("0", "0.00") else raw["rows"][0]["adjusted"]
        entry_services.assessment_save_step(assessment=form, user=form.department.memberships.get(role="filler").user,
                                            step=step, data=wizard.read_step(step, wizard.as_post(step, raw)))
        return lambda: client.get("/review/")

    def desk_after_a_status_change(client):
        form = Assessment.objects.get(pk=cycled.pk)
        if form.status == Assessment.Status.SUBMITTED:
            review_services.assessment_return(assessment=form, user=reviewer, comment="请补充说明")
        else:
            entry_services.assessment_submit(assessment=form, user=form.department.memberships.get(role="filler").user)
        return lambda: client.get("/review/")

    pages = [
        ("trivial view /ping", "f0001", "/ping"),
        ("home (filler)", "f0001", "/"),
        ("notifications (filler)", "f0001", "/notifications/"),
        ("notifications (reviewer)", "czt", "/notifications/"),
        ("detail (reviewer)", "czt", f"/assessments/{shown.pk}/"),
        ("detail (filler)", "f0001", f"/assessments/{draft.pk}/"),
        ("wizard: budget step", "f0001", f"/assessments/{draft.pk}/edit/budget/"),
        ("wizard: indicators step", "f0001", f"/assessments/{draft.pk}/edit/indicators/"),
        ("save indicators step (POST)", "f0001", save_indicators),
        ("indicators step posted unchanged", "f0001", lambda client: save_indicators(client, change=False)),
        # The desk after other people's writes (its kept figures follow them), then pages 1 and 2
        # with nothing written since (page is not one of the filters the desk is kept by).
        ("review desk after a save", "czt", desk_after_a_save),
        ("desk after a status change", "czt", desk_after_a_status_change),
        ("review desk page 1", "czt", "/review/"),
        ("review desk page 2", "czt", "/review/?page=2"),
    ]
    # Round robin: every run requests each page once, so a busy moment of a shared machine falls on
    # all pages alike (and on /ping, which every ratio divides by) instead of on one page's runs.
    samples = {label: [] for label, _who, _path in pages}
    for i in range(runs + 3):
        for label, who, path in pages:
            client = clients[who]
            request = path(client) if callable(path) else (lambda: client.get(path))
            split.totals.clear()
            split.queries = 0
            with split.part("orm/view"):
                response = request()
            assert response.status_code in (200, 302), (label, response.status_code)
            if i >= 3:
                samples[label].append((sum(split.totals.values()), dict(split.totals), split.queries))
    results = []
    for label, _who, _path in pages:
        taken = samples[label]
        total = statistics.median(s[0] for s in taken)
        parts = {p: statistics.mean(s[1].get(p, 0) for s in taken) for p in PARTS}
        results.append((label, total, parts, taken[-1][2]))
    floor = results[0][1]
    # The saves post every row back: the measured draft keeps its rows from run to run.
    print(f"\nthe measured draft: {draft.indicators.count()} indicator rows, {draft.budget_lines.count()} budget lines")
    print(f"\n{runs} runs each after 3 warm-up; forms in the reviewer's scope: "
          f"{selectors.assessment_list_for(user=reviewer).count()}; median ms (× trivial view)")
    print(f"{'page':<32}{'total':>16}{'queries':>9}" + "".join(f"{p:>20}" for p in PARTS))
    for label, total, parts, queries in results:
        print(f"{label:<32}{total * 1000:9.1f} ({total / floor:4.1f}×){queries:>7}"
              + "".join(f"{parts[p] * 1000:12.1f} ({parts[p] / floor:4.1f}×)" for p in PARTS))
    return results


def main():
    from bench_load import start_postgres, stop_postgres

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="30 departments and 500 forms")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the filled cluster running")
    parser.add_argument("--database-url", help="a database fill_province already filled (skips the setup)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        return measure(args.runs)
    root = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    (root / "settings").mkdir()
    (root / "settings" / "bench_production.py").write_text(
        f"from config.settings.production import *  # noqa: F403\nSTATIC_ROOT = {str(root / 'static')!r}\n"
        "DEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\n")
    pgbin = None
    try:
        url = args.database_url
        if not url:
            pgbin, port = start_postgres(root)
            url = f"postgres://postgres@{HOST}:{port}/postgres"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_production", "DATABASE_URL": url,
               "PYTHONPATH": os.pathsep.join([str(root / "settings"), str(ROOT), str(ROOT / "bench")]),
               "SECRET_KEY": "bench-pages-" + "x" * 50, "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "false",
               "MEDIA_ROOT": str(root / "media"), "PYTHONDONTWRITEBYTECODE": "1"}
        manage = [PY, str(ROOT / "manage.py")]
        for command in (["migrate", "-v", "0"], ["createcachetable"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT)
        if not args.database_url:
            size = ["--departments", "30", "--assessments", "500"] if args.small else []
            start = time.perf_counter()
            out = subprocess.run(manage + ["fill_province", *size], env=env, check=True, cwd=ROOT,
                                 capture_output=True, text=True).stdout.strip().splitlines()
            print(f"filled in {time.perf_counter() - start:.0f} s: {out[-2]}")
        subprocess.run([PY, __file__, "--measure-only", "--runs", str(args.runs)], env=env, cwd=ROOT, check=True)
        if args.keep and pgbin:
            print(f"\nkept: --database-url {url}   (stop: pg_ctl -D {root}/data stop; rm -rf {root})")
            pgbin = None
    finally:
        if pgbin:
            stop_postgres(pgbin, root)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
