"""The entry wizard's steps, as data: which fields and rows each official form asks for, in order.

A step is either a set of plain fields of the assessment or a table of rows (budget lines,
indicators, key tasks …), each column with its printed label. Pages, messages (core.labels), the Excel
template and the JSON import all name a field by these labels.
"""
from __future__ import annotations

from dataclasses import dataclass


from django.utils.translation import gettext_lazy as _

from assessments.domain import interchange, rules
from assessments.models import Assessment


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str = "text"  # text | textarea | amount | decimal | choice | date
    choices: tuple = ()
    width: str = ""
    max_length: int = 0  # the database column's, so a long text is a message here, not a DB error


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    fields: tuple[Column, ...] = ()  # plain fields of the assessment (or its project)
    rows: str = ""  # document attribute holding the rows: budget, indicators, key_tasks, …
    columns: tuple[Column, ...] = ()

    @property
    def is_rows(self):
        return bool(self.rows)


LINE_CHOICES_PROJECT = tuple((k, rules.LINE_LABELS[k]) for k in rules.PROJECT_LINES)


LINE_CHOICES_DEPARTMENT = tuple((k, rules.LINE_LABELS[k]) for k in rules.DEPARTMENT_LINES)


LINE_CHOICES_TARGETS = tuple((k, rules.LINE_LABELS[k]) for k in rules.TARGET_LINES)


BAND_CHOICES = (("", "—"),) + tuple(rules.BAND_LABELS.items())


FILLED_BY = (
    Column("filled_by_name", _("填报人"), max_length=50), Column("filled_by_phone", _("联系电话"), max_length=50),
    Column("fill_date", _("填报日期"), "date"),
)


PROFILE = (Column("profile_functions", _("单位主要职能"), "textarea"),
           Column("profile_organization", _("机构设置及人员配置"), "textarea"))


ANALYSIS = Step("analysis", _("偏差分析"), fields=(
    Column("deviation_reasons", _("偏差大或目标未完成原因分析"), "textarea"),
    Column("improvements", _("改进措施及结果应用方案"), "textarea"),
))


PREVIEW = Step("preview", _("预览与提交"))


INDICATOR_COLUMNS = (
    Column("level1", _("一级指标"), width="7em", max_length=50), Column("level2", _("二级指标"), width="8em", max_length=50),
    Column("name", _("三级指标"), width="12em", max_length=200),
    Column("target", _("年度指标值"), width="7em", max_length=200),
    Column("actual", _("实际完成值"), width="7em", max_length=200), Column("weight", _("分值"), "decimal", width="4em"),
    Column("band", _("定性档次"), "choice", BAND_CHOICES, width="7em"),
    Column("share", _("得分比例%"), "decimal", width="4em"), Column("score", _("评价人打分"), "decimal", width="4em"),
    Column("source", _("完成值来源"), width="7em", max_length=200), Column("reason", _("偏差原因分析及改进措施"), "textarea", width="12em"),
)


TARGET_INDICATOR_COLUMNS = (
    Column("level1", _("一级指标"), width="6em", max_length=50),
    Column("level2", _("二级指标"), width="7em", max_length=50),
    Column("key_work", _("重点工作"), width="9em", max_length=200),
    Column("project", _("对应项目"), width="9em", max_length=200),
    Column("name", _("三级指标"), width="12em", max_length=200),
    Column("half_year_target", _("半年指标值"), width="6em", max_length=200),
    Column("target", _("全年指标值"), width="6em", max_length=200),
)


def budget_step(kind):
    if kind == rules.KIND_PROJECT:
        choices, cols = LINE_CHOICES_PROJECT, ("initial", "adjusted", "executed")
    elif kind == rules.KIND_DEPARTMENT:
        choices, cols = LINE_CHOICES_DEPARTMENT, ("initial", "adjustment", "adjusted", "executed")
    else:
        choices, cols = LINE_CHOICES_TARGETS, ("half_year", "initial")
    labels = {"initial": _("年初预算数"), "adjustment": _("追加追减数"), "adjusted": _("全年预算数"),
              "executed": _("全年执行数"), "half_year": _("半年计划执行数")}
    if kind == rules.KIND_TARGETS:
        labels["initial"] = _("全年预算数")
    columns = (Column("line", _("资金行"), "choice", choices, width="10em"), Column("name", _("项目名称"), width="12em", max_length=200))
    columns += tuple(Column(c, labels[c], "amount", width="7em") for c in cols)
    label = _("项目资金") if kind == rules.KIND_PROJECT else _("预算信息") if kind == rules.KIND_DEPARTMENT else _("部门整体资金")
    return Step("budget", label, rows="budget", columns=columns)


def steps_for(assessment: Assessment) -> list[Step]:
    """Return the steps of the official form an assessment is, in the order it is printed."""
    return steps_for_kind(assessment.kind, components=bool(assessment.scheme.components))


def steps_for_kind(kind: str, *, components: bool = True) -> list[Step]:
    """Return the steps of a form kind; ``components`` adds 评价维度得分 (component-scored schemes)."""
    if kind == rules.KIND_PROJECT:
        return [
            Step("basic", _("基本信息"), fields=(
                Column("implementing_unit", _("实施单位"), max_length=200),
                Column("category", _("项目类别"), "choice", tuple((c, c) for c in ("",) + interchange.PROJECT_CATEGORIES)),
                Column("attribute", _("项目属性"), "choice", tuple((c, c) for c in ("",) + interchange.PROJECT_ATTRIBUTES)),
                Column("type", _("项目类型"), "choice", tuple((c, c) for c in ("",) + interchange.PROJECT_TYPES)),
            ) + FILLED_BY),
            budget_step(kind),
            Step("goals", _("年度总体目标"), fields=(
                Column("goal_expected", _("预期目标"), "textarea"), Column("goal_achieved", _("实际完成情况"), "textarea"))),
            Step("indicators", _("绩效指标"), rows="indicators", columns=INDICATOR_COLUMNS),
            ANALYSIS,
            PREVIEW,
        ]
    if kind == rules.KIND_DEPARTMENT:
        steps = [
            Step("basic", _("基本信息"), fields=FILLED_BY + PROFILE + (Column("entered_total", _("填报总分（仅当发布单位直接给出总分时）"), "decimal"),)),
            budget_step(kind),
            Step("key_tasks", _("年度重点任务"), rows="key_tasks", columns=(
                Column("duty", _("对应部门主要职责"), "textarea"), Column("task", _("任务名称"), max_length=300),
                Column("result", _("完成情况"), "textarea"))),
            Step("indicators", _("部门整体自评表"), rows="indicators", columns=INDICATOR_COLUMNS),
        ]
        if components:
            steps.append(Step("components", _("评价维度得分"), rows="components", columns=(
                Column("name", _("评价指标"), max_length=50), Column("weight", _("权重"), "decimal"), Column("score", _("得分"), "decimal"))))
        steps += [
            Step("report", _("自评报告"), rows="report", columns=(
                Column("title", _("章节标题"), width="14em", max_length=200), Column("text", _("内容"), "textarea"))),
            ANALYSIS,
            PREVIEW,
        ]
        return steps
    return [
        Step("basic", _("基本信息"), fields=FILLED_BY + PROFILE),
        budget_step(kind),
        Step("goals", _("中长期目标与年度目标"), fields=(
            Column("goal_long_term", _("中长期目标"), "textarea"), Column("goal_annual", _("年度目标"), "textarea"))),
        Step("indicators", _("绩效指标"), rows="indicators", columns=TARGET_INDICATOR_COLUMNS),
        PREVIEW,
    ]


def step_by_key(assessment, key):
    for step in steps_for(assessment):
        if step.key == key:
            return step
    return None


# The 自评报告 outline each layout prints (FORMS.md F2); a new report starts with these sections.
REPORT_OUTLINES = {
    "jiangsu": ("一、预算部门名称", "二、年度履职目标完成情况", "三、部门概况", "四、整体支出绩效实现情况",
                "五、存在问题及改进措施", "六、绩效自评结果拟应用和公开情况"),
    "default": ("一、部门概况", "二、部门整体支出绩效实现情况", "三、评价结论和评价等级", "四、存在问题及改进措施",
                "五、绩效自评结果应用和公开情况"),
}


OUTLINE_TITLES = frozenset(t for titles in REPORT_OUTLINES.values() for t in titles)


def report_outline(scheme) -> tuple[str, ...]:
    """Return the section titles of the 自评报告 of the scheme's jurisdiction."""
    return REPORT_OUTLINES.get(getattr(scheme, "layout", ""), REPORT_OUTLINES["default"])
