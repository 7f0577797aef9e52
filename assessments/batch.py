"""Batch export: a year's approved forms as one PDF (with a bookmark per form) or a ZIP of PDFs.

Requested in a page (``services.batch_export_request``), run by the queue worker
(``tasks.batch_export_task`` → ``batch_export_run``). Memory stays bounded however many forms
there are: each form is laid out by WeasyPrint in a child process that is replaced every
``BATCH_EXPORT_RECYCLE_EVERY`` forms, each PDF goes to a temporary file at once, and the ZIP or
the merged PDF is assembled from those files.
"""
from __future__ import annotations

import logging
import multiprocessing
import re
import shutil
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import pdfworker, printing, selectors
from assessments.models import BatchExport

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
    """Render each form to its own PDF file; return [(path, title, name in the ZIP)] and the child count."""
    parts, pids = [], set()
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of this process leaks in
    with ProcessPoolExecutor(max_workers=1, mp_context=context,
                             max_tasks_per_child=settings.BATCH_EXPORT_RECYCLE_EVERY) as pool:
        for index, pk in enumerate(ids):
            assessment = selectors.assessment_queryset().get(pk=pk)
            html = printing.render_html(assessment=assessment)
            path = workdir / f"{index:05d}.pdf"
            _size, pid = pool.submit(pdfworker.render_to_file, html, str(path), static_url=settings.STATIC_URL,
                                     roots=printing.static_roots()).result()
            pids.add(pid)
            zip_name = f"{_file_name(assessment.department.name)}/{index + 1:04d}-{_file_name(assessment.title)}.pdf"
            parts.append((path, assessment.title, zip_name))
            BatchExport.objects.filter(pk=export.pk).update(done=index + 1)
    return parts, len(pids)


def _attachments(ids, parts):
    """Each form's 佐证材料 beside its PDF: [(attachment, name in the ZIP)], in a folder per form."""
    from assessments.models import Attachment

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
    from pypdf import PdfWriter

    writer = PdfWriter()
    for path, title, _name in parts:
        writer.append(str(path), outline_item=title)  # a bookmark per form in the reader's sidebar
    with out.open("wb") as handle:
        writer.write(handle)
    writer.close()
