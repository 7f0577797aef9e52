"""Benchmark (not a test): one form's PDF, the renderer of a git revision against this tree, interleaved.

On a shared machine two runs minutes apart are not comparable, so this lays out the same pages
with ``assessments/output/pdfworker.py`` as it was at REVISION and as it is now, in turns in one
process, and converts the same table with LibreOffice between the rounds (the baseline of issue
14: WeasyPrint ≥ 10× faster). Wall-clock and CPU medians are printed; CPU time (the process's
own, and LibreOffice's children's) moves less with the other load on the machine. With
``--all`` every demo form is compared, and each page image (100 dpi) of the two PDFs too.

    python bench/bench_pdf_ab.py REVISION [--before-fonts DIR] [--rounds 20] [--all]

``--before-fonts``: the prepared faces of REVISION, when they differ from this tree's
(``SUBSET_VERSION``); make them with REVISION's ``manage.py prepare_fonts`` into a folder of their own.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-pdf-ab-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from assessments.core import selectors  # noqa: E402
from assessments.output import pdfworker, printing  # noqa: E402


def module_at(revision):
    source = subprocess.run(["git", "show", f"{revision}:assessments/output/pdfworker.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("pdfworker_before")
    module.__file__ = pdfworker.__file__
    exec(compile(source, f"{revision}:pdfworker.py", "exec"), module.__dict__)
    return module


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def page_images(pdf, name):
    path = WORK / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(WORK / name)], check=True)
    return [p.read_bytes() for p in sorted(WORK.glob(f"{name}-*.png"))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("revision")
    parser.add_argument("--before-fonts", default=None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=StringIO())
    options = printing.pdf_options()
    sides = {"before": (module_at(args.revision), {**options, "font_dir": args.before_fonts or options["font_dir"]}),
             "after": (pdfworker, options)}
    f1 = selectors.assessment_queryset().get(project__name="专项业务培训费")
    forms = list(selectors.assessment_queryset().order_by("kind", "pk")) if args.all else [f1]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    xlsx = WORK / "f1.xlsx"
    xlsx.write_bytes(printing.render_xlsx(assessment=f1))
    for assessment in forms:
        html = printing.render_html(assessment=assessment)
        wall = {side: [] for side in sides}
        cpu = {side: [] for side in sides}
        size, images = {}, {}
        for side, (module, side_options) in sides.items():
            data = module.render(html, **side_options)  # warms the process: fonts, stylesheets
            size[side] = len(data)
            if args.all:
                images[side] = page_images(data, f"{side}-{assessment.pk}")
        office_wall, office_cpu = [], []
        rounds = args.rounds if assessment == f1 else 3
        for round_ in range(rounds):
            for side, (module, side_options) in sides.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                module.render(html, **side_options)
                wall[side].append(time.perf_counter() - start)
                cpu[side].append(time.process_time() - start_cpu)
            if soffice and assessment == f1 and round_ % 4 == 0:  # LibreOffice between the rounds
                start, start_cpu = time.perf_counter(), children_cpu()
                subprocess.run([soffice, f"-env:UserInstallation=file://{WORK}/lo-profile", "--headless",
                                "--convert-to", "pdf", "--outdir", str(WORK), str(xlsx)], check=True,
                               capture_output=True, timeout=300)
                if round_:  # the first conversion also creates LibreOffice's profile
                    office_wall.append(time.perf_counter() - start)
                    office_cpu.append(children_cpu() - start_cpu)
        name = printing.download_name(assessment=assessment, fmt="pdf")[:-4][:40]
        line = "  ".join(f"{side} {statistics.median(wall[side]) * 1000:6.1f} ms (CPU "
                         f"{statistics.median(cpu[side]) * 1000:5.1f}) {size[side]:>8,} B" for side in sides)
        if args.all:
            line += "  pages " + ("identical" if images["before"] == images["after"] else "DIFFER")
        print(f"{name:42} {line}")
        if office_wall:
            after_wall, after_cpu = statistics.median(wall["after"]), statistics.median(cpu["after"])
            print(f"{'  LibreOffice xlsx → pdf, same table':42} {statistics.median(office_wall) * 1000:6.0f} ms "
                  f"(CPU {statistics.median(office_cpu) * 1000:5.0f}), {(WORK / 'f1.pdf').stat().st_size:,} B; "
                  f"after is {statistics.median(office_wall) / after_wall:.1f}× faster "
                  f"({statistics.median(office_cpu) / after_cpu:.1f}× in CPU)")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
