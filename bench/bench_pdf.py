"""Benchmark (not a test): PDF output of the official layouts.

Builds a throwaway SQLite database with the demo data and measures, in one run:

1. one F1 PDF in a warm process (and the first, cold one);
2. a batch export of FORMS approved forms (default 500) through the real queue: the export is
   requested through the service, and `manage.py db_worker --batch` runs it as its own process,
   as in production; wall time and the peak memory of the worker together with its rendering
   child, sampled from /proc;
3. the same F1 table exported to Excel by the app and converted to PDF by LibreOffice headless
   (`soffice --convert-to pdf`), the route a finance office would otherwise take.

Run with `make bench` (installs LibreOffice when run as root) or `python bench/bench_pdf.py [FORMS]`.
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = str(WORK / "media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from assessments.domain import interchange  # noqa: E402
from assessments.output import printing
from assessments.core import selectors
from assessments.exchange import services as exchange_services
from assessments.output import services as output_services
from assessments.models import Assessment, BatchExport  # noqa: E402


def rss_mb(pid):
    """Resident memory (MB) of a process and, separately, of all its descendants (0 once ended)."""
    def one(p):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (FileNotFoundError, ProcessLookupError):
            pass
        return 0.0

    def children(p):
        try:
            return [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            return []

    below, pending = 0.0, children(pid)
    while pending:
        current = pending.pop()
        below += one(current)
        pending += children(current)
    return one(pid), below


def children_cpu():
    """CPU seconds of the ended child processes (LibreOffice's conversions)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_approved_forms(count):
    """Copies of the demo forms, approved, under one department: what a year's batch would hold."""
    reviewer = get_user_model().objects.get(username="czj_reviewer")
    sources = list(selectors.assessment_queryset().filter(status=Assessment.Status.APPROVED))
    made = len(sources)
    while made < count:
        source = sources[made % len(sources)]
        document = selectors.assessment_document(assessment=source)
        if document.project is None:  # one department form per department and year: copy projects only
            sources.remove(source)
            continue
        document.project = interchange.ProjectInfo(**{**document.project.__dict__,
                                                      "name": f"{document.project.name}（{made:04d}）"})
        copy = exchange_services.assessment_import(document=document)
        Assessment.objects.filter(pk=copy.pk).update(status=Assessment.Status.APPROVED)
        made += 1
    return reviewer


def main():
    forms = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    f1 = selectors.assessment_queryset().get(project__name="专项业务培训费")
    # Rendering itself (the page and the PDF), as for a draft: the approved form's cached file aside.
    from assessments.output import pdfworker

    def render():
        return pdfworker.render(printing.render_html(assessment=f1), **printing.pdf_options())

    start = time.perf_counter()
    render()
    cold = time.perf_counter() - start
    runs = 20
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    warm = statistics.median(times)
    print(f"one F1 PDF (WeasyPrint): first {cold:.2f} s, warm median {warm * 1000:.0f} ms "
          f"(CPU {statistics.median(cpu) * 1000:.0f} ms) over {runs} ({len(pdf):,} bytes; prepared fonts: "
          f"{'yes' if printing.pdf_options()['font_dir'] else 'no'})")
    printing.render_pdf(assessment=f1)  # an approved form: rendered once, kept
    start = time.perf_counter()
    for _ in range(runs):
        printing.render_pdf(assessment=f1)
    print(f"the same approved form again (its kept file): {(time.perf_counter() - start) / runs * 1000:.1f} ms")

    reviewer = make_approved_forms(forms)
    for fmt in ("pdf", "zip"):
        export = output_services.batch_export_request(user=reviewer, year=2023, fmt=fmt)
        start = time.perf_counter()
        worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch",
                                   "--no-startup-delay", "--interval", "0", "--no-reload", "-v", "0"],
                                  env={**os.environ, "BATCH_EXPORT_RECYCLE_EVERY": os.environ.get(
                                      "BATCH_EXPORT_RECYCLE_EVERY", "40")})
        peak = [0.0, 0.0, 0.0]  # worker, its rendering children, both together

        def sample():
            while worker.poll() is None:
                own, below = rss_mb(worker.pid)
                peak[0], peak[1], peak[2] = max(peak[0], own), max(peak[1], below), max(peak[2], own + below)
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        worker.wait()
        sampler.join()
        elapsed = time.perf_counter() - start
        export.refresh_from_db()
        assert export.status == BatchExport.Status.DONE, export.error
        print(f"batch export of {export.total} approved forms as {fmt.upper()} through db_worker: {elapsed:.1f} s "
              f"({export.total / elapsed:.1f} forms/s), {export.size / 2**20:.1f} MB, "
              f"peak RSS: worker {peak[0]:.0f} MB, rendering child {peak[1]:.0f} MB, together {peak[2]:.0f} MB")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice baseline skipped: soffice not installed (make bench installs it as root: "
              "apt-get install libreoffice-calc-nogui)")
    else:
        xlsx = WORK / "f1.xlsx"
        xlsx.write_bytes(printing.render_xlsx(assessment=f1))
        profile = WORK / "lo-profile"
        times, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), children_cpu()
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(WORK), str(xlsx)], check=True, capture_output=True, timeout=300)
            times.append(time.perf_counter() - start)
            cpu.append(children_cpu() - start_cpu)
        print(f"LibreOffice headless xlsx → pdf of the same F1 table: first {times[0]:.2f} s, "
              f"then {min(times[1:]):.2f} s (CPU {min(cpu[1:]):.2f} s) per file (a new soffice process each time); "
              f"{(WORK / 'f1.pdf').stat().st_size:,} bytes; WeasyPrint's warm F1 is {min(times[1:]) / warm:.1f}× "
              f"faster (measured minutes apart: bench_pdf_ab.py interleaves them)")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
