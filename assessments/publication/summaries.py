"""The bureau's summary tables (项目支出 / 部门整体绩效自评结果汇总表): one row per form, with
totals by department and by grade, on screen, as Excel and as PDF.

Built from the figures cached on ``Assessment`` (预算数, 执行数, 执行率, 总分, 等级) and one query
for the missed indicators, so a province's 10,000 forms summarise in two queries. Totals are
added up here with Decimal from the stored figures; the 执行率 of a total comes from
``rules.execution_rate`` (RULES §2: 实际支出数 ÷ 调整预算数), never from a template.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from assessments.output import layouts, pdfworker, printing
from assessments.domain import figures, rules
from assessments.core import selectors
from assessments.models import Assessment, Department, Indicator

ZERO = Decimal(0)
TITLES = {
    Assessment.Kind.PROJECT: "项目支出绩效自评结果汇总表",
    Assessment.Kind.DEPARTMENT: "部门整体绩效自评结果汇总表",
}
KINDS = tuple(TITLES)
STATUS_APPROVED, STATUS_ALL = "approved", "all"


@dataclass
class Missed:
    name: str
    target: str
    actual: str
    reason: str

    @property
    def text(self) -> str:
        line = f"{self.name}（{_('目标')} {self.target}，{_('完成')} {self.actual}）"
        return f"{line}：{self.reason}" if self.reason else line


@dataclass
class Row:
    pk: int
    department: str
    project: str
    status: str
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None
    score: Decimal | None
    grade: str
    missed: list[Missed] = field(default_factory=list)

    @property
    def missed_text(self) -> str:
        return "\n".join(m.text for m in self.missed)


@dataclass
class Total:
    label: str
    count: int = 0
    budget: Decimal = ZERO
    executed: Decimal = ZERO
    score_sum: Decimal = ZERO
    scored: int = 0
    missed: int = 0

    def add(self, row: Row) -> None:
        self.count += 1
        self.budget += row.budget or ZERO
        self.executed += row.executed or ZERO
        if row.score is not None:
            self.score_sum += row.score
            self.scored += 1
        self.missed += len(row.missed)

    @property
    def rate(self) -> Decimal | None:
        """执行率 of the total: the summed 执行数 over the summed 预算数 (RULES §2)."""
        return rules.execution_rate(self.executed, self.budget)

    @property
    def average(self) -> Decimal | None:
        """Mean 总分 of the forms that have one, 2 decimals ROUND_HALF_UP."""
        return rules.q2(self.score_sum / self.scored) if self.scored else None


@dataclass
class Summary:
    kind: str
    year: int
    scope_label: str
    status: str
    rows: list[Row]
    by_department: list[Total]
    by_grade: list[Total]
    total: Total

    @property
    def title(self) -> str:
        return TITLES[self.kind]


def summary_queryset(*, user, year: int, kind: str, department: Department | None = None,
                     status: str = STATUS_APPROVED):
    """Return the forms a summary covers: the user's scope, or one department and its units."""
    departments = selectors.departments_visible_to(user=user)
    if department is not None:
        departments = departments.filter(pk__in=Department.objects.descendants_of([department]).values("pk"))
    qs = Assessment.objects.filter(fiscal_year__year=year, kind=kind, department__in=departments)
    if status != STATUS_ALL:
        qs = qs.filter(status=Assessment.Status.APPROVED)
    return qs


def build_summary(*, user, year: int, kind: str, department: Department | None = None,
                  status: str = STATUS_APPROVED) -> Summary:
    """Return the summary of a year's forms of one kind in the user's scope (two queries)."""
    qs = summary_queryset(user=user, year=year, kind=kind, department=department, status=status)
    statuses = dict(Assessment.Status.choices)
    rows = []
    # Grades are listed in the order of each form's own scheme (石家庄 优秀/良好/一般 at 85/75/60,
    # nationally 优/良/中 at 90/80/60): the scale comes with the rows, in the same query.
    grade_rank: dict[str, int] = {}
    for pk, dept, project, st, budget, executed, rate, score, grade, scale in qs.order_by(
            "department__name", "project__name", "pk").values_list(
            "pk", "department__name", "project__name", "status", "budget_amount", "executed_amount",
            "execution_rate", "total_score", "grade", "scheme__grade_scale"):
        rows.append(Row(pk=pk, department=dept, project=project or "", status=str(statuses.get(st, st)),
                        budget=budget, executed=executed, rate=rate, score=score, grade=grade or ""))
        for rank, (_threshold, label) in enumerate(scale or []):
            grade_rank.setdefault(label, rank)
    by_pk = {row.pk: row for row in rows}
    missed = (Indicator.objects.filter(missed=True, assessment__in=qs.values("pk"))
              .order_by("assessment_id", "order")
              .values_list("assessment_id", "name", "target_text", "actual_text", "reason"))
    for assessment_id, name, target, actual, reason in missed:
        row = by_pk.get(assessment_id)
        if row is not None:
            row.missed.append(Missed(name, target, actual, reason))
    departments: dict[str, Total] = {}
    grades: dict[str, Total] = {}
    total = Total(_("合计"))
    for row in rows:
        departments.setdefault(row.department, Total(row.department)).add(row)
        grades.setdefault(row.grade or _("未评级"), Total(row.grade or _("未评级"))).add(row)
        total.add(row)
    by_grade = sorted(grades.values(), key=lambda t: (grade_rank.get(t.label, len(grade_rank)), t.label))
    scope_label = department.name + _("（含下属单位）") if department is not None else _("审核范围内全部部门")
    return Summary(kind=kind, year=year, scope_label=scope_label, status=status, rows=rows,
                   by_department=list(departments.values()), by_grade=by_grade, total=total)


# ---------------------------------------------------------------------------------------------
# Print: the same layout system as the forms (layouts.Layout → templates/print/layout.html)
# ---------------------------------------------------------------------------------------------
def _detail_columns(kind):
    project = kind == Assessment.Kind.PROJECT
    return ([_("序号"), _("部门（单位）")] + ([_("项目名称")] if project else [])
            + [_("预算数（万元）"), _("执行数（万元）"), _("执行率（%）"), _("总分"), _("等级"),
               _("未完成目标的指标及原因")])


def summary_layout(summary: Summary) -> layouts.Layout:
    """Return the summary as a printable layout: detail table, then totals by department and grade."""
    project = summary.kind == Assessment.Kind.PROJECT
    widths = [0.5, 2.0] + ([2.2] if project else []) + [1.1, 1.1, 0.9, 0.8, 0.6, 4.0]
    detail = layouts.Table(widths=widths, header_rows=1)
    detail.rows.append([layouts.Cell(h, kind="head") for h in _detail_columns(summary.kind)])
    for i, row in enumerate(summary.rows, 1):
        detail.rows.append(
            [layouts.Cell(str(i), kind="label"), layouts.Cell(row.department)]
            + ([layouts.Cell(row.project)] if project else [])
            + [layouts.Cell(figures.amount(row.budget), kind="number"), layouts.Cell(figures.amount(row.executed), kind="number"),
               layouts.Cell(figures.percent_number(row.rate), kind="number"), layouts.Cell(figures.score(row.score, ""), kind="number"),
               layouts.Cell(row.grade, kind="label"), layouts.Cell(row.missed_text)])
    t = summary.total
    detail.rows.append(
        [layouts.Cell(t.label, colspan=3 if project else 2, kind="head"),
         layouts.Cell(figures.amount(t.budget), kind="number"), layouts.Cell(figures.amount(t.executed), kind="number"),
         layouts.Cell(figures.percent_number(t.rate), kind="number"), layouts.Cell(figures.score(t.average, ""), kind="number"),
         layouts.Cell("", kind="label"), layouts.Cell(_("未完成指标 %(n)d 个") % {"n": t.missed})])
    blocks = [detail, _totals_table(_("按部门汇总"), _("部门（单位）"), summary.by_department, t),
              _totals_table(_("按等级汇总"), _("等级"), summary.by_grade, t)]
    return layouts.Layout(
        title=f"{summary.year}年度{summary.title}", subtitle=_("（%(scope)s，%(status)s）") % {
            "scope": summary.scope_label,
            "status": _("仅含已审核的表") if summary.status != STATUS_ALL else _("含全部状态的表")},
        orientation="landscape", meta=[(_("单位"), _("万元")), (_("表数"), str(t.count))],
        blocks=blocks, draft=False, filename=f"summary-{summary.year}-{summary.kind}",
        document_title=f"{summary.year}年度{summary.title}", subject=summary.scope_label)


TOTAL_COLUMNS = ["表数", "预算数（万元）", "执行数（万元）", "执行率（%）", "平均总分", "未完成指标数"]


def _totals_table(caption, first, totals, grand):
    table = layouts.Table(widths=[3, 0.8, 1.3, 1.3, 1, 1, 1], header_rows=1, caption=caption)
    table.rows.append([layouts.Cell(h, kind="head") for h in [first] + [_(c) for c in TOTAL_COLUMNS]])
    for total in list(totals) + [grand]:
        table.rows.append([layouts.Cell(total.label, kind="head" if total is grand else "text")] + [
            layouts.Cell(text, kind="number") for text in (
                str(total.count), figures.amount(total.budget), figures.amount(total.executed), figures.percent_number(total.rate),
                figures.score(total.average, ""),
                str(total.missed))])
    return table


def render_pdf(summary: Summary) -> bytes:
    """Return the summary as a PDF through the forms' print template and renderer."""
    layout = summary_layout(summary)
    html = printing.render_html(layout=layout)
    options = (printing.pdf_options() if hasattr(printing, "pdf_options")
               else {"static_url": settings.STATIC_URL, "roots": printing.static_roots()})
    return pdfworker.render(html, **options)


# ---------------------------------------------------------------------------------------------
# Excel: numbers as numbers, number formats, fits the page width, header rows repeat
# ---------------------------------------------------------------------------------------------
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00"


def render_xlsx(summary: Summary) -> bytes:
    """Return the summary as a workbook: the forms (with a 合计 row), by department, by grade."""
    # openpyxl takes about half a second to import; only the summary's Excel download needs it.
    from openpyxl import Workbook

    wb = Workbook()
    _styles(wb)
    ws = wb.active
    ws.title = _("汇总表")
    project = summary.kind == Assessment.Kind.PROJECT
    headers = _detail_columns(summary.kind)
    first_number = 3 + (1 if project else 0)  # column of 预算数
    rows = []
    for i, row in enumerate(summary.rows, 1):
        rows.append([i, row.department] + ([row.project] if project else [])
                    + [row.budget, row.executed, row.rate, row.score, row.grade, row.missed_text])
    t = summary.total
    total_row = [t.label, ""] + ([""] if project else []) + [t.budget, t.executed, t.rate, t.average, "",
                                                             _("未完成指标 %(n)d 个") % {"n": t.missed}]
    _sheet(ws, summary, headers, rows, total_row,
           formats={first_number: MONEY_FORMAT, first_number + 1: MONEY_FORMAT, first_number + 2: RATE_FORMAT,
                    first_number + 3: RATE_FORMAT},
           widths=[6, 28] + ([32] if project else []) + [14, 14, 11, 9, 7, 60], merge_total=2 + project)
    for title, first, totals in ((_("按部门汇总"), _("部门（单位）"), summary.by_department),
                                 (_("按等级汇总"), _("等级"), summary.by_grade)):
        sheet = wb.create_sheet(title)
        body = [[x.label, x.count, x.budget, x.executed, x.rate, x.average, x.missed] for x in totals]
        _sheet(sheet, summary, [first] + [_(c) for c in TOTAL_COLUMNS], body,
               [t.label, t.count, t.budget, t.executed, t.rate, t.average, t.missed],
               formats={2: "0", 3: MONEY_FORMAT, 4: MONEY_FORMAT, 5: RATE_FORMAT, 6: RATE_FORMAT, 7: "0"},
               widths=[30, 8, 16, 16, 12, 10, 12], merge_total=1, caption=title)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _styles(wb) -> None:
    """Register the workbook's cell styles once: a named style per kind of cell (text, amount,
    rate, count; plain or bold for the 合计 row). Setting font, border and alignment cell by cell
    hashes each object every time, which made a 10,000-row summary take 15 s."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side  # see render_xlsx

    thin = Side(style="thin", color="000000")
    for suffix, bold in (("", False), ("_total", True)):
        for name, number_format, align in (
                ("text", "General", Alignment(vertical="top", wrap_text=True)),
                ("money", MONEY_FORMAT, Alignment(vertical="top", horizontal="right")),
                ("rate", RATE_FORMAT, Alignment(vertical="top", horizontal="right")),
                ("count", "0", Alignment(vertical="top", horizontal="right"))):
            wb.add_named_style(NamedStyle(
                name=f"summary_{name}{suffix}", number_format=number_format, alignment=align,
                font=Font(bold=bold), border=Border(left=thin, right=thin, top=thin, bottom=thin)))


STYLE_OF_FORMAT = {MONEY_FORMAT: "money", RATE_FORMAT: "rate", "0": "count"}


def _sheet(ws, summary, headers, rows, total_row, *, formats, widths, merge_total, caption=""):
    # See render_xlsx: openpyxl is loaded by the summary's Excel download only.
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    columns = len(headers)
    title = f"{summary.year}年度{summary.title}" + (f"（{caption}）" if caption else "")
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=16)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    ws.cell(row=2, column=1, value=f"{summary.scope_label}    {_('单位：万元')}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    header_row = 3
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="F2F2F2")
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c, text in enumerate(headers, 1):
        cell = ws.cell(row=header_row, column=c, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = Font(bold=True), head_fill, head_align, border
    column_styles = {c: f"summary_{STYLE_OF_FORMAT.get(formats.get(c), 'text')}" for c in range(1, columns + 1)}
    r = header_row
    for values in rows + [total_row]:
        r += 1
        suffix = "_total" if values is total_row else ""
        for c, value in enumerate(values, 1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # user text is never a formula
                cell.style = "summary_text" + suffix
            else:
                cell.style = column_styles[c] + suffix
        if suffix and merge_total > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=merge_total)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
