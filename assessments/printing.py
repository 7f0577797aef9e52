"""Printable output of the official layouts: HTML preview, PDF (WeasyPrint) and Excel (openpyxl).

All three walk the same ``layouts.Layout``; none of them knows which form it prints.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from assessments import layouts, pdfworker

logger = logging.getLogger(__name__)


FetchRefused = pdfworker.FetchRefused


def _blocks(layout):
    blocks = []
    for block in layout.blocks:
        if isinstance(block, layouts.Table):
            total = sum(block.widths)
            blocks.append({
                "is_table": True, "caption": block.caption,
                "percent_widths": [f"{w / total * 100:.2f}" for w in block.widths],
                "head": block.rows[: block.header_rows], "body": block.rows[block.header_rows:],
            })
        else:
            blocks.append({"is_table": False, "title": block.title, "text": block.text})
    return blocks


def render_html(*, assessment) -> str:
    """Return the official layout as an HTML page (the in-app preview and the PDF's source)."""
    layout = layouts.build_layout(assessment)
    return render_to_string("print/layout.html", {"layout": layout, "blocks": _blocks(layout)})


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
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

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
        import hashlib

        digest = hashlib.sha256()
        for path in (Path(layouts.__file__), Path(pdfworker.__file__),
                     Path(settings.BASE_DIR) / "templates" / "print" / "layout.html"):
            digest.update(path.read_bytes() if path.exists() else b"")
        _fingerprint = digest.hexdigest()[:12]
    return _fingerprint


_fingerprint = None


def approved_pdf_path(*, assessment) -> Path | None:
    """Where an approved revision's PDF is kept (under MEDIA_ROOT); None for a form still changing."""
    if assessment.status != assessment.Status.APPROVED:
        return None
    name = f"{assessment.pk}-r{assessment.revision}-v{assessment.version}-{_layout_fingerprint()}.pdf"
    return Path(settings.MEDIA_ROOT) / "approved-pdf" / name


def _write_atomically(path: Path, data: bytes) -> None:
    """Write under a temporary name and rename, so a reader never sees half a file."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


def render_xlsx(*, assessment) -> bytes:
    """Return the layout as an Excel workbook: merged cells, widths, number formats, borders."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    layout = layouts.build_layout(assessment)
    wb = Workbook()
    ws = wb.active
    ws.title = layout.title[:31]
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="F2F2F2")
    columns = max((len(b.widths) for b in layout.blocks if isinstance(b, layouts.Table)), default=1)
    ws.page_setup.orientation = layout.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4

    row = 1
    ws.cell(row=row, column=1, value=layout.title).font = Font(name="Noto Sans CJK SC", bold=True, size=16)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    row += 1
    ws.cell(row=row, column=1, value=layout.subtitle).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    row += 1
    ws.cell(row=row, column=1, value="    ".join(f"{label}：{value}" for label, value in layout.meta))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    row += 2
    widths = [0.0] * columns
    for block in layout.blocks:
        if not isinstance(block, layouts.Table):
            ws.cell(row=row, column=1, value=(f"{block.title}\n" if block.title else "") + block.text)
            ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            row += 2
            continue
        if block.caption:
            ws.cell(row=row, column=1, value=block.caption).font = Font(bold=True)
            row += 1
        for i, w in enumerate(block.widths):
            widths[i] = max(widths[i], w)
        occupied = set()  # (row, col) covered by a rowspan from above
        for cells in block.rows:
            col = 1
            for cell in cells:
                while (row, col) in occupied:
                    col += 1
                target = ws.cell(row=row, column=col)
                number = cell.kind == "number" and _as_number(cell.text)
                target.value = number if number is not False else cell.text
                if target.data_type == "f":
                    # Text such as "=100%" is a target, not a formula: never let user text run in Excel.
                    target.data_type = "s"
                if number is not False:
                    target.number_format = "0.00"
                target.alignment = Alignment(horizontal=cell.align, vertical="center", wrap_text=True)
                if cell.kind == "head":
                    target.font = Font(bold=True)
                    target.fill = head_fill
                for r in range(row, row + cell.rowspan):
                    for c in range(col, col + cell.colspan):
                        ws.cell(row=r, column=c).border = border
                        occupied.add((r, c))
                if cell.colspan > 1 or cell.rowspan > 1:
                    ws.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                                   end_column=col + cell.colspan - 1)
                col += cell.colspan
            row += 1
        row += 1
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, w * 9)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _as_number(text):
    """Return a 2-decimal figure as a Decimal for Excel, or False when the cell is not one."""
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text) if text and text[-1].isdigit() and "." in text else False
    except InvalidOperation:
        return False


def render(*, assessment, fmt: str) -> bytes:
    """Return the assessment printed as ``fmt`` ("pdf" or "xlsx")."""
    if fmt == "pdf":
        return render_pdf(assessment=assessment)
    if fmt == "xlsx":
        return render_xlsx(assessment=assessment)
    raise ValueError(f"unknown format {fmt!r}")
