"""Benchmark (not a test): PDF output of the official layouts.

Builds a throwaway SQLite database with the demo data, then measures one F1 PDF in a warm
process, a run of 500 forms (time and peak memory), and — when LibreOffice is installed — the
same table exported to Excel and converted by `soffice --headless`, the route a finance office
would otherwise take. Run with `make bench` or `python bench/bench_pdf.py [FORMS]`.
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from assessments import printing, selectors  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    forms = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    f1 = selectors.assessment_queryset().get(project__name="专项业务培训费")
    start = time.perf_counter()
    printing.render(assessment=f1, fmt="pdf")
    cold = time.perf_counter() - start
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        pdf = printing.render(assessment=f1, fmt="pdf")
    warm = (time.perf_counter() - start) / runs
    print(f"one F1 PDF: first {cold:.2f} s, warm mean {warm * 1000:.0f} ms over {runs} ({len(pdf):,} bytes)")

    everything = list(selectors.assessment_queryset())
    start = time.perf_counter()
    pages = 0
    for i in range(forms):
        assessment = selectors.assessment_queryset().get(pk=everything[i % len(everything)].pk)
        pages += printing.render(assessment=assessment, fmt="pdf").count(b"/Type /Page\n") or 1
    elapsed = time.perf_counter() - start
    print(f"{forms} forms (the {len(everything)} demo forms in turn): {elapsed:.1f} s, "
          f"{forms / elapsed:.1f} forms/s, peak RSS {peak_mb():.0f} MB")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice baseline skipped: soffice not installed (apt-get install libreoffice-calc-nogui)")
    else:
        xlsx = WORK / "f1.xlsx"
        xlsx.write_bytes(printing.render(assessment=f1, fmt="xlsx"))
        start = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(WORK), str(xlsx)],
                       check=True, capture_output=True)
        print(f"LibreOffice xlsx → pdf of the same table: {time.perf_counter() - start:.2f} s (cold process)")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
