"""Reading an indicator table from an Excel workbook into wizard rows, for a preview.

Finance offices keep their indicator tables in Excel, often in the printed layout itself (title
rows, merged 一级/二级 cells, a 总分 row at the bottom). This module finds the header row by its
labels, resolves merged cells, and turns every sheet row into the same posted values the wizard's
indicator step reads, so the checks are the wizard's own (the step's row forms, entry/forms.py). Each
problem is reported with the sheet row number and the column's label. It also signs a clean preview
for its confirmation and shapes the preview page, so the view only wires request → form → service →
page. Nothing here writes to the database.
"""
from __future__ import annotations

import datetime
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from assessments.domain import figures, rules
from assessments.core import formsteps, selectors
from assessments.core.labels import display_value
from assessments.domain import typed
from assessments.entry import wizard

# Header labels as printed on the official forms and in spreadsheets seen in practice, after
# normalisation (no spaces, full-width to half-width). "得分" is left out on purpose: in a printed
# table it is the computed score, and importing it as a manual score would override the rules.
HEADER_ALIASES = {
    "level1": ("一级指标", "类别"),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "绩效指标名称"),
    "target": ("年度指标值", "年度目标值", "全年指标值", "指标值", "目标值", "预期指标值", "年度预期指标值",
               "年初目标值", "预期目标值", "指标目标值"),
    "actual": ("实际完成值", "全年实际值", "实际值", "完成值", "全年实际完成值", "实际完成情况", "指标完成值"),
    "weight": ("分值", "权重", "指标分值", "权重分"),
    "band": ("定性档次", "达成档次"),
    "share": ("得分比例%", "得分比例", "得分比例(%)"),
    "score": ("评价人打分", "打分"),
    "source": ("完成值来源", "数据来源"),
    "reason": ("偏差原因分析及改进措施", "偏差原因", "未完成原因分析", "偏差原因分析", "原因分析及改进措施",
               "偏差原因及改进措施", "原因分析"),
    "half_year_target": ("半年指标值", "半年目标值"),
    "key_work": ("重点工作", "部门重点工作"),
    "project": ("对应项目", "对应项目名称"),
}
TOTAL_LABELS = ("总分", "合计", "总计")
HEADER_SCAN_ROWS = 100
MAX_COLUMNS = 60  # an indicator table has at most 15; a stray cell far to the right is ignored


class WorkbookRefused(ValueError):
    """The upload is not a workbook this import can read (size, type, damaged, no header row)."""


@dataclass
class RowIssue:
    sheet_row: int
    column: str  # the column's label, or "" for the whole row
    message: str
    blocking: bool = True  # False: a problem to fix later in the wizard (missing reason …)


@dataclass
class Preview:
    sheet: str
    header_row: int
    columns: list[str]  # wizard column names found in the sheet
    raw_rows: list[dict] = field(default_factory=list)  # wizard column → text, one per indicator
    sheet_rows: list[int] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    scores: list = field(default_factory=list)  # rules.IndicatorResult per row (figures shown, never computed here)
    data: wizard.StepInput | None = None

    @property
    def blocking(self):
        return [i for i in self.issues if i.blocking]

    @property
    def is_clean(self):
        return bool(self.raw_rows) and not self.blocking

    def issues_at(self, sheet_row):
        return [i for i in self.issues if i.sheet_row == sheet_row]


def _norm(value) -> str:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
    # Printed headers carry formula letters and points: 年初目标值(A), 实际完成值(B), 分值(10分).
    return re.sub(r"\((?:[A-Za-z/]+|\d*分)\)$", "", text)


_ALIAS_INDEX = {_norm(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _check_upload(upload):
    limit = settings.EXCEL_IMPORT_MAX_BYTES
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise WorkbookRefused(_("只能导入 .xlsx 格式的 Excel 文件（“%(name)s”不是）。旧的 .xls 文件请先在 Excel 中另存为 .xlsx。")
                              % {"name": name})
    if upload.size > limit:
        raise WorkbookRefused(_("文件过大：%(size).1f MB，上限为 %(limit).1f MB。")
                              % {"size": upload.size / 2**20, "limit": limit / 2**20})
    content = upload.read()
    if not content.startswith(b"PK\x03\x04"):
        raise WorkbookRefused(_("“%(name)s”不是有效的 .xlsx 文件（文件内容不是 Excel 工作簿）。") % {"name": name})
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # An xlsx is a zip of XML; refuse one that would expand to far more than any real table.
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(_("“%(name)s”已损坏，无法读取。") % {"name": name}) from exc
    if expanded > settings.EXCEL_IMPORT_MAX_EXPANDED_BYTES:
        raise WorkbookRefused(_("工作簿解压后过大（%(size).0f MB），请只保留指标表后再导入。")
                              % {"size": expanded / 2**20})
    return content


_SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def _sheet_parts(archive):
    """Return [(sheet name, zip member)] in workbook order, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return [(name, name) for name in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name)]
    targets = {}
    for rel in rels:
        if rel.get("Type") == _SHEET_TYPE and rel.get("Target"):
            target = rel.get("Target")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
    parts = []
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                parts.append((sheet.get("name", ""), targets[rid]))
    return parts


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d{1,9})[\"']")


def _check_rows(content):
    """Refuse a workbook with a sheet longer than the row limit, before it is loaded.

    Loading builds every cell in memory (a 4.9 MB file of 60,000 rows took 13 s and 415 MB), so
    each sheet's XML is streamed instead, only its <row> tags are looked at, and reading stops at
    the first row past the limit. The sheet's <dimension> is not trusted (a file may omit it or
    state less than it holds). Whether the XML is well formed is left to the real load.
    """
    limit = settings.EXCEL_IMPORT_MAX_ROWS
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for title, member in _sheet_parts(archive):
            try:
                stream = archive.open(member)
            except KeyError:
                continue
            last, pending = 0, b""
            try:
                with stream:
                    while chunk := stream.read(1 << 20):
                        buffer = pending + chunk
                        cut = buffer.rfind(b">") + 1  # every complete tag ends before here
                        for match in _ROW_TAG.finditer(buffer, 0, cut):
                            number = _ROW_NUMBER.search(match.group(1))
                            last = int(number.group(1)) if number else last + 1
                            if last > limit:
                                raise WorkbookRefused(
                                    _("工作表“%(sheet)s”超过 %(max)d 行的上限，请只保留指标表后再导入。")
                                    % {"sheet": title, "max": limit})
                        pending = buffer[cut:]
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise WorkbookRefused(_("无法读取该工作簿：文件已损坏或不是 Excel 2007 及以上版本保存的 .xlsx。")) from exc


def _load(content):
    try:
        # Not read-only: merged ranges are needed to fill 一级/二级 cells printed once for a block.
        return load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files; all mean the same here
        raise WorkbookRefused(_("无法读取该工作簿：文件已损坏或不是 Excel 2007 及以上版本保存的 .xlsx。")) from exc


def _text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        # Excel stores 95% as 0.95 with a % format; print it as the user sees it.
        number = Decimal(str(value))
        if "%" in (cell.number_format or ""):
            number *= 100
            return figures.short_percent(number.normalize())
        return figures.plain(number.normalize())
    return typed.clean_text(str(value)).strip()


def _grid(ws):
    """Return a function (row, col) → text that sees a merged range's value in each of its cells."""
    merged = {}
    for rng in ws.merged_cells.ranges:
        top_left = (rng.min_row, rng.min_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = top_left

    def at(row, col):
        r, c = merged.get((row, col), (row, col))
        return _text(ws.cell(row=r, column=c))

    return at


def _find_header(ws, at, allowed, *, start, stop):
    for row in range(start, min(ws.max_row, stop) + 1):
        found = {}
        for col in range(1, min(ws.max_column, MAX_COLUMNS) + 1):
            name = _ALIAS_INDEX.get(_norm(at(row, col)))
            if name in allowed and name not in found.values():
                found[col] = name
        if "name" in found.values():
            return row, found
    return None, {}


_BAND_BY_LABEL = {str(label): key for key, label in rules.BAND_LABELS.items()}


def _read_table(ws, at, header, columns, preview):
    """Read the indicator rows under one header; return the sheet row where the table ended."""
    # A two-row header prints 一级/二级/三级 under a merged "绩效指标": skip a second header row.
    first = header + 1
    if any(_ALIAS_INDEX.get(_norm(at(first, c))) for c in columns):
        first += 1
    last = {"level1": "", "level2": ""}
    read = 0
    for row in range(first, ws.max_row + 1):
        raw = {name: at(row, col) for col, name in columns.items()}
        leading = _norm(at(row, 1))
        if any(leading.startswith(label) for label in TOTAL_LABELS):
            return row  # the 总分 row ends the table; below it come the analysis and signatures
        if not any(v for k, v in raw.items() if k not in ("level1", "level2")):
            if read and not any(raw.values()):
                return row  # a blank row ends the table, as between the printed form's tables
            continue  # a 一级 label printed on a row of its own
        # A blank 一级/二级 means "as above", as in the printed table.
        for level in ("level1", "level2"):
            if level in raw and not raw[level]:
                raw[level] = last[level]
            last[level] = raw.get(level, "")
        if raw.get("band"):
            raw["band"] = _BAND_BY_LABEL.get(raw["band"], raw["band"])
        preview.raw_rows.append(raw)
        preview.sheet_rows.append(row)
        read += 1
    return ws.max_row


def read_indicator_workbook(upload, *, assessment) -> Preview:
    """Return the preview of an uploaded indicator table for ``assessment``'s indicator step.

    The first sheet with a recognisable header is read. A sheet may hold several indicator
    tables one under another (the target table prints 共性指标 and 履职指标 with different
    columns): each header found below the previous table starts another.
    """
    step = formsteps.step_by_key(assessment, "indicators")
    allowed = {c.name for c in step.columns}
    labels = {c.name: str(c.label) for c in step.columns}
    content = _check_upload(upload)
    _check_rows(content)
    wb = _load(content)
    for ws in wb.worksheets:
        if ws.max_row > settings.EXCEL_IMPORT_MAX_ROWS:  # stated by the file, already checked above
            raise WorkbookRefused(_("工作表“%(sheet)s”有 %(n)d 行，超过上限 %(max)d 行。")
                                  % {"sheet": ws.title, "n": ws.max_row, "max": settings.EXCEL_IMPORT_MAX_ROWS})
        at = _grid(ws)
        header, columns = _find_header(ws, at, allowed, start=1, stop=HEADER_SCAN_ROWS)
        if header is not None:
            break
    else:
        wanted = "、".join(labels[n] for n in ("level1", "level2", "name", "target") if n in labels)
        raise WorkbookRefused(_("在工作簿的前 %(n)d 行中找不到表头：须有“三级指标”一列，以及%(wanted)s等列。"
                                "可下载导入模板对照填写。") % {"n": HEADER_SCAN_ROWS, "wanted": wanted})

    preview = Preview(sheet=ws.title, header_row=header, columns=[])
    while header is not None:
        preview.columns += [name for name in columns.values() if name not in preview.columns]
        end = _read_table(ws, at, header, columns, preview)
        if len(preview.raw_rows) > settings.EXCEL_IMPORT_MAX_INDICATORS:
            preview.issues.append(RowIssue(header, "", _("指标行过多：超过上限 %(max)d 行。")
                                           % {"max": settings.EXCEL_IMPORT_MAX_INDICATORS}))
            return preview
        header, columns = _find_header(ws, at, allowed, start=end + 1, stop=ws.max_row)
    preview.columns = [c.name for c in step.columns if c.name in preview.columns]
    if not preview.raw_rows:
        preview.issues.append(RowIssue(preview.header_row, "", _("表头下面没有指标行。")))
        return preview
    _check(preview, step=step, assessment=assessment, labels=labels)
    return preview


def _check(preview, *, step, assessment, labels):
    data = wizard.read_step(step, wizard.as_post(step, {"rows": preview.raw_rows}))
    preview.data = data
    for i, raw in enumerate(preview.raw_rows):
        sheet_row = preview.sheet_rows[i]
        if not raw.get("name"):
            preview.issues.append(RowIssue(sheet_row, labels["name"], _("三级指标不能为空")))
        if not raw.get("level1"):
            preview.issues.append(RowIssue(sheet_row, labels["level1"], _("一级指标不能为空")))
        if raw.get("band") and raw["band"] not in rules.BAND_LABELS:
            preview.issues.append(RowIssue(
                sheet_row, labels.get("band", ""), _("定性档次“%(band)s”无效，应为：%(choices)s")
                % {"band": raw["band"], "choices": "、".join(str(v) for v in rules.BAND_LABELS.values())}))
    for issue in data.errors:
        preview.issues.append(_located(issue, preview, labels, blocking=True))
    unreadable = {(i.sheet_row, i.column) for i in preview.issues}

    # The rules' own view of the rows: errors block the import, problems are for later in the wizard.
    document = selectors.assessment_document(assessment=assessment)
    document = wizard.apply_to_document(document, step, data)
    evaluation = rules.evaluate(document.form(), assessment.scheme.as_rules())
    preview.scores = list(evaluation.indicators)
    # The rules' view of a cell that could not be read ("分值未填写" after "分值“十”不是数字") says
    # nothing new, so only the first message is shown for it.
    for issue in evaluation.errors:
        located = _located(issue, preview, labels, blocking=issue.path.startswith("indicators"))
        if (located.sheet_row, located.column) not in unreadable:
            preview.issues.append(located)
    for issue in evaluation.problems:
        if issue.path.startswith("indicators["):
            located = _located(issue, preview, labels, blocking=False)
            if (located.sheet_row, located.column) not in unreadable:
                preview.issues.append(located)
    preview.issues.sort(key=lambda i: (i.sheet_row, not i.blocking))


def _located(issue, preview, labels, *, blocking):
    match = re.match(r"indicators\[(\d+)\](?:\.(\w+))?", issue.path)
    if not match or int(match.group(1)) >= len(preview.sheet_rows):
        return RowIssue(preview.header_row, "", issue.message, blocking)
    column = labels.get(match.group(2) or "", "")
    return RowIssue(preview.sheet_rows[int(match.group(1))], column, issue.message, blocking)


def template_workbook(*, assessment) -> bytes:
    """An empty indicator table with the header this import reads, for the user to fill in."""
    step = formsteps.step_by_key(assessment, "indicators")
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("绩效指标"))
    ws.append([str(c.label) for c in step.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, col in enumerate(step.columns, 1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 28 if col.max_length >= 200 else 12
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# The previewed rows travel to the confirmation in a signed hidden field: the server keeps no
# state between the two requests, and the rows are checked again on confirmation.
IMPORT_SALT = "excel-import-indicators"
IMPORT_MAX_AGE = 24 * 3600  # a preview left open overnight must be uploaded again


class PreviewExpired(ValueError):
    """The confirmation's token is too old or was changed."""


def preview_token(preview: Preview, *, assessment, mode: str, file_name: str) -> str:
    """Return the signed rows of a clean preview, for the version of the form they were read for."""
    return signing.dumps({"rows": preview.raw_rows, "mode": mode if mode in ("replace", "append") else "replace",
                          "version": assessment.version, "file": file_name[:100]},
                         salt=f"{IMPORT_SALT}:{assessment.pk}", compress=True)


def confirmed_rows(token: str, *, assessment) -> dict:
    """Return what a preview token carries (rows, mode, version, file) or raise PreviewExpired."""
    try:
        return signing.loads(token, salt=f"{IMPORT_SALT}:{assessment.pk}", max_age=IMPORT_MAX_AGE)
    except signing.BadSignature as exc:
        raise PreviewExpired(_("预览已过期或被改动，请重新上传文件。")) from exc


def preview_page(preview: Preview, *, assessment) -> dict:
    """Return what the preview page shows: each sheet row in the step's columns, its score and problems."""
    step = formsteps.step_by_key(assessment, "indicators")
    shown = [c for c in step.columns if c.name in preview.columns]
    return {
        "preview": preview,
        "shown_columns": shown,
        "rows": [{"sheet_row": n, "cells": [display_value(c.name, raw.get(c.name, "")) for c in shown],
                  "result": preview.scores[i] if i < len(preview.scores) else None,
                  "issues": preview.issues_at(n)}
                 for i, (n, raw) in enumerate(zip(preview.sheet_rows, preview.raw_rows))],
        "general_issues": [i for i in preview.issues if i.sheet_row not in preview.sheet_rows],
    }
