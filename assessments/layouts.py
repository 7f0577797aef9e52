"""One layout description per official form (FORMS.md), shared by the HTML preview, PDF and Excel.

A layout is rows of cells with their spans, as the printed table has them; the writers walk it
without knowing which form it is, so the three outputs cannot drift apart. Every figure in a cell
comes from ``rules.evaluate`` and is only formatted here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessments import rules, selectors
from assessments.models import Assessment

CHECKED, UNCHECKED = "☑", "☐"


@dataclass
class Cell:
    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    kind: str = "text"  # text | head | number | label

    @property
    def align(self):
        return "right" if self.kind == "number" else ("center" if self.kind in ("head", "label") else "left")


@dataclass
class Table:
    widths: list[float]  # relative column widths
    rows: list[list[Cell]] = field(default_factory=list)
    header_rows: int = 0  # rows repeated at the top of every printed page
    caption: str = ""


@dataclass
class Paragraph:
    title: str
    text: str


@dataclass
class Layout:
    title: str
    subtitle: str
    orientation: str  # portrait | landscape
    meta: list[tuple[str, str]]  # (label, value) printed above the table: 单位名称, 填报日期
    blocks: list = field(default_factory=list)  # Tables and Paragraphs in print order
    draft: bool = True
    filename: str = "assessment"


def money(value):
    return rules.format2(value) or ""


def percent(value):
    return "—" if value is None else f"{rules.format2(value)}%"


def num(value):
    return rules.format2(value) or ""


def weight(value):
    return rules.format_decimal(value) or ""


def choices(options, selected):
    """Print header choices as the Hubei form does: 1、部门预算项目☑ 2、区直专项☐."""
    return "  ".join(f"{i}、{o}{CHECKED if o == selected else UNCHECKED}" for i, o in enumerate(options, 1))


def _grouped(indicators, results, make_row, *, first_cols=2):
    """Return indicator rows with 一级 and 二级 merged down over their runs, as printed."""
    rows = [(row, make_row(row, result)) for row, result in zip(indicators, results)]
    out = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j][0].level1 == rows[i][0].level1:
            j += 1
        k = i
        while k < j:
            m = k
            while m < j and rows[m][0].level2 == rows[k][0].level2:
                m += 1
            for n in range(k, m):
                cells = []
                if n == i:
                    cells.append(Cell(rows[i][0].level1, rowspan=j - i, kind="label"))
                if first_cols > 1 and n == k:
                    cells.append(Cell(rows[k][0].level2, rowspan=m - k, kind="label"))
                out.append(cells + rows[n][1])
            k = m
        i = j
    return out


def _meta(a: Assessment):
    date = a.fill_date.strftime("%Y年%m月%d日") if a.fill_date else ""
    return [(_("单位名称"), a.department.name), (_("填报日期"), date)]


def _project_national(a, doc, ev):
    budget = {r.line: (r, b) for r, b in zip(doc.budget, ev.budget)}
    t = Table(widths=[1.1, 1.3, 1.6, 1.3, 1.3, 1.3, 0.8, 0.9, 0.8, 2.2])
    t.rows.append([Cell(_("项目名称"), kind="head"), Cell(a.project.name, colspan=9)])
    t.rows.append([Cell(_("主管部门"), kind="head"), Cell(a.department.name, colspan=4),
                   Cell(_("实施单位"), kind="head", colspan=2), Cell(a.project.implementing_unit, colspan=3)])
    t.rows.append([Cell(_("项目资金（万元）"), rowspan=5, kind="head"), Cell("", colspan=2, kind="head"),
                   Cell(_("年初预算数"), kind="head"), Cell(_("全年预算数"), kind="head"),
                   Cell(_("全年执行数"), kind="head"), Cell(_("分值"), kind="head"), Cell(_("执行率"), kind="head"),
                   Cell(_("得分"), kind="head"), Cell("", kind="head")])
    for line, label in ((rules.LINE_TOTAL, _("年度资金总额")), (rules.LINE_APPROPRIATION, _("其中：当年财政拨款")),
                        (rules.LINE_CARRYOVER, _("上年结转资金")), (rules.LINE_OTHER, _("其他资金"))):
        row, result = budget.get(line, (None, None))
        is_total = line == rules.LINE_TOTAL
        t.rows.append([
            Cell(label, colspan=2), Cell(money(row.initial) if row else "", kind="number"),
            Cell(money(result.adjusted) if row else "", kind="number"),
            Cell(money(row.executed) if row else "", kind="number"),
            Cell(weight(ev.execution_weight) if is_total else "—", kind="number"),
            Cell(percent(result.rate) if row else "", kind="number"),
            Cell(num(ev.execution_score) if is_total else "—", kind="number"), Cell(""),
        ])
    t.rows.append([Cell(_("年度总体目标"), rowspan=2, kind="head"), Cell(_("预期目标"), colspan=4, kind="head"),
                   Cell(_("实际完成情况"), colspan=5, kind="head")])
    t.rows.append([Cell(a.goal_expected, colspan=4), Cell(a.goal_achieved, colspan=5)])
    header = [Cell(_("绩效指标"), kind="head", rowspan=len(doc.indicators) + 1 if doc.indicators else 1),
              Cell(_("一级指标"), kind="head"), Cell(_("二级指标"), kind="head"), Cell(_("三级指标"), kind="head"),
              Cell(_("年度指标值"), kind="head"), Cell(_("实际完成值"), kind="head"), Cell(_("分值"), kind="head"),
              Cell(_("得分"), kind="head"), Cell(_("偏差"), kind="head"),
              Cell(_("偏差原因分析及改进措施"), kind="head")]
    t.rows.append(header)
    t.rows += _grouped(doc.indicators, ev.indicators, lambda r, res: [
        Cell(r.name), Cell(r.target, kind="label"), Cell(r.actual, kind="label"), Cell(weight(r.weight), kind="number"),
        Cell(num(res.score), kind="number"), Cell(res.deviation, kind="number"), Cell(r.reason)])
    t.rows.append([Cell(_("总分"), colspan=6, kind="head"), Cell(weight(a.scheme.total_weight), kind="number"),
                   Cell(num(ev.total), kind="number"), Cell(ev.grade or "", colspan=2, kind="label")])
    t.rows.append([Cell(_("偏差大或目标未完成原因分析"), colspan=2, kind="head"), Cell(a.deviation_reasons, colspan=8)])
    t.rows.append([Cell(_("改进措施及结果应用方案"), colspan=2, kind="head"), Cell(a.improvements, colspan=8)])
    return [t]


HUBEI_NOTES = [
    "预算执行情况口径：预算数为调整后的财政资金总额（含上年结转结余），执行数为资金使用单位的财政资金实际支出数；"
    "得分 = 分值 × 执行率，按扣分四舍五入到两位小数。",
    "定量指标：正向指标（目标值为 ≥X）得分 = 分值 × 实际值 ÷ 目标值；反向指标（目标值为 ≤X）得分 = 分值 × 目标值 ÷ 实际值，"
    "实际值不超过目标值得满分；超额完成不超过该指标分值。",
    "定性指标分“达成年度指标”“部分达成并具有一定效果”“未达成且效果较差”三档，分别在该指标分值的 80%–100%（含 80%）、"
    "50%–80%（含 50%）、0–50% 之间确定得分。",
    "满意度指标可视经济性和必要性暂不作为必评指标。",
]


def _project_hubei(a, doc, ev):
    p = a.project
    t = Table(widths=[1.2, 1.2, 1.4, 2.2, 1.3, 1.3, 1.2])
    t.rows.append([Cell(_("项目名称"), kind="head"), Cell(p.name, colspan=6)])
    t.rows.append([Cell(_("主管部门"), kind="head"), Cell(a.department.name, colspan=2),
                   Cell(_("项目实施单位"), kind="head"), Cell(p.implementing_unit, colspan=3)])
    t.rows.append([Cell(_("项目类别"), kind="head"), Cell(choices(["部门预算项目", "区直专项"], p.category), colspan=6)])
    t.rows.append([Cell(_("项目属性"), kind="head"), Cell(choices(["持续性项目", "新增性项目"], p.attribute), colspan=6)])
    t.rows.append([Cell(_("项目类型"), kind="head"),
                   Cell(choices(["常年性项目", "延续性项目", "一次性项目"], p.type), colspan=6)])
    w = weight(ev.execution_weight)
    t.rows.append([Cell(_("预算执行情况（万元）（%s分）") % w, colspan=3, rowspan=2, kind="head"),
                   Cell(_("预算数(A)"), kind="head"), Cell(_("执行数(B)"), kind="head"),
                   Cell(_("执行率(B/A)"), kind="head"), Cell(_("得分（%s分*执行率）") % w, kind="head")])
    total = next(((r, b) for r, b in zip(doc.budget, ev.budget) if r.line == rules.LINE_TOTAL), (None, None))
    t.rows.append([Cell(money(total[1].adjusted) if total[0] else "", kind="number"),
                   Cell(money(total[0].executed) if total[0] else "", kind="number"),
                   Cell(percent(ev.execution_rate), kind="number"), Cell(num(ev.execution_score), kind="number")])
    indicator_weight = weight(rules.indicator_block_weight(a.scheme.as_rules()))
    t.rows.append([Cell(_("年度绩效目标（%s分）") % indicator_weight, rowspan=len(doc.indicators) + 1, kind="head"),
                   Cell(_("一级指标"), kind="head"), Cell(_("二级指标"), kind="head"), Cell(_("三级指标"), kind="head"),
                   Cell(_("年初目标值(A)"), kind="head"), Cell(_("实际完成值(B)"), kind="head"),
                   Cell(_("得分"), kind="head")])
    t.rows += _grouped(doc.indicators, ev.indicators, lambda r, res: [
        Cell(r.name), Cell(r.target, kind="label"), Cell(r.actual, kind="label"), Cell(num(res.score), kind="number")])
    t.rows.append([Cell(_("总分"), kind="head"), Cell(num(ev.total), colspan=6, kind="number")])
    t.rows.append([Cell(_("偏差大或目标未完成原因分析"), kind="head"), Cell(a.deviation_reasons, colspan=6)])
    t.rows.append([Cell(_("改进措施及结果应用方案"), kind="head"), Cell(a.improvements, colspan=6)])
    notes = Paragraph(_("备注"), "\n".join(f"{i}. {n}" for i, n in enumerate(HUBEI_NOTES, 1)))
    return [t, notes]


def _department_budget(doc, ev):
    t = Table(widths=[2.6, 1.3, 1.6, 1.3, 1.3, 1.1], header_rows=1, caption=_("预算信息"))
    t.rows.append([Cell(_("本年度预算资金（万元）"), kind="head"), Cell(_("年初预算数"), kind="head"),
                   Cell(_("上年度结转及当年预算追加追减数"), kind="head"), Cell(_("调整预算数"), kind="head"),
                   Cell(_("实际支出数"), kind="head"), Cell(_("执行率（%）"), kind="head")])
    labels = {rules.LINE_TOTAL: _("预算总金额"), rules.LINE_BASIC: _("基本支出"), rules.LINE_PROJECT: _("项目支出")}
    for row, result in zip(doc.budget, ev.budget):
        adjustment = result.adjustment
        t.rows.append([Cell(row.name or labels.get(row.line, rules.LINE_LABELS.get(row.line, row.line))),
                       Cell(money(row.initial), kind="number"),
                       Cell("" if not adjustment else money(adjustment), kind="number"),
                       Cell(money(result.adjusted), kind="number"), Cell(money(row.executed), kind="number"),
                       Cell(percent(result.rate), kind="number")])
    return t


def _department(a, doc, ev):
    blocks = []
    if doc.budget:
        blocks.append(_department_budget(doc, ev))
    if doc.key_tasks:
        t = Table(widths=[2, 1.5, 4], header_rows=1, caption=_("年度重点任务"))
        t.rows.append([Cell(_("对应部门主要职责"), kind="head"), Cell(_("任务名称"), kind="head"),
                       Cell(_("完成情况"), kind="head")])
        t.rows += [[Cell(k.duty), Cell(k.task), Cell(k.result)] for k in doc.key_tasks]
        blocks.append(t)
    if doc.indicators:
        scored = a.scheme.scored
        widths = [0.9, 0.9, 2.2, 1.1, 1.1, 1.6, 0.9, 1.6] + ([0.7, 0.7] if scored else [])
        t = Table(widths=widths, header_rows=1, caption=_("部门整体自评表"))
        head = [_("类别"), _("二级指标"), _("指标名称"), _("指标目标值"), _("指标完成值"), _("完成值来源"),
                _("偏差情况"), _("原因分析")] + ([_("分值"), _("得分")] if scored else [])
        t.rows.append([Cell(h, kind="head") for h in head])
        t.rows += _grouped(doc.indicators, ev.indicators, lambda r, res: [
            Cell(r.name), Cell(r.target, kind="label"), Cell(r.actual, kind="label"), Cell(r.source),
            Cell(res.deviation, kind="number"), Cell(r.reason)]
            + ([Cell(weight(r.weight), kind="number"), Cell(num(res.score), kind="number")] if scored else []))
        blocks.append(t)
    if ev.components:
        blocks.append(_components(ev))
    if a.scheme.scored and (ev.total is not None or ev.entered_total is not None):
        t = Table(widths=[2, 2, 2], caption=_("评价结论"))
        t.rows.append([Cell(_("总分"), kind="head"), Cell(_("填报总分"), kind="head"), Cell(_("评价等级"), kind="head")])
        t.rows.append([Cell(num(ev.total) or "—", kind="number"), Cell(num(ev.entered_total) or "—", kind="number"),
                       Cell(ev.grade or "", kind="label")])
        blocks.append(t)
    for title, text in doc.report.items():
        blocks.append(Paragraph(title, text))
    signature = Table(widths=[1.2, 3, 1.5], header_rows=1, caption=_("评价工作组人员名单及签字"))
    signature.rows.append([Cell(_("姓名"), kind="head"), Cell(_("工作单位/职务"), kind="head"),
                           Cell(_("签字"), kind="head")])
    signature.rows += [[Cell(" "), Cell(" "), Cell(" ")] for _i in range(4)]
    blocks.append(signature)
    blocks.append(Paragraph("", f"{a.department.name}\n{a.fill_date.strftime('%Y年%m月%d日') if a.fill_date else ''}"))
    return blocks


def _components(ev):
    t = Table(widths=[2, 1, 1, 1, 1, 1.2], header_rows=1, caption=_("评分结果"))
    t.rows.append([Cell(h, kind="head") for h in (_("评价指标"), _("权重"), _("评级分值"), _("得分"), _("得分率"),
                                                   _("绩效评价"))])
    for c in ev.components:
        t.rows.append([Cell(c.name), Cell(f"{weight(c.weight)}%", kind="number"), Cell(weight(c.weight), kind="number"),
                       Cell(weight(c.score), kind="number"),
                       Cell("" if c.rate is None else f"{c.rate}%", kind="number"), Cell(c.grade or "", kind="label")])
    return t


def _targets(a, doc, ev):
    blocks = []
    t = Table(widths=[1.3, 5.7], caption="")
    t.rows.append([Cell(_("单位名称"), kind="head"), Cell(a.department.name)])
    t.rows.append([Cell(_("单位主要职能"), kind="head"), Cell(a.profile_functions)])
    t.rows.append([Cell(_("机构设置及人员配置"), kind="head"), Cell(a.profile_organization)])
    blocks.append(t)
    money_table = Table(widths=[2.5, 1.3, 1.3], header_rows=1, caption=_("部门整体资金（万元）"))
    money_table.rows.append([Cell(_("资金"), kind="head"), Cell(_("半年计划执行数"), kind="head"),
                             Cell(_("全年预算数"), kind="head")])
    income_labels = {rules.LINE_TOTAL: _("收入：资金总额"), rules.LINE_APPROPRIATION: _("财政拨款小计"),
                     rules.LINE_BASIC: _("支出：基本支出")}
    for row in doc.budget:
        label = row.name or income_labels.get(row.line, rules.LINE_LABELS.get(row.line, row.line))
        money_table.rows.append([Cell(label), Cell(money(row.half_year), kind="number"),
                                 Cell(money(row.initial), kind="number")])
    blocks.append(money_table)
    goals = Table(widths=[1.3, 5.7])
    goals.rows.append([Cell(_("中长期目标"), kind="head"), Cell(a.goal_long_term)])
    goals.rows.append([Cell(_("年度目标"), kind="head"), Cell(a.goal_annual)])
    blocks.append(goals)
    ordinary = [(r, e) for r, e in zip(doc.indicators, ev.indicators) if not r.key_work]
    duty = [(r, e) for r, e in zip(doc.indicators, ev.indicators) if r.key_work]
    if ordinary:
        it = Table(widths=[1, 1.3, 3, 1.2, 1.2], header_rows=1, caption=_("绩效指标"))
        it.rows.append([Cell(h, kind="head") for h in (_("一级指标"), _("二级指标"), _("三级指标"), _("半年指标值"),
                                                       _("全年指标值"))])
        it.rows += _grouped([r for r, _e in ordinary], [e for _r, e in ordinary], lambda r, res: [
            Cell(r.name), Cell(r.half_year_target, kind="label"), Cell(r.target, kind="label")])
        blocks.append(it)
    if duty:
        dt = Table(widths=[0.8, 1.1, 1.6, 1.6, 2.4, 1, 1], header_rows=1, caption=_("履职指标"))
        dt.rows.append([Cell(h, kind="head") for h in (_("一级指标"), _("二级指标"), _("重点工作"), _("对应项目"),
                                                       _("三级指标"), _("半年指标值"), _("全年指标值"))])
        dt.rows += _grouped([r for r, _e in duty], [e for _r, e in duty], lambda r, res: [
            Cell(r.key_work), Cell(r.project_name), Cell(r.name), Cell(r.half_year_target, kind="label"),
            Cell(r.target, kind="label")])
        blocks.append(dt)
    return blocks


def build_layout(assessment: Assessment) -> Layout:
    """Return the official layout of an assessment, filled with its figures."""
    doc = selectors.assessment_document(assessment=assessment)
    ev = rules.evaluate(doc.form(), assessment.scheme.as_rules())
    year = assessment.fiscal_year.year
    a = assessment
    if a.kind == rules.KIND_PROJECT:
        hubei = a.scheme.layout == "hubei"
        title = f"{year}年度{a.project.name}项目自评表" if hubei else _("项目支出绩效自评表")
        blocks = _project_hubei(a, doc, ev) if hubei else _project_national(a, doc, ev)
        orientation = "portrait" if hubei else "landscape"
    elif a.kind == rules.KIND_DEPARTMENT:
        title, blocks, orientation = _("部门整体支出绩效自评表"), _department(a, doc, ev), "landscape"
    else:
        title, blocks, orientation = _("部门整体预算绩效目标表"), _targets(a, doc, ev), "landscape"
    return Layout(
        title=title, subtitle=_("（%(year)s年度）") % {"year": year}, orientation=orientation, meta=_meta(a),
        blocks=blocks, draft=a.status != Assessment.Status.APPROVED, filename=f"assessment-{a.pk}",
    )
