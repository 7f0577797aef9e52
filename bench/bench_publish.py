"""Benchmark (not a test): the bureau's summary tables and the public page over a province's year.

In one run it starts a throwaway PostgreSQL cluster (as bench_load.py does), migrates with the
production settings, fills a province-sized year with `fill_province` (10,000 forms, 200,000
indicator rows), publishes half of the approved forms, then measures in this process:

1. the 项目支出绩效自评结果汇总表 of the finance-bureau reviewer (all 30 主管部门) — built from the
   database (queries counted), as Excel, and for one 主管部门 as PDF; also over every status;
2. the public list page (信息公开) against /healthz, the trivial view: service time in this
   process (p50 of 200 requests through Django's test client), then throughput over HTTP with 20
   clients against gunicorn (gunicorn.conf.py), as bench_load.py measures its ceiling.

    python bench/bench_publish.py            # full size (a minute or two to fill)
    python bench/bench_publish.py --small    # 500 forms
"""
import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import PY, free_port, run_for, start_postgres, stop_postgres  # noqa: E402


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, min(times)


def p50(fn, n=200):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="30 departments and 500 assessments")
    parser.add_argument("--all-pdf", action="store_true", help="also print the whole province's summary as PDF")
    args = parser.parse_args()
    os.environ["BENCH_ALL_PDF"] = "1" if args.all_pdf else ""
    size = ["--supervisors", "3", "--units", "9", "--assessments", "500"] if args.small else []
    root = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    pgbin, pgport = start_postgres(root)
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgport}/postgres", "SECRET_KEY": "bench-" + "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1,testserver", "SECURE_SSL_REDIRECT": "false", "MEDIA_ROOT": str(root / "media"),
           "PUBLIC_PAGE_LIMIT": "1000000", "PUBLIC_FILE_LIMIT": "1000000", "LOG_LEVEL": "ERROR"}
    os.environ.update(env)
    try:
        manage = [PY, str(ROOT / "manage.py")]
        for command in (["migrate", "-v", "0"], ["createcachetable"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run(manage + command, check=True, cwd=ROOT)
        start = time.perf_counter()
        subprocess.run(manage + ["fill_province", *size], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"filled in {time.perf_counter() - start:.0f} s")
        region_id = measure()
        port = free_port()
        server = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "config.wsgi"],
                                  env={**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            over_http(port, region_id)
        finally:
            server.terminate()
            server.wait()
    finally:
        stop_postgres(pgbin, root)
        shutil.rmtree(root, ignore_errors=True)


def measure():
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.core import access
    from assessments.publication import summaries
    from assessments.models import Assessment, Department, Indicator, Region

    User = get_user_model()
    kind = Assessment.Kind.PROJECT
    print(f"{Assessment.objects.count()} forms, {Indicator.objects.count()} indicator rows, "
          f"{Indicator.objects.filter(missed=True).count()} of them missed their targets")
    bureau = User.objects.get(username="czt")
    access.scope_for(bureau)

    for status in (summaries.STATUS_APPROVED, summaries.STATUS_ALL):
        with CaptureQueriesContext(connection) as queries:
            summary, seconds = timed(lambda: summaries.build_summary(user=bureau, year=2024, kind=kind, status=status))
        print(f"summary ({status}): {len(summary.rows)} forms, {sum(len(r.missed) for r in summary.rows)} missed "
              f"indicators, {len(summary.by_department)} departments: {seconds * 1000:.0f} ms in "
              f"{len(queries.captured_queries)} queries")
        xlsx, seconds = timed(lambda: summaries.render_xlsx(summary))
        print(f"  as Excel: {seconds:.2f} s, {len(xlsx) // 1024} KB")
    head = Department.objects.filter(parent__isnull=True, name__startswith="基准").order_by("name").first()
    one = summaries.build_summary(user=bureau, year=2024, kind=kind, department=head)
    pdf, seconds = timed(lambda: summaries.render_pdf(one))
    print(f"  one 主管部门 ({len(one.rows)} forms) as PDF: {seconds:.2f} s, {len(pdf) // 1024} KB")
    if os.environ.get("BENCH_ALL_PDF"):
        everything = summaries.build_summary(user=bureau, year=2024, kind=kind)
        pdf, seconds = timed(lambda: summaries.render_pdf(everything))
        print(f"  all approved ({len(everything.rows)} forms) as PDF: {seconds:.1f} s, {len(pdf) // 1024} KB")

    # Publish half of the approved forms (setup, as fill_province writes its rows: in bulk).
    approved = list(Assessment.objects.filter(status=Assessment.Status.APPROVED).values_list("pk", flat=True))
    Assessment.objects.filter(pk__in=approved[::2]).update(published_at=timezone.now())
    region = Region.objects.get(name="基准测试省")
    client = Client()
    url = f"/gongkai/{region.pk}/"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"public list: {len(approved[::2])} published forms, {len(queries.captured_queries)} queries per page")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        for q in queries.captured_queries:
            print("   ", q["time"], q["sql"][:150])
        profile = cProfile.Profile()
        profile.runcall(lambda: [client.get(url, {"page": n}) for n in range(1, 20)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    trivial = p50(lambda: client.get("/healthz"))
    page = p50(lambda: client.get(url))
    filtered = p50(lambda: client.get(url, {"q": "专项01", "page": "2"}))
    etag = first["ETag"]
    not_modified = p50(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag))
    print(f"in process, p50: /healthz {trivial:.2f} ms; list page 1 {page:.2f} ms ({page / trivial:.1f}×); "
          f"searched page 2 {filtered:.2f} ms ({filtered / trivial:.1f}×); 304 {not_modified:.2f} ms "
          f"({not_modified / trivial:.1f}×)")

    return region.pk


def hammer(port, paths, users=20, duration=15):
    """Requests per second that ``users`` clients get for ``paths`` (taken in turn), and errors."""
    done, errors, stop, lock = [0], [0], threading.Event(), threading.Lock()

    def client(offset):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        while not stop.is_set():
            conn.request("GET", paths[i % len(paths)], headers={"X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            response.read()
            with lock:
                done[0] += 1
                errors[0] += response.status != 200
            i += 1

    run_for([threading.Thread(target=client, args=(k,)) for k in range(users)], duration, stop)
    return done[0] / duration, errors[0]


def over_http(port, region_id):
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    ceiling, _errors = hammer(port, ["/healthz"])
    base = f"/gongkai/{region_id}/"
    page, errors = hammer(port, [base])
    varied, errors2 = hammer(port, [f"{base}?page={n}" for n in range(1, 30)] + [f"{base}?q={quote(f'专项{n:02d}')}" for n in range(1, 10)])
    print(f"over HTTP, 20 clients: /healthz {ceiling:.0f} req/s; list page 1 {page:.0f} req/s "
          f"({ceiling / page:.1f}× slower, {errors} errors); 38 different pages and searches {varied:.0f} req/s "
          f"({ceiling / varied:.1f}× slower, {errors2} errors)")


if __name__ == "__main__":
    main()
