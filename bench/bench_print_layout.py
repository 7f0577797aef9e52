"""Benchmark (not a test): pages and sizes of the official layouts (issue 12 targets).

Builds a throwaway SQLite database with the demo data and prints, for every demo form, the PDF's
pages and size, the Excel and Word sizes; then the 60-indicator stress form (80-character names,
300-character reasons): its page count and on how many pages the column header is printed.
Targets: one-page project PDF ≤ 150 KB (the font subsets are the speed work's, issue 14);
stress form ≤ 12 pages with the header on every page.

Run: `python bench/bench_print_layout.py`. Speed is measured by bench_pdf.py, not here.
"""
import os
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-layout-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from assessments.output import layouts, pdfworker, printing  # noqa: E402
from assessments.core import selectors  # noqa: E402
from tests.output.stress import stress_document  # noqa: E402


def pdf_pages(data):
    path = WORK / "x.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def main():
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    print(f"{'form':58} {'pages':>5} {'PDF KB':>7} {'xlsx KB':>7} {'docx KB':>7}")
    for assessment in selectors.assessment_queryset().order_by("kind", "pk"):
        pdf = printing.render(assessment=assessment, fmt="pdf")
        xlsx = printing.render(assessment=assessment, fmt="xlsx")
        docx = printing.render(assessment=assessment, fmt="docx")
        name = printing.download_name(assessment=assessment, fmt="pdf")[:-4]
        print(f"{name[:56]:58} {len(pdf_pages(pdf)):>5} {len(pdf) / 1024:>7.0f} {len(xlsx) / 1024:>7.0f} "
              f"{len(docx) / 1024:>7.0f}")
    document, evaluation, scheme = stress_document(60)
    html = printing.render_html(layout=layouts.build_layout(document, evaluation, scheme))
    pdf = pdfworker.render(html, static_url=settings.STATIC_URL, roots=printing.static_roots())
    pages = pdf_pages(pdf)
    with_header = sum(1 for p in pages if "三级指标" in p)
    print(f"\nstress form, 60 indicators × (80-character name, 300-character reason): {len(pages)} pages, "
          f"column header on {with_header} of them, {len(pdf) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
