"""One layout description per official form (FORMS.md), shared by the HTML preview, PDF, Excel and Word.

A layout is rows of cells with their spans, as the printed table has them; the writers walk it
without knowing which form it is, so the outputs cannot drift apart. ``build_layout`` is pure: it
reads only the interchange document, its evaluation and the scheme (whose ``print_outline`` holds
the jurisdiction's titles and section order as data), so an approved form prints from what was
frozen at approval. Every figure in a cell comes from ``rules`` and is only formatted here.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from assessments.domain import figures, rules, schemes
from assessments.domain.interchange import KINDS, Document

CHECKED, UNCHECKED = "☑", "☐"


@dataclass
class Cell:
    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    kind: str = "text"  # text | head | number | label | sign
    value: Decimal | None = None  # the figure a number cell shows, for Excel and Word
    fmt: str = ""  # its Excel number format, printing exactly ``text``

    @property
    def align(self):
        return "right" if self.kind == "number" else ("center" if self.kind in ("head", "label") else "left")


@dataclass
class Table:
    widths: list[float]  # relative column widths
    rows: list[list[Cell]] = field(default_factory=list)
    header_rows: int = 0  # rows repeated at the top of every printed page
    caption: str = ""
    joined: bool = False  # printed flush under the previous table, as one form


@dataclass
class Paragraph:
    title: str
    text: str
    align: str = "justify"  # the closing unit and date are printed to the right


@dataclass
class Layout:
    title: str
    subtitle: str
    orientation: str  # portrait | landscape
    meta: list[tuple[str, str]]  # (label, value) printed above the table: 单位名称, 填报人, 填报日期
    blocks: list = field(default_factory=list)  # Tables and Paragraphs in print order
    draft: bool = True
    filename: str = "assessment"
    author: str = ""  # the department, PDF/Word metadata
    subject: str = ""
    document_title: str = ""  # the PDF/Word title: 2023年度 职工书屋建设 项目支出绩效自评表
    created: datetime.date | None = None
    kind: str = ""


# ---------------------------------------------------------------------------------------------
# Figures: the text as printed (domain/figures.py) and the number behind it, for Excel
# ---------------------------------------------------------------------------------------------
def _places(text):
    digits = text.rstrip("%")
    return len(digits.split(".")[1]) if "." in digits else 0


def figure(value, text, *, percent=False) -> Cell:
    """Return a number cell printing ``text``; Excel gets the number with the same decimals."""
    if value is None or text in (None, ""):
        return Cell(figures.DASH if percent else "", kind="number")
    places = _places(text)
    fmt = ("0." + "0" * places if places else "0") + ("%" if percent else "")
    return Cell(text, kind="number", value=(value / 100 if percent else value), fmt=fmt)


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def value_cell(text, kind="label") -> Cell:
    """A cell for text a user or the rules wrote: a bare number or percent (100%, 60.00%) becomes a
    number in Excel, printed the same; anything else (≥90%, 满意, 426人) stays text."""
    text = text or ""
    if not _PLAIN_NUMBER.fullmatch(text):
        return Cell(text, kind=kind)
    cell = figure(Decimal(text.rstrip("%")), text, percent=text.endswith("%"))
    cell.kind = kind
    return cell


def money(value) -> Cell:
    """An amount as the project tables print it: 2 decimals (RULES §1)."""
    return figure(value, figures.amount(value))


def plain_money(value) -> Cell:
    """An amount as the department tables print it: its own decimals (897.334, 501.4, 0)."""
    return figure(value, figures.whole(value))


def percent(value) -> Cell:
    """A rate with 2 decimals and % (95.18%); "—" without one."""
    return figure(value, figures.percent(value, ""), percent=True)


def short_percent(value) -> Cell:
    """A rate printed as the table prints it: 95%, 88.8% (得分率, 权重)."""
    return figure(value, figures.short_percent(value, ""), percent=True)


def score(value) -> Cell:
    """A score with 2 decimals (98.35, 10.00)."""
    return figure(value, figures.score(value, ""))


def whole(value) -> Cell:
    """A weight or a score printed without trailing zeros (10, 22.5)."""
    return figure(value, figures.whole(value))


def choices(options, selected):
    """Print header choices as the Hubei form does: 1、部门预算项目☑ 2、区直专项☐."""
    return "  ".join(f"{i}、{o}{CHECKED if o == selected else UNCHECKED}" for i, o in enumerate(options, 1))


def _runs(items, key, start, stop):
    """Yield (first, last) index pairs of runs of equal ``key`` in items[start:stop]."""
    i = start
    while i < stop:
        j = i
        while j < stop and key(items[j]) == key(items[i]):
            j += 1
        yield i, j
        i = j


def _grouped(indicators, results, make_row, *, levels=2, level2_span=1, extra_merge=()):
    """Return indicator rows with 一级 and 二级 (and ``extra_merge`` columns) merged over their runs."""
    rows = list(zip(indicators, results))
    out = [[] for _ in rows]
    for i, j in _runs(rows, lambda r: r[0].level1, 0, len(rows)):
        out[i].append(Cell(rows[i][0].level1, rowspan=j - i, kind="label"))
        if levels < 2:
            continue
        for k, m in _runs(rows, lambda r: r[0].level2, i, j):
            out[k].append(Cell(rows[k][0].level2, rowspan=m - k, colspan=level2_span, kind="label"))
            for n in range(k, m):
                out[n].extend(_merged_extras(rows, n, k, m, extra_merge))
    for n, (row, result) in enumerate(rows):
        if levels < 2:
            out[n].extend(_merged_extras(rows, n, 0, len(rows), extra_merge))
        out[n].extend(make_row(row, result))
    return out


def _merged_extras(rows, n, start, stop, extra_merge):
    """Cells such as 重点工作/对应项目, merged down while they repeat within the 二级 run."""
    cells = []
    for attr in extra_merge:
        value = lambda r, a=attr: getattr(r[0], a)  # noqa: E731
        for i, j in _runs(rows, value, start, stop):
            if i == n:
                cells.append(Cell(value(rows[i]), rowspan=j - i, kind="label"))
    return cells


def _date(value):
    return value.strftime("%Y年%m月%d日") if value else ""


def _meta(doc: Document, *, unit_label=None):
    meta = [(unit_label or _("单位名称"), doc.department)]
    filled = doc.filled_by or {}
    if filled.get("name"):
        meta.append((_("填报人"), filled["name"]))
    if filled.get("phone"):
        meta.append((_("联系电话"), filled["phone"]))
    meta.append((_("填报日期"), _date(filled.get("date"))))
    return meta


# ---------------------------------------------------------------------------------------------
# F1 项目支出绩效自评表
# ---------------------------------------------------------------------------------------------
def _project_national(doc, ev, scheme):
    budget = {r.line: (r, b) for r, b in zip(doc.budget, ev.budget)}
    p = doc.project
    top = Table(widths=[1.2, 2.4, 1.3, 1.3, 1.3, 0.9, 1.1, 1.0])
    top.rows.append([Cell(_("项目名称"), kind="head"), Cell(p.name, colspan=7)])
    top.rows.append([Cell(_("主管部门"), kind="head"), Cell(doc.department, colspan=3),
                     Cell(_("实施单位"), kind="head"), Cell(p.implementing_unit, colspan=3)])
    top.rows.append([Cell(_("项目资金（万元）"), rowspan=5, kind="head"), Cell("", kind="head"),
                     Cell(_("年初预算数"), kind="head"), Cell(_("全年预算数"), kind="head"),
                     Cell(_("全年执行数"), kind="head"), Cell(_("分值"), kind="head"), Cell(_("执行率"), kind="head"),
                     Cell(_("得分"), kind="head")])
    for line, label in ((rules.LINE_TOTAL, _("年度资金总额")), (rules.LINE_APPROPRIATION, _("其中：当年财政拨款")),
                        (rules.LINE_CARRYOVER, _("上年结转资金")), (rules.LINE_OTHER, _("其他资金"))):
        row, result = budget.get(line, (None, None))
        is_total = line == rules.LINE_TOTAL
        top.rows.append([
            Cell(label), money(row.initial if row else None), money(result.adjusted if row else None),
            money(row.executed if row else None),
            whole(ev.execution_weight) if is_total else Cell("—", kind="label"),
            percent(result.rate) if row else Cell("", kind="number"),
            score(ev.execution_score) if is_total else Cell("—", kind="label"),
        ])
    top.rows.append([Cell(_("年度总体目标"), rowspan=2, kind="head"), Cell(_("预期目标"), colspan=3, kind="head"),
                     Cell(_("实际完成情况"), colspan=4, kind="head")])
    top.rows.append([Cell(doc.goals.get("expected", ""), colspan=3), Cell(doc.goals.get("achieved", ""), colspan=4)])

    # The indicator block is its own table so that its column header repeats on every page;
    # the columns suit their content (names and reasons wide, figures narrow).
    widths = [0.45, 0.8, 1.0, 2.05, 0.8, 0.8, 0.5, 0.6, 5.45]
    t = Table(widths=widths, header_rows=1, joined=True)
    t.rows.append([Cell(h, kind="head") for h in (
        _("绩效指标"), _("一级指标"), _("二级指标"), _("三级指标"), _("年度指标值"), _("实际完成值"), _("分值"),
        _("得分"), _("偏差原因分析及改进措施"))])
    body = _grouped(doc.indicators, ev.indicators, lambda r, res: [
        Cell(r.name), value_cell(r.target), value_cell(r.actual), whole(r.weight),
        score(res.score), Cell(r.reason)])
    if body:
        body[0].insert(0, Cell("", rowspan=len(body), kind="head"))
    t.rows += body
    # The closing rows belong to the same table: a page holding only them still shows the header.
    end = t
    grade = f"{_('评价等级')}：{ev.grade}" if ev.grade else ""
    end.rows.append([Cell(_("总分"), colspan=6, kind="head"), whole(scheme.total_weight), score(ev.total),
                     Cell(grade, kind="label")])
    end.rows.append([Cell(_("偏差大或目标未完成原因分析"), colspan=2, kind="head"),
                     Cell(doc.analysis.get("deviation_reasons", ""), colspan=7)])
    end.rows.append([Cell(_("改进措施及结果应用方案"), colspan=2, kind="head"),
                     Cell(doc.analysis.get("improvements", ""), colspan=7)])
    return [top, t]


# The four 备注 as the 新洲 附件2 form prints them (part of the official form, verbatim).
HUBEI_NOTES = [
    "预算执行情况口径：预算数为调整后财政资金总额（包括上年结余结转），执行数为资金使用单位财政资金实际支出数。",
    "定量指标完成数汇总原则：绝对值直接累加计算，相对值按照资金额度加权平均计算。定量指标计分原则：正向指标"
    "（即目标值为≥X，得分=权重*B/A），反向指标（即目标值为≤X，得分=权重*A/B），得分不得突破权重总额。"
    "定量指标先汇总完成数，再计算得分。",
    "定性指标计分原则：达成预期指标、部分达成预期指标并具有一定效果、未达成预期指标且效果较差三档，分别按照该指标"
    "对应分值区间 100—80%（含 80%）、80—50%（含 50%）、50—0%合理确定分值。汇总时，以资金额度为权重，对分值进行"
    "加权平均计算。",
    "基于经济性和必要性等因素考虑，满意度指标暂可不作为必评指标。",
]


def _project_hubei(doc, ev, scheme):
    p = doc.project
    t = Table(widths=[1.3, 1.1, 1.5, 2.5, 1.3, 1.3, 1.2])
    t.rows.append([Cell(_("项目名称"), kind="head"), Cell(p.name, colspan=6)])
    t.rows.append([Cell(_("主管部门"), kind="head"), Cell(doc.department, colspan=2),
                   Cell(_("项目实施单位"), kind="head"), Cell(p.implementing_unit, colspan=3)])
    t.rows.append([Cell(_("项目类别"), kind="head"), Cell(choices(["部门预算项目", "区直专项"], p.category), colspan=6)])
    t.rows.append([Cell(_("项目属性"), kind="head"), Cell(choices(["持续性项目", "新增性项目"], p.attribute), colspan=6)])
    t.rows.append([Cell(_("项目类型"), kind="head"),
                   Cell(choices(["常年性项目", "延续性项目", "一次性项目"], p.type), colspan=6)])
    w = figures.whole(ev.execution_weight)
    t.rows.append([Cell(_("预算执行情况（万元）（%s分）") % w, colspan=2, rowspan=2, kind="head"), Cell("", kind="head"),
                   Cell(_("预算数(A)"), kind="head"), Cell(_("执行数(B)"), kind="head"),
                   Cell(_("执行率(B/A)"), kind="head"), Cell(_("得分（%s分*执行率）") % w, kind="head")])
    total = next(((r, b) for r, b in zip(doc.budget, ev.budget) if r.line == rules.LINE_TOTAL), (None, None))
    t.rows.append([Cell(_("年度财政资金总额"), kind="label"),
                   whole(total[1].adjusted if total[0] else None), whole(total[0].executed if total[0] else None),
                   short_percent(ev.execution_rate), whole(ev.execution_score)])
    indicator_weight = figures.whole(rules.indicator_block_weight(scheme))
    t.rows.append([Cell(_("年度绩效目标1（%s分）") % indicator_weight, rowspan=len(doc.indicators) + 1, kind="head"),
                   Cell(_("一级指标"), kind="head"), Cell(_("二级指标"), kind="head"), Cell(_("三级指标"), kind="head"),
                   Cell(_("年初目标值(A)"), kind="head"), Cell(_("实际完成值(B)"), kind="head"),
                   Cell(_("得分"), kind="head")])
    t.rows += _grouped(doc.indicators, ev.indicators, lambda r, res: [
        Cell(r.name), value_cell(r.target), value_cell(r.actual), whole(res.score)])
    total_cell = whole(ev.total)
    total_cell.colspan = 6
    total_cell.kind = "label"
    t.rows.append([Cell(_("总分"), kind="head"), total_cell])
    t.rows.append([Cell(_("偏差大或目标未完成原因分析"), kind="head"),
                   Cell(doc.analysis.get("deviation_reasons", ""), colspan=6)])
    t.rows.append([Cell(_("改进措施及结果应用方案"), kind="head"), Cell(doc.analysis.get("improvements", ""), colspan=6)])
    notes = Paragraph(_("备注："), "\n".join(f"{i}.{n}" for i, n in enumerate(HUBEI_NOTES, 1)))
    return [t, notes]


# ---------------------------------------------------------------------------------------------
# F2 部门整体支出绩效自评表 / 自评报告
# ---------------------------------------------------------------------------------------------
def _department_budget(doc, ev, caption):
    t = Table(widths=[2.6, 1.3, 1.6, 1.3, 1.3, 1.1], header_rows=1, caption=caption)
    t.rows.append([Cell(_("本年度预算资金（万元）"), kind="head"), Cell(_("年初预算数（万元）"), kind="head"),
                   Cell(_("上年度结转及当年预算追加追减数（万元）"), kind="head"), Cell(_("调整预算数（万元）"), kind="head"),
                   Cell(_("实际支出数（万元）"), kind="head"), Cell(_("执行率（%）"), kind="head")])
    labels = {rules.LINE_TOTAL: _("预算总金额"), rules.LINE_BASIC: _("基本支出"), rules.LINE_PROJECT: _("项目支出")}
    for row, result in zip(doc.budget, ev.budget):
        adjustment = result.adjustment
        t.rows.append([Cell(row.name or labels.get(row.line, rules.LINE_LABELS.get(row.line, row.line))),
                       plain_money(row.initial), plain_money(adjustment) if adjustment else Cell("", kind="number"),
                       plain_money(result.adjusted), plain_money(row.executed), percent(result.rate)])
    return t


def _department_indicators(doc, ev, scheme, outline, caption):
    scored = scheme.scored
    goal = outline.get("indicator_goal_column", "")
    has_level2 = any(r.level2 for r in doc.indicators)
    widths = ([0.6] if goal else []) + [0.75] + ([0.9] if has_level2 else []) + [2.3, 1.2, 1.2, 1.6, 0.95, 1.4]
    widths += [0.7, 0.7] if scored else []
    t = Table(widths=widths, header_rows=1, caption=caption)
    head = ([""] if goal else []) + [_("类别")] + ([_("二级指标")] if has_level2 else []) + [
        _("指标名称"), _("指标目标值"), _("指标完成值"), _("完成值来源"), _("偏差情况"), _("原因分析")]
    head += [_("分值"), _("得分")] if scored else []
    t.rows.append([Cell(h, kind="head") for h in head])
    body = _grouped(doc.indicators, ev.indicators, lambda r, res: [
        Cell(r.name), value_cell(r.target), value_cell(r.actual), Cell(r.source),
        value_cell(res.deviation), Cell(r.reason)]
        + ([whole(r.weight), score(res.score)] if scored else []), levels=2 if has_level2 else 1)
    if goal and body:
        body[0].insert(0, Cell(goal, rowspan=len(body), kind="label"))
    t.rows += body
    return t


def _components(ev, scheme, caption):
    t = Table(widths=[2, 1, 1, 1, 1, 1.2], header_rows=1, caption=caption)
    t.rows.append([Cell(h, kind="head") for h in (_("评价指标"), _("权重"), _("评级分值"), _("得分"), _("得分率"),
                                                   _("绩效评价"))])
    rows = list(ev.components)
    overall = rules.overall_component(ev, scheme)
    for c in rows + ([overall] if overall else []):
        t.rows.append([Cell(c.name), short_percent(c.weight), whole(c.weight), whole(c.score), short_percent(c.rate),
                       Cell(c.grade or "", kind="label")])
    return t


@dataclass
class ProjectResult:
    """One of the department's project forms, as its report quotes it (石家庄 section 三)."""

    name: str
    document: Document
    evaluation: rules.Evaluation


def _projects(projects, caption):
    t = Table(widths=[3, 1.2, 1.2, 1.1, 1, 1, 1], header_rows=1, caption=caption)
    t.rows.append([Cell(h, kind="head") for h in (_("项目名称"), _("全年预算数（万元）"), _("全年执行数（万元）"),
                                                   _("预算执行率"), _("执行扣分"), _("自评得分"), _("评价等级"))])
    for p in projects:
        ev = p.evaluation
        total = next(((r, b) for r, b in zip(p.document.budget, ev.budget) if r.line == rules.LINE_TOTAL),
                     (None, None))
        deduction = ev.execution_deduction
        t.rows.append([
            Cell(p.name), money(total[1].adjusted if total[0] else None), money(total[0].executed if total[0] else None),
            percent(ev.execution_rate),
            Cell(f"扣{figures.two(deduction)}" if deduction else _("不扣分"), kind="label"),
            score(ev.shown_total), Cell(ev.grade or "", kind="label")])
    return t


def _base(base_figures, caption):
    t = Table(widths=[3, 1.3, 4], header_rows=1, caption=caption)
    t.rows.append([Cell(_("指标"), kind="head"), Cell(_("数值"), kind="head"), Cell(_("计算方法"), kind="head")])
    for d in base_figures:
        t.rows.append([Cell(d.name), percent(d.value), Cell(d.formula)])
    return t


_SIGNER = re.compile(r"^\s*(?P<name>[^（(]+?)\s*[（(](?P<role>.*)[）)]\s*$")


def _signers(text):
    """Split 评价工作组 text ("张宝山（副主席）；郟建军（部长）" or one per line) into (name, role)."""
    people = []
    for part in re.split(r"[；;\n]+", text or ""):
        part = part.strip().rstrip("。")
        if not part:
            continue
        m = _SIGNER.match(part)
        if m:
            people.append((m["name"], m["role"]))
        else:
            bits = re.split(r"\t+|\s{2,}", part, maxsplit=1)
            people.append((bits[0], bits[1] if len(bits) > 1 else ""))
    return people


def _signature(text, caption):
    t = Table(widths=[1.3, 3.6, 1.8], header_rows=1, caption=caption)
    t.rows.append([Cell(_("姓名"), kind="head"), Cell(_("工作单位/职务"), kind="head"), Cell(_("签字"), kind="head")])
    people = _signers(text)
    people += [("", "")] * max(2, 5 - len(people))
    t.rows += [[Cell(name, kind="sign"), Cell(role, kind="sign"), Cell("", kind="sign")] for name, role in people]
    return t


def _department(doc, ev, scheme, outline, *, projects=(), base_figures=()):
    captions = outline["captions"]
    sections = list(doc.report.items())
    signature_sections = [(t, x) for t, x in sections if "评价工作组" in t]
    printed = {t for t, _x in signature_sections}
    blocks = []
    for item in outline["department_order"]:
        if item == "report" or item.startswith("report:"):
            prefix = item.partition(":")[2]
            for title, text in sections:
                if title not in printed and title.startswith(prefix):
                    printed.add(title)
                    blocks.append(Paragraph(title, text))
        elif item == "budget" and doc.budget and any(r.line != rules.LINE_TOTAL for r in doc.budget):
            blocks.append(_department_budget(doc, ev, captions["budget"]))
        elif item == "key_tasks" and doc.key_tasks:
            t = Table(widths=[2.2, 1.6, 4.2], header_rows=1, caption=captions["key_tasks"])
            t.rows.append([Cell(_("对应部门主要职责"), kind="head"), Cell(_("任务名称"), kind="head"),
                           Cell(_("完成情况"), kind="head")])
            t.rows += [[Cell(k.duty), Cell(k.task), Cell(k.result)] for k in doc.key_tasks]
            blocks.append(t)
        elif item == "indicators" and doc.indicators:
            blocks.append(_department_indicators(doc, ev, scheme, outline, captions["indicators"]))
        elif item == "components" and doc.components:
            blocks.append(_components(ev, scheme, captions["components"]))
        elif item == "conclusion" and scheme.scored and not doc.components and ev.shown_total is not None:
            t = Table(widths=[2, 2], caption=captions["conclusion"])
            t.rows.append([Cell(_("总分"), kind="head"), Cell(_("评价等级"), kind="head")])
            t.rows.append([score(ev.shown_total), Cell(ev.grade or "", kind="label")])
            blocks.append(t)
        elif item == "projects" and projects:
            blocks.append(_projects(projects, captions["projects"]))
        elif item == "base" and base_figures:
            blocks.append(_base(base_figures, captions["base"]))
        elif item == "signature":
            caption = signature_sections[0][0] if signature_sections else captions["signature"]
            blocks.append(_signature(signature_sections[0][1] if signature_sections else "", caption))
        elif item == "closing":
            blocks.append(Paragraph("", f"{doc.department}\n{_date((doc.filled_by or {}).get('date'))}", align="right"))
    return blocks


# ---------------------------------------------------------------------------------------------
# F3 部门整体预算绩效目标表 (one table of seven columns, as 无锡 prints it)
# ---------------------------------------------------------------------------------------------
INCOME_LINES = [
    (rules.LINE_TOTAL, None, "资金总额"),
    (rules.LINE_APPROPRIATION, "财政拨款", "小计"),
    (rules.LINE_GENERAL_BUDGET, "财政拨款", "一般公共预算资金"),
    (rules.LINE_GOV_FUND, "财政拨款", "政府性基金"),
    (rules.LINE_SPECIAL_ACCOUNT, "财政拨款", "财政专户管理资金"),
    (rules.LINE_STATE_CAPITAL, None, "国有资本金"),
    (rules.LINE_SOCIAL_INSURANCE, None, "社保基金"),
    (rules.LINE_CARRYOVER, None, "上年结转资金"),
    (rules.LINE_OTHER, None, "其他资金"),
]
BENEFIT_LEVEL2 = ("社会效益", "经济效益", "生态效益", "可持续发展")


def _targets(doc, ev):
    t = Table(widths=[1.1, 1.3, 1.6, 1.9, 2.8, 1.1, 1.1])
    t.rows.append([Cell(_("单位名称"), kind="head"), Cell(doc.department, colspan=6)])
    t.rows.append([Cell(_("单位主要职能"), kind="head"), Cell(doc.profile.get("functions", ""), colspan=6)])
    t.rows.append([Cell(_("机构设置及人员配置"), kind="head"), Cell(doc.profile.get("organization", ""), colspan=6)])

    by_line = {}
    for row in doc.budget:
        by_line.setdefault(row.line, []).append(row)
    income = [(line, group, label) for line, group, label in INCOME_LINES if line in by_line]
    expense = [r for r in doc.budget if r.line in (rules.LINE_BASIC, rules.LINE_PROJECT, rules.LINE_ITEM)]
    money_rows = []
    if income:
        money_rows.append([Cell(_("收入"), colspan=3, kind="head"), Cell("", kind="head"),
                           Cell(_("全年预算数"), colspan=2, kind="head")])
        groups = {}
        for line, group, _label in income:
            if group:
                groups[group] = groups.get(group, 0) + 1
        seen = set()
        for line, group, label in income:
            row = by_line[line][0]
            cells = []
            if group and group not in seen:
                seen.add(group)
                cells.append(Cell(group, rowspan=groups[group], kind="label"))
            cells += ([Cell(label, colspan=2)] if group else [Cell(label, colspan=3)])
            amount = plain_money(row.initial)
            amount.colspan = 2
            cells += [Cell("", kind="number"), amount]
            money_rows.append(cells)
    if expense:
        money_rows.append([Cell(_("支出"), colspan=3, kind="head"), Cell("", kind="head"),
                           Cell(_("半年计划执行数"), kind="head"), Cell(_("全年预算数"), kind="head")])
        for row in expense:
            label = row.name or rules.LINE_LABELS.get(row.line, row.line)
            money_rows.append([Cell(label, colspan=4), plain_money(row.half_year), plain_money(row.initial)])
    if money_rows:
        money_rows[0].insert(0, Cell(_("部门整体资金（万元）"), rowspan=len(money_rows), kind="head"))
        t.rows += money_rows
    t.rows.append([Cell(_("中长期目标"), kind="head"), Cell(doc.goals.get("long_term", ""), colspan=6)])
    t.rows.append([Cell(_("年度目标"), kind="head"), Cell(doc.goals.get("annual", ""), colspan=6)])

    pairs = list(zip(doc.indicators, ev.indicators))
    duty = [(r, e) for r, e in pairs if r.key_work or r.level1 == "履职"]
    ordinary = [(r, e) for r, e in pairs if (r, e) not in duty]
    early = [(r, e) for r, e in ordinary if r.level1 in ("决策", "过程")]
    late = [(r, e) for r, e in ordinary if (r, e) not in early]
    late = _with_empty_benefit_rows(late)
    head = [Cell(_("一级指标"), kind="head"), Cell(_("二级指标"), colspan=3, kind="head"),
            Cell(_("三级指标"), kind="head"), Cell(_("半年指标值"), kind="head"), Cell(_("全年指标值"), kind="head")]

    def ordinary_rows(items):
        return _grouped([r for r, _e in items], [e for _r, e in items], lambda r, res: [
            Cell(r.name), value_cell(r.half_year_target), value_cell(r.target)], level2_span=3)

    tables = [t]
    if early:
        it = Table(widths=t.widths, header_rows=1, joined=True)
        it.rows.append(list(head))
        it.rows += ordinary_rows(early)
        tables.append(it)
    if duty:
        dt = Table(widths=t.widths, header_rows=1, joined=True)
        dt.rows.append([Cell(h, kind="head") for h in (_("一级指标"), _("二级指标"), _("重点工作"), _("对应项目"),
                                                       _("三级指标"), _("半年指标值"), _("全年指标值"))])
        dt.rows += _grouped([r for r, _e in duty], [e for _r, e in duty], lambda r, res: [
            Cell(r.name), value_cell(r.half_year_target), value_cell(r.target)],
            extra_merge=("key_work", "project_name"))
        tables.append(dt)
    if late:
        lt = Table(widths=t.widths, header_rows=1, joined=True)
        lt.rows.append([Cell(c.text, colspan=c.colspan, kind=c.kind) for c in head])
        lt.rows += ordinary_rows(late)
        tables.append(lt)
    return tables


def _with_empty_benefit_rows(items):
    """Keep the printed 效益 二级 rows (经济效益, 生态效益 …) even when the form leaves them empty."""
    benefit = [i for i, (r, _e) in enumerate(items) if r.level1 == "效益"]
    if not benefit:
        return items
    present = {items[i][0].level2 for i in benefit}
    out = [p for p in items if p[0].level1 != "效益"]
    rows = [p for p in items if p[0].level1 == "效益"]
    ordered = []
    for name in BENEFIT_LEVEL2:
        ordered += [p for p in rows if p[0].level2 == name]
        if name not in present:
            ordered.append((rules.IndicatorRow(level1="效益", level2=name, name="", target=""),
                            rules.IndicatorResult(None, None, None, "", False)))
    ordered += [p for p in rows if p[0].level2 not in BENEFIT_LEVEL2]
    return out[:benefit[0]] + ordered + out[benefit[0]:]


# ---------------------------------------------------------------------------------------------
def _fill(pattern, doc):
    return pattern.format(year=doc.fiscal_year, department=doc.department,
                          project=doc.project.name if doc.project else "")


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


def filename_for(doc: Document) -> str:
    """Name a download after its form: 2023年度_职工书屋建设_项目支出绩效自评表."""
    subject = doc.project.name if doc.project else doc.department
    parts = [f"{doc.fiscal_year}年度", subject, KINDS[doc.kind]]
    return "_".join(_UNSAFE_FILENAME.sub("_", p).strip("_") for p in parts if p)


def build_layout(document: Document, evaluation: rules.Evaluation, scheme: rules.Scheme, *, draft=True,
                 projects=(), base_figures=()) -> Layout:
    """Return the official layout of a form from its document, evaluation and scheme (no database).

    ``projects`` are the department's project forms (``ProjectResult``) a department report quotes,
    ``base_figures`` the indicators its base data computes (``rules.department_indicators``).
    """
    doc, ev = document, evaluation
    outline = scheme.print_outline or schemes.outline_for(scheme.key)
    title = _fill(outline["titles"].get(doc.kind, KINDS[doc.kind]), doc)
    subtitle = _fill(outline["subtitles"].get(doc.kind, ""), doc)
    if doc.kind == rules.KIND_PROJECT:
        hubei = scheme.layout == "hubei"
        blocks = _project_hubei(doc, ev, scheme) if hubei else _project_national(doc, ev, scheme)
        orientation = "portrait" if hubei else "landscape"
    elif doc.kind == rules.KIND_DEPARTMENT:
        blocks = _department(doc, ev, scheme, outline, projects=projects, base_figures=base_figures)
        # Reports are mostly prose: the published ones are portrait.
        orientation = "portrait"
    else:
        blocks, orientation = _targets(doc, ev), "landscape"
    return Layout(
        title=title, subtitle=subtitle, orientation=orientation, meta=_meta(doc), blocks=blocks, draft=draft,
        filename=filename_for(doc), author=doc.department, kind=doc.kind,
        subject=f"{title}{subtitle}", document_title=doc.title, created=(doc.filled_by or {}).get("date"),
    )
