"""Printable output of the official layouts: HTML preview, PDF (WeasyPrint), Excel and Word (officewriters).

All three walk the same ``layouts.Layout``; none of them knows which form it prints.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from assessments.domain import rules
from assessments.models import Assessment, DepartmentBaseData
from assessments.output import layouts, pagination, pdfworker
from assessments.core import selectors

logger = logging.getLogger(__name__)


FetchRefused = pdfworker.FetchRefused


def _blocks(layout):
    blocks = []
    tables = 0
    for block in layout.blocks:
        if isinstance(block, layouts.Table):
            total = sum(block.widths)
            rows = [{"id": f"{tables}-{i}", "cells": cells} for i, cells in enumerate(block.rows)]
            blocks.append({
                "is_table": True, "caption": block.caption, "joined": block.joined,
                "percent_widths": [f"{w / total * 100:.2f}" for w in block.widths],
                "head": rows[: block.header_rows], "body": rows[block.header_rows:],
            })
            tables += 1
        else:
            blocks.append({"is_table": False, "title": block.title, "text": block.text, "align": block.align})
    return blocks


def _document(assessment):
    """Return the form's document (frozen at approval, selectors) and the scheme it is computed with."""
    return selectors.assessment_document(assessment=assessment), assessment.rules_scheme()


def layout_for(assessment) -> layouts.Layout:
    """Return the layout of an assessment: gather what it prints, then ``layouts.build_layout`` (pure)."""
    document, scheme = _document(assessment)
    evaluation = rules.evaluate(document.form(), scheme)
    projects, base_figures = [], []
    if assessment.kind == rules.KIND_DEPARTMENT:
        others = (selectors.assessment_queryset()
                  .filter(department_id=assessment.department_id, fiscal_year_id=assessment.fiscal_year_id,
                          kind=rules.KIND_PROJECT).order_by("pk"))
        for other in others:
            doc, other_scheme = _document(other)
            projects.append(layouts.ProjectResult(doc.project.name, doc, rules.evaluate(doc.form(), other_scheme)))
        base = selectors.base_data_for(department=assessment.department, fiscal_year=assessment.fiscal_year)
        if base is not None:
            base_figures = [d for d in rules.department_indicators(base.as_rules(), scheme) if d.value is not None]
    layout = layouts.build_layout(document, evaluation, scheme, draft=assessment.status != Assessment.Status.APPROVED,
                                  projects=projects, base_figures=base_figures)
    if layout.created is None and assessment.updated_at:
        layout.created = assessment.updated_at.date()
    return layout


def render_html(*, assessment=None, layout=None, paginate=True) -> str:
    """Return the official layout as an HTML page (the in-app preview and the PDF's source).

    With ``paginate`` a long form is laid out once more so that merged labels repeat on every page
    (``pagination``); the in-app preview, which has no pages, skips it.
    """
    layout = layout or layout_for(assessment)
    if paginate:
        return pagination.paginate(layout, lambda lay: render_html(layout=lay, paginate=False), **pdf_options())
    return render_to_string("print/layout.html", {"layout": layout, "blocks": _blocks(layout),
                                                  "watermark": _watermark_uri()})


def _watermark_uri():
    """The 草稿 watermark (outlines, not text) as a file URI inside the static folders the renderer may read."""
    found = finders.find("print/draft.svg")
    return Path(found).resolve().as_uri() if found else ""


def download_name(*, assessment, fmt) -> str:
    """The file name of a download, after the form: 2023年度_职工书屋建设_项目支出绩效自评表.pdf."""
    return f"{layouts.filename_for(_document(assessment)[0])}.{fmt}"


def static_roots() -> list[str]:
    """The folders whose files the PDF renderer may read: the app's own static files."""
    roots = [str(Path(p).resolve()) for p in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(str(Path(settings.STATIC_ROOT).resolve()))
    return roots


def allowed_static_path(url) -> Path:
    """Return the file an app-static URL names; raise FetchRefused for anything else."""
    return pdfworker.resolve_static(url, static_url=settings.STATIC_URL, roots=static_roots())


def pdf_options() -> dict:
    """What the renderer needs besides the page: the static folders it may read and the prepared fonts."""
    return {"static_url": settings.STATIC_URL, "roots": static_roots(), "font_dir": settings.PDF_FONT_DIR or None}


def render_pdf(*, assessment) -> bytes:
    """Return the form's PDF; an approved revision's is rendered once and then read from its file."""
    cached = approved_pdf_path(assessment=assessment)
    if cached is not None and cached.exists():
        return cached.read_bytes()
    data = _render_pdf_bytes(render_html(assessment=assessment))
    if cached is not None:
        try:
            _write_atomically(cached, data)
        except OSError:  # a full or read-only disk costs the next download a render, nothing more
            logger.warning("could not keep the PDF of an approved form in %s", cached, exc_info=True)
    return data


def _render_pdf_bytes(html: str) -> bytes:
    """Lay out in a renderer process when the settings ask for them (web servers), else here."""
    if settings.PDF_RENDERER_PROCESSES:
        return _renderers().submit(pdfworker.render, html, **pdf_options()).result()
    return pdfworker.render(html, **pdf_options())


_pool = None


def _renderers():
    """This process's small pool of renderer processes, started at the first PDF and recycled.

    A web worker hands the page to a renderer and waits without holding the interpreter, so its
    other threads go on serving pages; WeasyPrint and its fonts live only in the renderers, which
    are replaced after PDF_RENDERER_RECYCLE_EVERY documents so their caches cannot grow.
    """
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=settings.PDF_RENDERER_PROCESSES,
                                    mp_context=multiprocessing.get_context("spawn"),
                                    max_tasks_per_child=settings.PDF_RENDERER_RECYCLE_EVERY)
    return _pool


def warm_renderers() -> None:
    """Start this process's renderers and have them load WeasyPrint and the faces (gunicorn calls it)."""
    if settings.PDF_RENDERER_PROCESSES:
        pool = _renderers()
        for _ in range(settings.PDF_RENDERER_PROCESSES):
            pool.submit(pdfworker.warm_up, **pdf_options())  # not waited for: the worker serves pages at once


def _layout_fingerprint() -> str:
    """A digest of the code that draws a PDF: a new release of the layout makes new cached files."""
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256()

        for path in (Path(layouts.__file__), Path(pdfworker.__file__), Path(pagination.__file__),
                     Path(settings.BASE_DIR) / "templates" / "print" / "layout.html"):
            digest.update(path.read_bytes() if path.exists() else b"")
        _fingerprint = digest.hexdigest()[:12]
    return _fingerprint


_fingerprint = None


def approved_pdf_path(*, assessment) -> Path | None:
    """Where an approved revision's PDF is kept (under MEDIA_ROOT); None for a form still changing."""
    if assessment.status != assessment.Status.APPROVED:
        return None
    name = f"{assessment.pk}-r{assessment.revision}-v{assessment.version}-{_layout_fingerprint()}"
    if assessment.kind == assessment.Kind.DEPARTMENT:
        name += f"-{_department_inputs(assessment)}"
    return Path(settings.MEDIA_ROOT) / "approved-pdf" / f"{name}.pdf"


def _department_inputs(assessment) -> str:
    """A digest of what an F2 prints besides itself: its year's project forms and its base data (layout_for)."""
    projects = list(Assessment.objects.filter(department_id=assessment.department_id,
                                              fiscal_year_id=assessment.fiscal_year_id, kind=Assessment.Kind.PROJECT)
                    .order_by("pk").values_list("pk", "version"))
    base = list(DepartmentBaseData.objects.filter(department_id=assessment.department_id,
                                                  fiscal_year_id=assessment.fiscal_year_id).values_list("pk", "updated_at"))
    return hashlib.sha256(repr((projects, base)).encode()).hexdigest()[:10]


def _write_atomically(path: Path, data: bytes) -> None:
    """Write under a temporary name and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


def render_xlsx(*, assessment=None, layout=None) -> bytes:
    # officewriters loads openpyxl and python-docx (about half a second); only these downloads need them.
    from assessments.output import officewriters

    return officewriters.xlsx(layout or layout_for(assessment))


def render_docx(*, assessment=None, layout=None) -> bytes:
    # officewriters loads openpyxl and python-docx (about half a second); only these downloads need them.
    from assessments.output import officewriters

    return officewriters.docx(layout or layout_for(assessment))


def render(*, assessment, fmt: str) -> bytes:
    """Return the assessment printed as ``fmt`` ("pdf", "xlsx" or "docx")."""
    if fmt == "pdf":
        return render_pdf(assessment=assessment)
    if fmt == "xlsx":
        return render_xlsx(assessment=assessment)
    if fmt == "docx":
        return render_docx(assessment=assessment)
    raise ValueError(f"unknown format {fmt!r}")
