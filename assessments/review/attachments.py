"""佐证材料: which files a form may carry, decided by what the file is, never by its name.

Seven kinds are accepted: PDF, PNG, JPEG, Word and Excel (2007+ zipped XML, and the older OLE
compound files). Each is recognised by its content — the leading signature, and for the Office
formats the parts inside the zip or the streams of the compound file — so a renamed program or a
web page called "验收单.pdf" is refused. The stored file gets the extension of what it really is.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from assessments.core import labels
from assessments.core.errors import AppError


class AttachmentRefused(AppError):
    """The upload is not a file a form may carry (type, size or emptiness)."""


@dataclass(frozen=True)
class Kind:
    label: str
    extension: str
    content_type: str


PDF = Kind("PDF", ".pdf", "application/pdf")
PNG = Kind("PNG 图片", ".png", "image/png")
JPEG = Kind("JPEG 图片", ".jpg", "image/jpeg")
DOCX = Kind("Word 文档", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("Excel 工作簿", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DOC = Kind("Word 97-2003 文档", ".doc", "application/msword")
XLS = Kind("Excel 97-2003 工作簿", ".xls", "application/vnd.ms-excel")

ACCEPTED = "PDF、PNG、JPEG、Word（.docx/.doc）、Excel（.xlsx/.xls）"
# What the file picker offers; the server decides by content whatever the browser sends.
ACCEPT_ATTRIBUTE = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.doc,.xls"

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole_kind(head: bytes, upload) -> Kind | None:
    """Tell a Word from an Excel compound file by the stream names in its directory."""
    upload.seek(0)
    data = upload.read(4 * 2**20)  # the directory of a real document lies well within this
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return XLS
    return None


def _zip_kind(upload) -> Kind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect(upload) -> Kind | None:
    """Return what the file is by its content, or None when it is none of the accepted kinds."""
    upload.seek(0)
    head = upload.read(16)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(OLE_SIGNATURE):
            return _ole_kind(head, upload)
        if head.startswith(b"PK\x03\x04"):
            return _zip_kind(upload)
        return None
    finally:
        upload.seek(0)


def display_name(name: str) -> str:
    """The uploader's file name as shown and offered on download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>|*?:]+", "_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:150]
    return name or _("佐证材料")


def inspect(upload) -> Kind:
    """Return the file's kind; raise ``AttachmentRefused`` with a Chinese message naming the file."""
    name = display_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise AttachmentRefused(_("“%(name)s”是空文件。") % {"name": name})
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise AttachmentRefused(_("“%(name)s”过大（%(size)s）：上限为 %(limit)s。")
                                % {"name": name, "size": filesizeformat(size),
                                   "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)})
    kind = detect(upload)
    if kind is None:
        raise AttachmentRefused(_("“%(name)s”的内容不是可接受的文件类型。可上传：%(accepted)s。")
                                % {"name": name, "accepted": ACCEPTED})
    return kind


def row_label(attachment) -> str:
    """Where the attachment belongs, as the form prints it (e.g. 绩效指标第 3 行“帮扶人数”)."""
    if attachment.row is None:
        return _("整张表")
    return indicator_row_label(attachment.assessment.kind, attachment.row, attachment.row_name)


def indicator_row_label(kind: str, row: int, name: str = "") -> str:
    label = labels.describe(f"indicators[{row}]", kind=kind)
    return f"{label}“{name}”" if name else label
