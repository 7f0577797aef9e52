"""Excel (openpyxl) and Word (python-docx) from the same ``layouts.Layout`` as the HTML and PDF.

Neither writer knows which form it prints: they walk tables of cells with spans. Numbers go in as
numbers with the number format that prints the same text as the PDF (percent as percent).
"""
from __future__ import annotations

import datetime
import io
import math
import re
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from assessments.output import layouts

# Characters Excel and Word refuse in a cell (control characters pasted from Word), and those a
# sheet title may not contain.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHEET_UNSAFE = re.compile(r"[\\/\[\]:*?\x00-\x1f\x7f]")


def clean(text) -> str:
    """Return text without the control characters OOXML cannot hold (tabs and line breaks stay)."""
    return _CONTROL.sub("", str(text or ""))


def sheet_title(text, used=()) -> str:
    """Return a valid, unique Excel sheet title (≤ 31 characters, none of / \\ [ ] : * ?)."""
    title = _SHEET_UNSAFE.sub("_", clean(text)).strip("' ") or "表"
    title = title[:31]
    base, n = title, 2
    while title in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def _boundaries(table):
    """Return a table's column edges as fractions of its width (0 … 1)."""
    total, edges, running = sum(table.widths), [0.0], 0.0
    for w in table.widths:
        running += w
        edges.append(running / total)
    return edges


def _display_width(text) -> int:
    """Width in Excel character units: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------
def _sheets(layout):
    """Group blocks into sheets: the first sheet holds the form; each captioned table of a report,
    with the paragraphs before it, gets its own sheet so that its columns and print titles fit it."""
    if layout.kind != "department_self_assessment":
        return [(layout.title, layout.blocks)]
    sheets, current, name = [], [], layout.title
    for block in layout.blocks:
        if isinstance(block, layouts.Table) and block.caption and current:
            sheets.append((name, current))
            current, name = [], block.caption
        current.append(block)
    if current:
        sheets.append((name, current))
    return sheets


def xlsx(layout: layouts.Layout) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used = set()
    for i, (name, blocks) in enumerate(_sheets(layout)):
        title = sheet_title(name, used)
        used.add(title)
        _write_sheet(wb.create_sheet(title), layout, blocks, first=i == 0)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws, layout, blocks, *, first):
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="F2F2F2")
    tables = [b for b in blocks if isinstance(b, layouts.Table)]
    # Each table keeps its own column widths: the sheet's columns are the union of every table's
    # column boundaries (as fractions of the page width), and a cell spans the columns between its own.
    bounds = {0.0, 1.0}
    for table in tables:
        bounds |= set(_boundaries(table))
    edges = []
    for b in sorted(bounds):
        if not edges or b - edges[-1] > 0.012:  # merge boundaries closer than ~2 mm
            edges.append(b)
    edges[-1] = 1.0
    total_width = 150 if layout.orientation == "landscape" else 100  # A4 printable width in character units
    widths = [(b - a) * total_width for a, b in zip(edges, edges[1:])]
    columns = len(widths)

    def grid_column(fraction):
        return min(range(len(edges)), key=lambda i: abs(edges[i] - fraction))
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = round(w, 1)

    ws.page_setup.orientation = layout.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    if layout.draft:
        ws.oddHeader.right.text = "草稿"
        ws.oddHeader.right.color = "A00000"
        ws.oddHeader.right.size = 14

    heights = {}

    def fit(row, text, width_units):
        """Give ``row`` the height its wrapped text needs in a cell ``width_units`` wide."""
        lines = sum(max(1, math.ceil(_display_width(part) / max(width_units - 1, 1)))
                    for part in clean(text).split("\n")) if text else 1
        heights[row] = max(heights.get(row, 15), lines * 14.5 + 3)

    row = 1
    if first:
        ws.cell(row=row, column=1, value=clean(layout.title)).font = Font(bold=True, size=16)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        heights[row] = 28
        row += 1
        if layout.subtitle:
            ws.cell(row=row, column=1, value=clean(layout.subtitle)).alignment = Alignment(horizontal="center")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            row += 1
        meta = "    ".join(f"{label}：{value}" for label, value in layout.meta)
        ws.cell(row=row, column=1, value=clean(meta)).alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        fit(row, meta, sum(widths))
        row += 2
    print_title_rows = None
    for block in blocks:
        if not isinstance(block, layouts.Table):
            text = (f"{block.title}\n" if block.title else "") + block.text
            cell = ws.cell(row=row, column=1, value=clean(text))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            fit(row, text, sum(widths))
            row += 2
            continue
        if block.caption:
            ws.cell(row=row, column=1, value=clean(block.caption)).font = Font(bold=True, size=12)
            row += 1
        # (a joined table keeps its blank row here: the Excel import finds tables by the rows between)
        if block.header_rows and print_title_rows is None:
            print_title_rows = (row, row + block.header_rows - 1)
        occupied = set()
        table_bounds = _boundaries(block)
        for cells in block.rows:
            tc = 0
            for cell in cells:
                while (row, tc) in occupied:
                    tc += 1
                for r in range(row, row + cell.rowspan):
                    for c in range(tc, tc + cell.colspan):
                        occupied.add((r, c))
                col = grid_column(table_bounds[tc]) + 1
                colspan = max(1, grid_column(table_bounds[min(tc + cell.colspan, len(table_bounds) - 1)]) + 1 - col)
                tc += cell.colspan
                target = ws.cell(row=row, column=col)
                if cell.value is not None:
                    target.value = cell.value
                    target.number_format = cell.fmt or "General"
                else:
                    target.value = clean(cell.text)
                    target.data_type = "s"  # text such as "=100%" is a target, never a formula
                target.alignment = Alignment(horizontal=cell.align, vertical="center", wrap_text=True)
                if cell.kind == "head":
                    target.font = Font(bold=True)
                    target.fill = head_fill
                for r in range(row, row + cell.rowspan):
                    for c in range(col, col + colspan):
                        ws.cell(row=r, column=c).border = border
                if colspan > 1 or cell.rowspan > 1:
                    ws.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                                   end_column=col + colspan - 1)
                if cell.rowspan == 1:
                    fit(row, cell.text, sum(widths[col - 1: col - 1 + colspan]))
            row += 1
        row += 1
    for r, h in heights.items():
        ws.row_dimensions[r].height = min(h, 409)
    if print_title_rows:
        ws.print_title_rows = f"{print_title_rows[0]}:{print_title_rows[1]}"


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------
def docx(layout: layouts.Layout) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if layout.orientation == "landscape":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(18), Mm(18)
    usable = section.page_width - section.left_margin - section.right_margin

    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    props = document.core_properties
    props.title, props.author = clean(layout.document_title or layout.title), clean(layout.author)
    props.subject = clean(layout.subject)
    props.keywords = "预算绩效自评"
    if layout.created:
        props.created = datetime.datetime.combine(layout.created, datetime.time())

    if layout.draft:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = header.add_run("草稿")
        run.font.color.rgb = RGBColor(0xA0, 0, 0)
        run.bold = True

    def heading(text, size):
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(clean(text))
        run.bold, run.font.size = True, Pt(size)
        _east_asian(run, "黑体")
        return p

    heading(layout.title, 16)
    if layout.subtitle:
        document.add_paragraph(clean(layout.subtitle)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(clean("    ".join(f"{label}：{value}" for label, value in layout.meta)))

    for block in layout.blocks:
        if not isinstance(block, layouts.Table):
            if block.title:
                p = document.add_paragraph()
                run = p.add_run(clean(block.title))
                run.bold = True
                _east_asian(run, "黑体")
            for line in clean(block.text).split("\n"):
                p = document.add_paragraph(line)
                if block.align == "right":
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                else:
                    p.paragraph_format.first_line_indent = Pt(21)
            continue
        if block.caption:
            p = document.add_paragraph()
            run = p.add_run(clean(block.caption))
            run.bold = True
            _east_asian(run, "黑体")
        _word_table(document, block, usable, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, Pt, qn)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _east_asian(run, name):
    run.font.name = name
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _word_table(document, block, usable, WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, Pt, qn):
    columns = len(block.widths)
    table = document.add_table(rows=len(block.rows), cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(block.widths)
    for i, w in enumerate(block.widths):
        for cell in table.columns[i].cells:
            cell.width = int(usable * w / total)
    occupied = set()
    # table.cell(r, c) rebuilds the whole grid of cells on every call (python-docx's Table._cells), which
    # made a 60-row form's Word file take seconds; the grid is read once and again only after a merge.
    grid = None
    for r, cells in enumerate(block.rows):
        c = 0
        for cell in cells:
            while (r, c) in occupied:
                c += 1
            if grid is None:
                grid = table._cells
            target = grid[r * columns + c]
            end = grid[(r + cell.rowspan - 1) * columns + c + cell.colspan - 1]
            if end._tc is not target._tc:
                target = target.merge(end)
                grid = None
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    occupied.add((rr, cc))
            paragraph = target.paragraphs[0]
            paragraph.alignment = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}.get(
                cell.align, WD_ALIGN_PARAGRAPH.LEFT)
            run = paragraph.add_run(clean(cell.text))
            run.font.size = Pt(9)
            if cell.kind == "head":
                run.bold = True
            if cell.kind == "sign":
                table.rows[r].height = Mm(12)
            c += cell.colspan
        if r < block.header_rows:
            # Repeat the header rows at the top of every page, as the PDF does.
            tr_pr = table.rows[r]._tr.get_or_add_trPr()
            element = OxmlElement("w:tblHeader")
            element.set(qn("w:val"), "true")
            tr_pr.append(element)
    document.add_paragraph()
