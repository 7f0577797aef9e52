"""Keep merged labels (一级/二级指标, 分解目标 …) visible on every page a long table runs over.

A cell spanning rows prints its label once; when the span crosses a page break the continuation
shows an empty box. So a long layout is laid out once to learn which rows start each page, and
every span crossing a page start is cut there, its label repeated on the new page, as a finance
office does by hand. Short forms (one page) are never laid out twice.
"""
from __future__ import annotations

import copy

from assessments.output import layouts, pdfworker

# Fewer characters and rows than these fit on one page: no measuring pass (most project forms).
MEASURE_ABOVE_CHARACTERS = 1800
MEASURE_ABOVE_ROWS = 14


def _characters(layout) -> int:
    return sum(len(c.text) for b in layout.blocks if isinstance(b, layouts.Table) for row in b.rows for c in row) + sum(
        len(b.text) for b in layout.blocks if isinstance(b, layouts.Paragraph))


def needs_measuring(layout) -> bool:
    has_span = any(c.rowspan > 1 for b in layout.blocks if isinstance(b, layouts.Table)
                   for row in b.rows[b.header_rows:] for c in row)
    rows = sum(len(b.rows) for b in layout.blocks if isinstance(b, layouts.Table))
    return has_span and (_characters(layout) > MEASURE_ABOVE_CHARACTERS or rows > MEASURE_ABOVE_ROWS * 2)


def row_pages(html, *, static_url, roots, font_dir=None) -> dict[str, list[int]]:
    """Lay out ``html`` as the renderer will (same prepared fonts) and return, for each row marked
    data-r, the pages it is printed on."""
    # The renderer's own font configuration, kept per process: a new one per layout re-reads the faces.
    document = pdfworker.layout_document(html, static_url=static_url, roots=roots, font_dir=font_dir)
    pages: dict[str, list[int]] = {}
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if getattr(box, "element_tag", None) == "tr" and element is not None and element.get("data-r"):
                found = pages.setdefault(element.get("data-r"), [])
                if number not in found:
                    found.append(number)
                continue
            stack.extend(getattr(box, "children", ()))
    return pages


def _columns(table):
    """Return, per row, the starting column of each of its cells (spans taken into account)."""
    occupied, positions = set(), []
    for r, cells in enumerate(table.rows):
        col, row_positions = 0, []
        for cell in cells:
            while (r, col) in occupied:
                col += 1
            row_positions.append(col)
            for rr in range(r, r + cell.rowspan):
                for cc in range(col, col + cell.colspan):
                    occupied.add((rr, cc))
            col += cell.colspan
        positions.append(row_positions)
    return positions


def page_starts(table_index, table, pages) -> list[int]:
    """Rows of a table where a new page starts (a row split over a break counts from the next row)."""
    starts = []
    previous = None
    for r in range(table.header_rows, len(table.rows)):
        on = pages.get(f"{table_index}-{r}")
        if not on:
            continue
        if previous is not None and on[0] > previous:
            starts.append(r)
        if len(on) > 1 and r + 1 < len(table.rows):
            starts.append(r + 1)
        previous = on[-1]
    return sorted(set(starts))


def split_spans(table, starts) -> None:
    """Cut every body cell spanning a page start there and repeat its label below the cut."""
    for start in starts:
        positions = _columns(table)
        for r in range(table.header_rows, start):
            for index, cell in enumerate(table.rows[r]):
                if r + cell.rowspan <= start or cell.rowspan == 1:
                    continue
                column = positions[r][index]
                below = copy.copy(cell)
                below.rowspan = r + cell.rowspan - start
                cell.rowspan = start - r
                target = table.rows[start]
                at = next((i for i, c in enumerate(positions[start]) if c > column), len(target))
                target.insert(at, below)
                positions[start].insert(at, column)


def paginate(layout, render_html, *, static_url, roots, font_dir=None):
    """Return the HTML of ``layout`` with spans cut at the page starts of a first layout pass."""
    html = render_html(layout)
    if not needs_measuring(layout):
        return html
    pages = row_pages(html, static_url=static_url, roots=roots, font_dir=font_dir)
    changed = copy.deepcopy(layout)
    tables = [b for b in changed.blocks if isinstance(b, layouts.Table)]
    cut = False
    for index, table in enumerate(tables):
        starts = page_starts(index, table, pages)
        if starts:
            split_spans(table, starts)
            cut = True
    return render_html(changed) if cut else html
