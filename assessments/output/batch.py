"""Batch export: a year's approved forms as one PDF (with a bookmark per form) or a ZIP of PDFs.

Requested in a page (``services.batch_export_request``), run by the queue worker
(``tasks.batch_export_task`` → ``batch_export_run``). Memory stays bounded however many forms
there are: forms are laid out by WeasyPrint in chunks, in child processes (one per core) that are
replaced every ``BATCH_EXPORT_RECYCLE_EVERY`` forms, each chunk's PDF goes to a temporary file at
once, and the ZIP or the merged PDF is assembled from those files.
"""
from __future__ import annotations

import logging
import os
import multiprocessing
import re
import shutil
import tempfile
import zipfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.output import pdfworker, printing
from assessments.core import selectors
from assessments.models import Attachment, BatchExport

logger = logging.getLogger(__name__)


def _file_name(text: str) -> str:
    """A name every file system and unzip tool accepts (no separators or control characters)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip(" .")[:120] or "form"


def batch_export_run(*, export_id: int) -> dict:
    """Print every form of the export; record progress on the row as it goes. Idempotent."""
    claimed = BatchExport.objects.filter(pk=export_id, status=BatchExport.Status.QUEUED).update(
        status=BatchExport.Status.RUNNING, started_at=timezone.now())
    if not claimed:  # already run (a retried task) or cancelled: nothing to do
        return {"export": export_id, "skipped": True}
    export = BatchExport.objects.select_related("requested_by", "fiscal_year", "department").get(pk=export_id)
    workdir = Path(tempfile.mkdtemp(prefix="batch-export-"))
    try:
        ids = list(selectors.batch_export_scope(user=export.requested_by, fiscal_year=export.fiscal_year,
                                                department=export.department).values_list("pk", flat=True))
        BatchExport.objects.filter(pk=export.pk).update(total=len(ids))
        parts, processes = _render_all(export, ids, workdir)
        out = workdir / f"export.{export.format}"
        if export.format == BatchExport.Format.ZIP:
            _zip(parts, out, attachments=_attachments(ids, parts))
        else:
            _merge(parts, out)
        scope = export.department.name if export.department else _("全部")
        name = f"{export.fiscal_year.year}-{_file_name(scope)}-{len(ids)}.{export.format}"
        with out.open("rb") as handle:
            export.file.save(name, File(handle), save=False)
        BatchExport.objects.filter(pk=export.pk).update(
            status=BatchExport.Status.DONE, file=export.file.name, size=out.stat().st_size, done=len(ids),
            finished_at=timezone.now())
        return {"export": export_id, "forms": len(ids), "bytes": out.stat().st_size, "processes": processes}
    except Exception as exc:
        logger.exception("batch export %s failed", export_id)
        BatchExport.objects.filter(pk=export_id).update(
            status=BatchExport.Status.FAILED, finished_at=timezone.now(),
            error=_("生成失败：%(error)s。请重试；如仍失败，请联系管理员。") % {"error": exc})
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _render_all(export, ids, workdir):
    """Render the forms in chunks, one renderer process per core; return [(path, title, name in the ZIP)].

    A chunk of BATCH_EXPORT_CHUNK forms is laid out by one renderer and, for a merged PDF, written
    as one document, so its fonts are embedded once instead of once per form. A renderer is
    replaced after BATCH_EXPORT_RECYCLE_EVERY forms, which bounds its memory. Returns the parts
    in order and the number of renderer processes used.
    """
    merged = export.format != BatchExport.Format.ZIP
    size = max(1, min(settings.BATCH_EXPORT_CHUNK, settings.BATCH_EXPORT_RECYCLE_EVERY))
    chunks = [ids[i:i + size] for i in range(0, len(ids), size)]
    workers = max(1, min(os.cpu_count() or 1, len(chunks)))
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of this process leaks in
    options = printing.pdf_options()
    parts, pids, done, pending = [], set(), 0, deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             max_tasks_per_child=max(1, settings.BATCH_EXPORT_RECYCLE_EVERY // size)) as pool:
        def collect(future, count):
            nonlocal done
            pids.add(future.result()[1])
            done += count
            BatchExport.objects.filter(pk=export.pk).update(done=done)

        for number, chunk in enumerate(chunks):
            forms = selectors.assessment_queryset().in_bulk(chunk)
            forms = [forms[pk] for pk in chunk]
            htmls = [printing.render_html(assessment=a) for a in forms]
            titles = [a.title for a in forms]
            if merged:
                path = workdir / f"{number:05d}.pdf"
                future = pool.submit(pdfworker.render_chunk_to_file, htmls, titles, str(path), **options)
                parts.append((path, None, None))
            else:
                paths = []
                for a in forms:
                    index = len(parts)
                    paths.append(str(workdir / f"{index:05d}.pdf"))
                    name = f"{_file_name(a.department.name)}/{index + 1:04d}-{_file_name(a.title)}.pdf"
                    parts.append((Path(paths[-1]), a.title, name))
                future = pool.submit(pdfworker.render_each_to_file, htmls, paths, **options)
            pending.append((future, len(chunk)))
            while len(pending) > workers:  # the next chunk's pages are built while these render
                collect(*pending.popleft())
        while pending:
            collect(*pending.popleft())
    return parts, len(pids)


def _attachments(ids, parts):
    """Each form's 佐证材料 beside its PDF: [(attachment, name in the ZIP)], in a folder per form."""
    folder_of = {pk: name[: -len(".pdf")] + _("-佐证材料") for pk, (_path, _title, name) in zip(ids, parts)}
    out, used = [], set()
    for item in Attachment.objects.filter(assessment_id__in=ids).order_by("assessment_id", "row", "pk"):
        name = f"{folder_of[item.assessment_id]}/{_file_name(item.original_name)}"
        stem, dot, ext = name.rpartition(".")
        n = 1
        while name in used:  # two uploads of the same name keep both
            n += 1
            name = f"{stem}（{n}）.{ext}" if dot else f"{name}（{n}）"
        used.add(name)
        out.append((item, name))
    return out


def _zip(parts, out, attachments=()):
    # PDFs are already compressed; storing them makes the ZIP at once and costs little space.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, _title, name in parts:
            archive.write(path, name)
        for item, name in attachments:
            with item.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, 2**20)


def _merge(parts, out):
    # pypdf (and the fontTools it loads) only for merging: the web processes that queue exports skip it.
    from pypdf import PdfWriter

    writer = PdfWriter()
    for path, _title, _name in parts:
        writer.append(str(path))  # with its bookmarks: one per form, the form's headings below it
    with out.open("wb") as handle:
        writer.write(handle)
    writer.close()
