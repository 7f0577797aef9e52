"""People's words for internal paths: the step, row and column as the form prints them.

Every place a user sees where something is — a problem in the wizard, a comment's anchor, an
Excel import message, a timeline entry — names it through ``describe``, never by its path
(``indicators[4].band``) or a stored code (``partial``). The labels are the wizard's own
(``assessments.wizard`` Step/Column), so a column renamed there is renamed everywhere.

Paths come in two dialects, both understood here:
- the wizard's and the rules' (``indicators[4].band``, ``components[0].score``, ``report[1].text``,
  plain field names such as ``goal_expected`` or ``fill_date``, ``analysis.deviation_reasons``,
  ``step:budget``);
- the interchange JSON's, as the timeline records changes (``goals.expected``,
  ``filled_by.date``, ``project.implementing_unit``, ``report.一、部门概况``, ``component_scores[0]``).
"""
from __future__ import annotations

import functools
import re

from django.utils.translation import gettext as _

from assessments.domain import rules
from assessments.core import formsteps
from assessments.models import Assessment

_ROW = re.compile(r"^(?P<rows>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<column>\w+))?$")

# Interchange object keys → the wizard field that edits them.
_FIELD_ALIASES = {
    "project.implementing_unit": "implementing_unit", "project.category": "category",
    "project.attribute": "attribute", "project.type": "type",
    "filled_by.name": "filled_by_name", "filled_by.phone": "filled_by_phone", "filled_by.date": "fill_date",
    "goals.expected": "goal_expected", "goals.achieved": "goal_achieved",
    "goals.long_term": "goal_long_term", "goals.annual": "goal_annual",
    "profile.functions": "profile_functions", "profile.organization": "profile_organization",
    "analysis.deviation_reasons": "deviation_reasons", "analysis.improvements": "improvements",
}
# Row collections whose interchange name (the JSON path an issue of the rules carries) differs from
# the wizard step's: the one place the two names meet.
ROWS_ALIASES = {"component_scores": "components"}


def _plain(label) -> str:
    """Drop a format hint in parentheses: "填报日期（YYYY-MM-DD）" → "填报日期"."""
    return re.sub(r"（[^（）]*）$", "", str(label)).strip()


def _words_outside_steps():
    return {
        "": _("整张表"), "project": _("项目"), "project.name": _("项目名称"), "department": _("部门"),
        "fiscal_year": _("年度"), "scheme": _("评分规则"), "kind": _("表单类型"), "format": _("格式"),
        "filled_by": _("填报人"), "goals": _("目标"), "profile": _("单位概况"), "analysis": _("偏差分析"),
    }


def _steps(kind, steps):
    if steps is not None:
        return steps
    return _steps_of_kind(kind)


@functools.lru_cache(maxsize=None)
def _steps_of_kind(kind):
    # Built once per kind: a page names dozens of places (comments, changes, every indicator row of
    # the 佐证材料 choice), and the steps are frozen, their words translated lazily at each use.
    return tuple(formsteps.steps_for_kind(kind))


def _rows_step(rows, steps):
    if not rows:
        return None
    rows = ROWS_ALIASES.get(rows, rows)
    for step in steps:
        if step.rows == rows:
            return step
    return None


def _column_label(step, name) -> str:

    for col in step.columns:
        if col.name == name:
            return _plain(col.label)
    # A key the step does not show on this form (e.g. 实际完成值 of a target table's row).
    for col in formsteps.INDICATOR_COLUMNS + formsteps.TARGET_INDICATOR_COLUMNS:
        if col.name == name:
            return _plain(col.label)
    extra = {"adjustment": _("追加追减数"), "half_year": _("半年计划执行数"), "line": _("资金行"),
             "project_name": _("对应项目")}
    return str(extra.get(name, name))


def _field_step(name, steps):
    for step in steps:
        for col in step.fields:
            if col.name == name:
                return step, col
    return None, None


def _row_noun(step) -> str:
    return _("节") if step.rows == "report" else _("行")


def step_key(path: str, *, kind: str, steps=None) -> str | None:
    """Return the key of the wizard step where what ``path`` names is entered (None if no step)."""
    steps = _steps(kind, steps)
    if not path:
        return None
    if path.startswith("step:"):
        return path[5:]
    head = re.split(r"[\[.]", path, maxsplit=1)[0]
    if head == "report":
        return "report" if any(s.key == "report" for s in steps) else None
    if head == "entered_total":
        return "basic"
    step = _rows_step(head, steps)
    if step is not None:
        return step.key
    step, _col = _field_step(_FIELD_ALIASES.get(path, path), steps)
    if step is not None:
        return step.key
    if head in ("analysis",):
        return "analysis"
    if head in ("project", "filled_by", "profile"):
        return "basic"
    if head == "goals":
        return "goals"
    return None


def anchor(path: str) -> str:
    """Return the HTML id of the cell, row or field that ``path`` names in the wizard page."""
    if not path or path.startswith("step:") or "[" not in path and path.split(".")[0] in (
            "budget", "indicators", "key_tasks", "report", "components", "component_scores"):
        return "step-content"
    match = _ROW.match(path)
    if match:
        rows = ROWS_ALIASES.get(match["rows"], match["rows"])
        base = f"{rows}-{int(match['index']) + 1}"
        return f"{base}-{match['column']}" if match["column"] else base
    name = _FIELD_ALIASES.get(path, path)
    return "field-" + re.sub(r"[^\w-]", "-", name)


def describe(path: str, *, kind: str, steps=None) -> str:
    """Return what ``path`` names on the printed form, e.g. 绩效指标第 5 行“定性档次”."""
    steps = _steps(kind, steps)
    if path.startswith("step:"):
        key = path[5:]
        for step in steps:
            if step.key == key:
                return str(step.label)
        return key
    match = _ROW.match(path)
    if match:
        step = _rows_step(match["rows"], steps)
        if step is not None:
            where = _("%(step)s第 %(n)d %(noun)s") % {
                "step": step.label, "n": int(match["index"]) + 1, "noun": _row_noun(step)}
            if match["column"]:
                return f"{where}“{_column_label(step, match['column'])}”"
            return where
    step = _rows_step(path, steps)
    if step is not None:
        return str(step.label)
    if path.startswith("report.") and path != "report.":
        report = _rows_step("report", steps)
        label = report.label if report is not None else _("自评报告")
        return f"{label}“{path[len('report.'):]}”"
    if path == "report":
        return _("自评报告")
    name = _FIELD_ALIASES.get(path, path)
    step, col = _field_step(name, steps)
    if step is not None:
        return f"{step.label}“{_plain(col.label)}”"
    words = _words_outside_steps()
    if path in words:
        return str(words[path])
    head = path.split(".", 1)[0]
    if head in words:
        return f"{words[head]}“{path.split('.', 1)[1]}”"
    return path


def display_value(path: str, value) -> str:
    """Return a stored value as the form prints it: band and budget-line codes become their labels."""
    if value is None or value == "":
        return ""
    column = path.rsplit(".", 1)[-1]
    if column == "band":
        return str(rules.BAND_LABELS.get(value, value))
    if column == "line":
        return str(rules.LINE_LABELS.get(value, value))
    if column == "kind":
        return str(dict(Assessment.Kind.choices).get(value, value))
    return str(value)


def shown(value, path: str) -> str:
    """Return a stored value as the form prints it, "（空）" for nothing (a timeline's before and after)."""
    text = display_value(path or "", value)
    return text if text != "" else _("（空）")


def choice_words(model, name) -> dict:
    """Return value → printed words of a choice field, translated once (see ``with_choice_labels``)."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def with_choice_labels(rows, *fields):
    """Return ``rows`` as a list, each with ``<field>_label``: the printed words of its choice.

    The words are looked up once per call: Django's ``get_<field>_display`` translates every choice
    of the field at every call (a list of 50 forms: 2,000 translations for its two columns).
    """
    rows = list(rows)
    if rows:
        meta = type(rows[0])._meta
        for name in fields:
            words = choice_words(meta.model, name)
            for row in rows:
                value = getattr(row, name)
                setattr(row, f"{name}_label", words.get(value, value))
    return rows
