"""The entry wizard's steps, as data: which fields and rows each official form asks for, in order.

A step is either a set of plain fields of the assessment or a table of rows (budget lines,
indicators, key tasks …). Posted values are read into a ``StepInput`` that keeps the raw text,
so a value that cannot be stored yet (text in an amount) is shown back, not lost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.datastructures import MultiValueDict

from django.utils.translation import gettext_lazy as _

from assessments import interchange, rules
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


# ---------------------------------------------------------------------------------------------
# Reading a posted step
# ---------------------------------------------------------------------------------------------
@dataclass
class StepInput:
    """What a user posted on a step: raw text (to show back) and parsed values (to store)."""

    raw: dict = field(default_factory=dict)  # field -> text, or "rows" -> [ {column: text} ]
    values: dict = field(default_factory=dict)
    rows: list = field(default_factory=list)  # parsed rows: rules.BudgetRow / IndicatorRow / …
    errors: list[rules.Issue] = field(default_factory=list)


def _decimal(text, path, errors, *, label, places, negative=False):
    if not text.strip():
        return None
    try:
        value = rules.parse_decimal(text, max_places=places, allow_negative=negative)
        interchange.check_magnitude(value, places)
        return value
    except rules.NumberError as exc:
        errors.append(rules.Issue(path, f"{label}{exc}"))
        return None


def _figure(text, path, errors, *, label):
    """Check the number in a target/actual text; the text itself is kept as typed either way."""
    text = text.strip()
    if not text:
        return text
    try:
        problem = rules.figure_problem(rules.parse_target(text))
    except rules.TargetError:
        return text
    if problem:
        errors.append(rules.Issue(path, f"{label}{problem}"))
    return text


def _share(text, path, errors):
    value = _decimal(text, path, errors, label=_("得分比例"), places=2, negative=False)
    if value is not None and value > 100:
        errors.append(rules.Issue(path, _("得分比例应在 0 到 100 之间")))
        return None
    return value


def _too_long(col, text, path, errors) -> bool:
    if col.max_length and len(text.strip()) > col.max_length:
        errors.append(rules.Issue(path, _("%(label)s不能超过 %(max)d 个字（现有 %(n)d 个）")
                                  % {"label": col.label, "max": col.max_length, "n": len(text.strip())}))
        return True
    return False


# Characters a paste from Word or WPS carries that nobody typed: zero-width marks, the byte-order
# mark, soft hyphens, the object-replacement character of smart tags and fields, and C0/C1 control
# characters (NUL is refused by PostgreSQL). Tabs and line breaks are kept; Word's line and
# paragraph separators (U+2028, U+2029, vertical tab) become line breaks so paragraphs survive.
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"})
_HIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffc]")


def clean_text(value: str) -> str:
    """Return posted text without hidden characters, line breaks as "\\n" (the one place input is cleaned)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    return _HIDDEN.sub("", value).replace("\u00a0", " ")


_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str):
    """Return the date in 2025-03-15, 2025-3-15, 2025/3/15, 2025.3.15 or 2025年3月15日 (ValueError if none)."""
    import datetime

    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups()))


def word_count(text: str) -> int:
    """Return the number of characters a Chinese word count reports (spaces and line breaks not counted)."""
    return len(re.sub(r"\s", "", text))


# The 自评报告 outline each layout prints (FORMS.md F2); a new report starts with these sections.
REPORT_OUTLINES = {
    "jiangsu": ("一、预算部门名称", "二、年度履职目标完成情况", "三、部门概况", "四、整体支出绩效实现情况",
                "五、存在问题及改进措施", "六、绩效自评结果拟应用和公开情况"),
    "default": ("一、部门概况", "二、部门整体支出绩效实现情况", "三、评价结论和评价等级", "四、存在问题及改进措施",
                "五、绩效自评结果应用和公开情况"),
}


def report_outline(scheme) -> tuple[str, ...]:
    """Return the section titles of the 自评报告 of the scheme's jurisdiction."""
    return REPORT_OUTLINES.get(getattr(scheme, "layout", ""), REPORT_OUTLINES["default"])


class _CleanPost:
    """A read-only view of posted data with NUL characters removed from every value."""

    def __init__(self, post):
        self.post = post

    def get(self, key, default=""):
        return clean_text(self.post.get(key, default))

    def getlist(self, key):
        return [clean_text(v) for v in self.post.getlist(key)]


def read_step(step: Step, post) -> StepInput:
    """Return the posted values of a step, with an error at the field for what cannot be read."""
    post = _CleanPost(post)
    result = StepInput()
    if not step.is_rows:
        for col in step.fields:
            text = post.get(col.name, "").strip() if col.type != "textarea" else post.get(col.name, "")
            result.raw[col.name] = text
            if _too_long(col, text, col.name, result.errors):
                continue
            if col.type == "decimal":
                result.values[col.name] = _decimal(text, col.name, result.errors, label=col.label, places=2)
            elif col.type == "date":
                try:
                    result.values[col.name] = parse_date(text) if text else None
                except ValueError:
                    result.errors.append(rules.Issue(col.name, _("%(label)s“%(text)s”不是日期，可写作 2025-03-15、2025/3/15 或 2025年3月15日")
                                                     % {"label": col.label, "text": text}))
            elif col.type == "choice" and text and text not in dict(col.choices):
                result.errors.append(rules.Issue(col.name, _("请从列表中选择")))
            else:
                result.values[col.name] = text
        return result

    lists = {col.name: post.getlist(col.name) for col in step.columns}
    count = max((len(v) for v in lists.values()), default=0)
    raw_rows = []
    for i in range(count):
        raw = {name: (values[i] if i < len(values) else "") for name, values in lists.items()}
        if not any(v.strip() for k, v in raw.items() if k not in ("line", "band")):
            continue  # an empty row added and never filled
        raw_rows.append(raw)
    result.raw["rows"] = raw_rows
    seen_titles: dict[str, int] = {}
    for i, raw in enumerate(raw_rows):
        path = f"{step.rows}[{i}]"
        errors = result.errors
        for col in step.columns:
            _too_long(col, raw.get(col.name, ""), f"{path}.{col.name}", errors)
        if step.rows == "budget":
            amounts = {
                name: _decimal(raw.get(name, ""), f"{path}.{name}", errors, label=col.label, places=6,
                               negative=name == "adjustment")
                for name, col in ((c.name, c) for c in step.columns if c.type == "amount")
            }
            result.rows.append(rules.BudgetRow(line=raw.get("line", ""), name=raw.get("name", "").strip(), **amounts))
        elif step.rows == "indicators":
            result.rows.append(rules.IndicatorRow(
                level1=raw.get("level1", "").strip(), level2=raw.get("level2", "").strip(),
                name=raw.get("name", "").strip(),
                target=_figure(raw.get("target", ""), f"{path}.target", errors, label=_("指标值")),
                actual=_figure(raw.get("actual", ""), f"{path}.actual", errors, label=_("实际完成值")),
                weight=_decimal(raw.get("weight", ""), f"{path}.weight", errors, label=_("分值"), places=2),
                band=raw.get("band", ""),
                share=_share(raw.get("share", ""), f"{path}.share", errors),
                score=_decimal(raw.get("score", ""), f"{path}.score", errors, label=_("得分"), places=2),
                reason=raw.get("reason", ""), source=raw.get("source", "").strip(),
                half_year_target=_figure(raw.get("half_year_target", ""), f"{path}.half_year_target", errors,
                                         label=_("半年指标值")), key_work=raw.get("key_work", "").strip(),
                project_name=raw.get("project", "").strip(),
            ))
        elif step.rows == "key_tasks":
            result.rows.append(interchange.KeyTask(duty=raw.get("duty", ""), task=raw.get("task", "").strip(),
                                                   result=raw.get("result", "")))
        elif step.rows == "components":
            weight = _decimal(raw.get("weight", ""), f"{path}.weight", errors, label=_("权重"), places=2)
            score = _decimal(raw.get("score", ""), f"{path}.score", errors, label=_("得分"), places=2)
            if weight is None or score is None:
                errors.append(rules.Issue(path, _("权重和得分都须填写")))
            else:
                result.rows.append(rules.ComponentRow(name=raw.get("name", "").strip(), weight=weight, score=score))
        elif step.rows == "report":
            title = raw.get("title", "").strip()
            if not title:
                errors.append(rules.Issue(f"{path}.title", _("章节标题不能为空")))
            elif title in seen_titles:
                # The report is keyed by its titles (INTERCHANGE): a second section of the same
                # title would silently replace the first, so it is refused at the row, kept as typed.
                errors.append(rules.Issue(f"{path}.title", _("与第 %(n)d 节标题相同，请改用不同的标题")
                                          % {"n": seen_titles[title] + 1}))
            else:
                seen_titles[title] = i
            result.rows.append((title, raw.get("text", "")))
    return result


def apply_to_document(document: interchange.Document, step: Step, data: StepInput) -> interchange.Document:
    """Return the document with a posted rows step in place (for live figures before saving)."""
    if step.rows == "report":
        document.report = dict(data.rows)
    elif step.rows == "components":
        document.components = data.rows
    elif step.rows:
        setattr(document, step.rows, data.rows)
    elif "deviation_reasons" in data.values:
        document.analysis = {**document.analysis, "deviation_reasons": data.values["deviation_reasons"]}
    if "entered_total" in data.values:
        document.entered_total = data.values["entered_total"]
    return document


# ---------------------------------------------------------------------------------------------
# A step's current values as the texts its inputs show
# ---------------------------------------------------------------------------------------------
def as_text(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return rules.format_decimal(value)
    return str(value)


def saved_raw(assessment, document, step):
    """Return a step's stored values as the texts its inputs show."""
    if not step.is_rows:
        values = {}
        for col in step.fields:
            value = getattr(assessment, Assessment.PROJECT_FIELDS.get(col.name, col.name), "")
            values[col.name] = value.isoformat() if hasattr(value, "isoformat") else as_text(value)
        return values
    if step.rows == "report":
        return {"rows": [{"title": t, "text": x} for t, x in document.report.items()]}
    rows = []
    for item in getattr(document, step.rows):
        raw = {}
        for col in step.columns:
            attr = "project_name" if (step.rows == "indicators" and col.name == "project") else col.name
            raw[col.name] = as_text(getattr(item, attr, ""))
        rows.append(raw)
    return {"rows": rows}


def current_raw(assessment, step):
    """What the step shows now: the unsaved input kept in the draft if any, else the saved values."""
    if step.key in assessment.draft_inputs:
        return assessment.draft_inputs[step.key]
    from assessments.selectors import assessment_document

    return saved_raw(assessment, assessment_document(assessment=assessment), step)


def as_post(step, raw):
    """The raw values of a step as the form would post them."""
    data = MultiValueDict()
    if step.is_rows:
        for col in step.columns:
            data.setlist(col.name, [str(r.get(col.name, "")) for r in raw.get("rows", [])])
    else:
        for key, value in raw.items():
            data[key] = value
    return data
