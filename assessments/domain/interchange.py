"""The JSON interchange format ``assessment/1`` (shared/spec/INTERCHANGE.md), without Django.

``parse_document`` turns a decoded JSON object into a ``Document`` and a list of errors, each at
the JSON path it concerns, in Chinese; ``document_to_json`` writes a ``Document`` back, and
``computed_to_json`` the read-only ``computed`` object that export adds.
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from assessments.domain import figures, rules, typed
from assessments.domain.rules import Issue

FORMAT = "assessment/1"
KINDS = {
    rules.KIND_PROJECT: "项目支出绩效自评表",
    rules.KIND_DEPARTMENT: "部门整体支出绩效自评表",
    rules.KIND_TARGETS: "部门整体预算绩效目标表",
}
PROJECT_CATEGORIES = ("部门预算项目", "区直专项", "市直专项", "转移支付项目")
PROJECT_ATTRIBUTES = ("持续性项目", "新增性项目")
PROJECT_TYPES = ("常年性项目", "延续性项目", "一次性项目")

TOP_KEYS = {
    "format", "kind", "fiscal_year", "scheme", "department", "project", "filled_by", "goals",
    "budget", "indicators", "analysis", "key_tasks", "report", "component_scores", "computed",
    "entered_total", "profile",
}
PROJECT_KEYS = {"name", "implementing_unit", "category", "attribute", "type"}
FILLED_BY_KEYS = {"name", "phone", "date"}
GOALS_KEYS = {"expected", "achieved", "long_term", "annual"}
ANALYSIS_KEYS = {"deviation_reasons", "improvements"}
PROFILE_KEYS = {"functions", "organization"}
BUDGET_KEYS = {"line", "name", "initial", "adjustment", "adjusted", "executed", "half_year"}
INDICATOR_KEYS = {
    "level1", "level2", "name", "target", "actual", "weight", "band", "share", "score", "source",
    "reason", "half_year_target", "key_work", "project",
}
KEY_TASK_KEYS = {"duty", "task", "result"}
COMPONENT_KEYS = {"name", "weight", "score"}


@dataclass
class ProjectInfo:
    name: str
    implementing_unit: str = ""
    category: str = ""
    attribute: str = ""
    type: str = ""


@dataclass
class KeyTask:
    duty: str = ""
    task: str = ""
    result: str = ""


@dataclass
class Document:
    """One assessment as the interchange format carries it."""

    kind: str
    fiscal_year: int
    scheme: str
    department: str
    project: ProjectInfo | None = None
    filled_by: dict = field(default_factory=dict)  # name, phone, date (datetime.date | None)
    goals: dict = field(default_factory=dict)
    analysis: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)
    budget: list[rules.BudgetRow] = field(default_factory=list)
    indicators: list[rules.IndicatorRow] = field(default_factory=list)
    key_tasks: list[KeyTask] = field(default_factory=list)
    report: dict = field(default_factory=dict)  # section title -> text, in order
    components: list[rules.ComponentRow] = field(default_factory=list)
    entered_total: Decimal | None = None

    @property
    def title(self) -> str:
        subject = self.project.name if self.project else self.department
        return f"{self.fiscal_year}年度 {subject} {KINDS[self.kind]}"

    def form(self) -> rules.Form:
        return rules.Form(
            kind=self.kind,
            budget=self.budget,
            indicators=self.indicators,
            components=self.components,
            deviation_reasons=self.analysis.get("deviation_reasons", ""),
            entered_total=self.entered_total,
        )


class _Reader:
    """Collect errors while reading values at JSON paths."""

    def __init__(self):
        self.errors: list[Issue] = []

    def error(self, path, message):
        self.errors.append(Issue(path, message))

    def obj(self, value, path, keys, *, required=True):
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.error(path, "应为对象（{…}）")
            return {}
        for key in value:
            if key not in keys:
                self.error(f"{path}.{key}" if path else key, f"未知字段“{key}”")
        return value

    def array(self, value, path):
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, "应为数组（[…]）")
            return []
        return value

    def text(self, data, key, path, *, required=False, label="", max_length=None):
        value = data.get(key)
        full = f"{path}.{key}" if path else key
        if value is None:
            if required:
                self.error(full, f"{label or key}不能为空")
            return ""
        if not isinstance(value, str):
            self.error(full, f"{label or key}应为文本")
            return ""
        if "\x00" in value:
            self.error(full, f"{label or key}含有空字符（\\u0000），请删除")
            return ""
        if required and not value.strip():
            self.error(full, f"{label or key}不能为空")
        if max_length is not None:
            try:
                typed.length(value, label=label or key, max_length=max_length)
            except typed.InputError as exc:
                self.error(full, str(exc))
                return ""
        return value

    def number(self, data, key, path, *, label, required=False, allow_negative=False, max_places=6):
        value = data.get(key)
        full = f"{path}.{key}" if path else key
        if value is None:
            if required:
                self.error(full, f"{label}未填写")
            return None
        try:
            return typed.decimal(value, label=label, places=max_places, negative=allow_negative)
        except typed.InputError as exc:
            self.error(full, str(exc))
            return None

    def share(self, data, path):
        try:
            return typed.share(data.get("share"))
        except typed.InputError as exc:
            self.error(f"{path}.share", str(exc))
            return None

    def choice(self, data, key, path, choices, *, label):
        value = self.text(data, key, path, label=label)
        if value and value not in choices:
            self.error(f"{path}.{key}", f"{label}“{value}”无效，应为：{'、'.join(choices)}")
            return ""
        return value


# What the database columns hold (models.py); checked here so that a too-long name is a message at
# its field, not a database error (PostgreSQL refuses, SQLite would not). Numbers: typed.check_magnitude.
SHORT, NAME = 50, 200


def parse_document(data, *, schemes) -> tuple[Document | None, list[Issue]]:
    """Return the document and every error in it; ``schemes`` maps keys to ``rules.Scheme``.

    Errors are structural (unknown keys, wrong types, numbers that are not numbers) and those of
    the rules (RULES.md) that make a document invalid; submission problems are not errors.
    """
    r = _Reader()
    data = r.obj(data, "", TOP_KEYS)
    if not data:
        return None, r.errors or [Issue("", "文档为空")]
    if data.get("format") != FORMAT:
        r.error("format", f"格式应为“{FORMAT}”")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        r.error("kind", f"表单类型“{kind}”无效，应为：{'、'.join(KINDS)}")
        kind = None
    year = data.get("fiscal_year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        r.error("fiscal_year", "年度应为 2000–2100 之间的整数")
        year = None
    scheme_key = data.get("scheme")
    scheme = schemes.get(scheme_key) if isinstance(scheme_key, str) else None
    if scheme is None:
        r.error("scheme", f"评分规则“{scheme_key}”不存在，可用：{'、'.join(sorted(schemes))}")
    department = r.text(data, "department", "", required=True, label="部门名称", max_length=NAME).strip()

    project = None
    if "project" in data and data["project"] is not None:
        p = r.obj(data["project"], "project", PROJECT_KEYS)
        project = ProjectInfo(
            name=r.text(p, "name", "project", required=True, label="项目名称", max_length=NAME).strip(),
            implementing_unit=r.text(p, "implementing_unit", "project", label="实施单位", max_length=NAME).strip(),
            category=r.choice(p, "category", "project", PROJECT_CATEGORIES, label="项目类别"),
            attribute=r.choice(p, "attribute", "project", PROJECT_ATTRIBUTES, label="项目属性"),
            type=r.choice(p, "type", "project", PROJECT_TYPES, label="项目类型"),
        )
    if kind == rules.KIND_PROJECT and project is None:
        r.error("project", "项目支出绩效自评表须填写项目信息")
    if kind in (rules.KIND_DEPARTMENT, rules.KIND_TARGETS) and project is not None:
        r.error("project", "部门整体表不填写项目信息")
        project = None

    fb = r.obj(data.get("filled_by"), "filled_by", FILLED_BY_KEYS, required=False)
    filled_by = {"name": r.text(fb, "name", "filled_by", label="填报人", max_length=SHORT),
                 "phone": r.text(fb, "phone", "filled_by", label="联系电话", max_length=SHORT), "date": None}
    date_text = r.text(fb, "date", "filled_by")
    if date_text:
        try:
            filled_by["date"] = datetime.date.fromisoformat(date_text)
        except ValueError:
            r.error("filled_by.date", f"填报日期“{date_text}”应为 YYYY-MM-DD")
    goals_data = r.obj(data.get("goals"), "goals", GOALS_KEYS, required=False)
    goals = {k: r.text(goals_data, k, "goals") for k in sorted(GOALS_KEYS) if k in goals_data}
    analysis_data = r.obj(data.get("analysis"), "analysis", ANALYSIS_KEYS, required=False)
    analysis = {k: r.text(analysis_data, k, "analysis") for k in sorted(ANALYSIS_KEYS) if k in analysis_data}
    profile_data = r.obj(data.get("profile"), "profile", PROFILE_KEYS, required=False)
    profile = {k: r.text(profile_data, k, "profile") for k in sorted(PROFILE_KEYS) if k in profile_data}

    budget = []
    for i, item in enumerate(r.array(data.get("budget"), "budget")):
        path = f"budget[{i}]"
        row = r.obj(item, path, BUDGET_KEYS)
        line = row.get("line")
        if not isinstance(line, str):
            r.error(f"{path}.line", "资金行类型未填写")
            line = ""
        budget.append(rules.BudgetRow(
            line=line,
            name=r.text(row, "name", path, label="项目名称", max_length=NAME).strip(),
            initial=r.number(row, "initial", path, label="年初预算数", required=True),
            adjustment=r.number(row, "adjustment", path, label="调整数", allow_negative=True),
            adjusted=r.number(row, "adjusted", path, label="全年预算数"),
            executed=r.number(row, "executed", path, label="全年执行数"),
            half_year=r.number(row, "half_year", path, label="半年计划执行数"),
        ))

    indicators = []
    for i, item in enumerate(r.array(data.get("indicators"), "indicators")):
        path = f"indicators[{i}]"
        row = r.obj(item, path, INDICATOR_KEYS)
        indicators.append(rules.IndicatorRow(
            level1=r.text(row, "level1", path, required=True, label="一级指标", max_length=SHORT).strip(),
            level2=r.text(row, "level2", path, label="二级指标", max_length=SHORT).strip(),
            name=r.text(row, "name", path, required=True, label="三级指标", max_length=NAME).strip(),
            target=r.text(row, "target", path, required=True, label="指标值", max_length=NAME).strip(),
            actual=r.text(row, "actual", path, label="实际完成值", max_length=NAME).strip(),
            weight=r.number(row, "weight", path, label="分值", max_places=2),
            band=r.text(row, "band", path, label="达成档次", max_length=16).strip(),
            share=r.share(row, path),
            score=r.number(row, "score", path, label="得分", max_places=2),
            reason=r.text(row, "reason", path, label="原因分析"),
            source=r.text(row, "source", path, label="完成值来源", max_length=NAME),
            half_year_target=r.text(row, "half_year_target", path, label="半年指标值", max_length=NAME).strip(),
            key_work=r.text(row, "key_work", path, label="重点工作", max_length=NAME),
            project_name=r.text(row, "project", path, label="对应项目", max_length=NAME),
        ))

    key_tasks = []
    for i, item in enumerate(r.array(data.get("key_tasks"), "key_tasks")):
        path = f"key_tasks[{i}]"
        row = r.obj(item, path, KEY_TASK_KEYS)
        key_tasks.append(KeyTask(
            duty=r.text(row, "duty", path, label="对应部门主要职责"),
            task=r.text(row, "task", path, required=True, label="任务名称", max_length=300),
            result=r.text(row, "result", path, label="完成情况"),
        ))

    report = {}
    report_data = data.get("report")
    if report_data is not None:
        if not isinstance(report_data, dict):
            r.error("report", "应为对象（{“章节标题”: “内容”}）")
        else:
            for title, text in report_data.items():
                if not isinstance(text, str):
                    r.error(f"report.{title}", "章节内容应为文本")
                elif "\x00" in title or "\x00" in text:
                    r.error(f"report.{title!r}", "章节含有空字符（\\u0000），请删除")
                elif not title.strip():
                    r.error("report", "章节标题不能为空")
                elif len(title.strip()) > NAME:
                    r.error(f"report.{title[:20]}…", f"章节标题不能超过 {NAME} 个字")
                else:
                    report[title] = text

    components = []
    for i, item in enumerate(r.array(data.get("component_scores"), "component_scores")):
        path = f"component_scores[{i}]"
        row = r.obj(item, path, COMPONENT_KEYS)
        name = r.text(row, "name", path, required=True, label="评价指标", max_length=SHORT)
        weight = r.number(row, "weight", path, label="权重", required=True, max_places=2)
        score = r.number(row, "score", path, label="得分", required=True, max_places=2)
        if weight is not None and score is not None:
            components.append(rules.ComponentRow(name=name, weight=weight, score=score))

    entered_total = r.number(data, "entered_total", "", label="总分", max_places=2)
    if r.errors or kind is None or scheme is None or year is None:
        return None, r.errors

    document = Document(
        kind=kind, fiscal_year=year, scheme=scheme_key, department=department, project=project,
        filled_by=filled_by, goals=goals, analysis=analysis, profile=profile, budget=budget,
        indicators=indicators, key_tasks=key_tasks, report=report, components=components,
        entered_total=entered_total,
    )
    evaluation = rules.evaluate(document.form(), scheme)
    if evaluation.errors:
        return None, evaluation.errors
    return document, []


def _put(out, key, value):
    if value not in (None, ""):
        out[key] = value


def document_to_json(doc: Document) -> dict:
    """Return the interchange object of a document, keys in the order INTERCHANGE.md shows."""
    out = {"format": FORMAT, "kind": doc.kind, "fiscal_year": doc.fiscal_year, "scheme": doc.scheme,
           "department": doc.department}
    if doc.project is not None:
        project = {"name": doc.project.name}
        for key in ("implementing_unit", "category", "attribute", "type"):
            _put(project, key, getattr(doc.project, key))
        out["project"] = project
    filled_by = {k: doc.filled_by.get(k) or "" for k in ("name", "phone")}
    filled_by["date"] = doc.filled_by["date"].isoformat() if doc.filled_by.get("date") else ""
    if any(filled_by.values()):
        out["filled_by"] = filled_by
    if doc.profile:
        out["profile"] = dict(doc.profile)
    if doc.goals:
        out["goals"] = dict(doc.goals)
    out["budget"] = []
    for row in doc.budget:
        item = {"line": row.line}
        _put(item, "name", row.name)
        for key in ("initial", "adjustment", "adjusted", "executed", "half_year"):
            _put(item, key, figures.plain(getattr(row, key)))
        out["budget"].append(item)
    out["indicators"] = []
    for row in doc.indicators:
        item = {"level1": row.level1, "level2": row.level2, "name": row.name, "target": row.target,
                "actual": row.actual}
        _put(item, "weight", figures.plain(row.weight))
        _put(item, "band", row.band)
        _put(item, "share", figures.plain(row.share))
        _put(item, "score", figures.plain(row.score))
        _put(item, "source", row.source)
        _put(item, "reason", row.reason)
        _put(item, "half_year_target", row.half_year_target)
        _put(item, "key_work", row.key_work)
        _put(item, "project", row.project_name)
        out["indicators"].append(item)
    if doc.key_tasks:
        out["key_tasks"] = [{"duty": t.duty, "task": t.task, "result": t.result} for t in doc.key_tasks]
    if doc.report:
        out["report"] = dict(doc.report)
    if doc.components:
        out["component_scores"] = [
            {"name": c.name, "weight": figures.plain(c.weight), "score": figures.plain(c.score)}
            for c in doc.components
        ]
    if doc.entered_total is not None:
        out["entered_total"] = figures.plain(doc.entered_total)
    if doc.analysis:
        out["analysis"] = dict(doc.analysis)
    return out


def computed_to_json(evaluation: rules.Evaluation) -> dict:
    """Return the read-only ``computed`` object of an export."""
    e = evaluation
    return {
        "execution": {
            "rate": figures.two(e.execution_rate),
            "weight": figures.plain(e.execution_weight),
            "score": figures.two(e.execution_score),
        },
        "budget": [{"line": b.line, "rate": figures.two(b.rate)} for b in e.budget],
        "indicators": [
            {"score": figures.two(i.score), "deviation": i.deviation, "reason_required": i.reason_required}
            for i in e.indicators
        ],
        "components": [
            {"name": c.name, "weight": figures.plain(c.weight), "score": figures.two(c.score),
             "rate": None if c.rate is None else format(c.rate, "f"), "grade": c.grade}
            for c in e.components
        ],
        "total": figures.two(e.total),
        "entered_total": figures.two(e.entered_total),
        "grade": e.grade,
        "problems": [{"path": p.path, "message": p.message} for p in e.problems],
        "warnings": [{"path": w.path, "message": w.message} for w in e.warnings],
    }


class JSONRefused(ValueError):
    """A text that is not a JSON document this application reads; the message is for the user."""


# No figure of a form has more digits than this; a longer integer is refused before int() is
# asked to convert it (Python refuses beyond 4,300 digits with a ValueError of its own).
MAX_JSON_INTEGER_DIGITS = 40


def _json_int(text):
    if len(text.lstrip("-")) > MAX_JSON_INTEGER_DIGITS:
        raise JSONRefused(f"整数位数过多（{len(text.lstrip('-'))} 位，最多 {MAX_JSON_INTEGER_DIGITS} 位）")
    return int(text)


def loads(text: str):
    """Decode JSON keeping every number exact (floats become Decimal, never float).

    Raise JSONRefused (with a Chinese message) for anything that is not JSON or cannot be read:
    nesting deeper than Python's stack, integers of thousands of digits.
    """
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_json_int)
    except JSONRefused:
        raise
    except RecursionError:
        raise JSONRefused("JSON 嵌套层数过多，不是本系统的交换格式") from None
    except json.JSONDecodeError as exc:
        raise JSONRefused(f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
    except ValueError as exc:  # e.g. a number Decimal or int cannot hold
        raise JSONRefused(f"JSON 中有无法读取的数字：{str(exc)[:100]}") from None


def flatten(data, prefix="") -> dict:
    """Return {json path: scalar} of a document, paths as import errors name them."""
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "computed":
                continue
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def changes(before: dict, after: dict) -> list[dict]:
    """Return the field-level differences between two documents: [{path, before, after}]."""
    old, new = flatten(before), flatten(after)
    return [
        {"path": path, "before": old.get(path), "after": new.get(path)}
        for path in sorted(set(old) | set(new), key=lambda p: (p.split("[")[0], _path_key(p)))
        if old.get(path) != new.get(path)
    ]


def _path_key(path):
    return [int(part) if part.isdigit() else part for part in re.split(r"[\[\].]+", path) if part]
