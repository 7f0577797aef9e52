"""Reading a posted wizard step into a ``StepInput`` that keeps the raw text, so a value that cannot be
stored yet (text in an amount) is shown back, not lost; and putting it into the form's document.

The steps themselves are data in ``core.formsteps``. They are the app's own rather than
django-formtools' WizardView, which keeps its state in the session and starts over on a GET —
a draft here lives in the database and survives closed browsers and expired sessions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.datastructures import MultiValueDict

from django.utils.translation import gettext_lazy as _

from assessments.core.selectors import assessment_document
from assessments.domain import figures, interchange, rules
from assessments.domain.rows import is_empty as row_is_empty
from assessments.core.formsteps import OUTLINE_TITLES, Step
from assessments.domain.typed import clean_text, parse_date
from assessments.models import Assessment


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


class _CleanPost:
    """A read-only view of posted data with NUL characters removed from every value."""

    def __init__(self, post):
        self.post = post

    def get(self, key, default=""):
        return clean_text(self.post.get(key, default))

    def getlist(self, key):
        return [clean_text(v) for v in self.post.getlist(key)]


def posted_rows(step, post):
    """Return the filled rows posted on a row step, as text, and for each posted row (in page order)
    its index among them, or None for a row left empty (``domain/rows.py``, the one rule)."""
    lists = {col.name: post.getlist(col.name) for col in step.columns}
    count = max((len(v) for v in lists.values()), default=0)
    filled, positions = [], []
    for i in range(count):
        raw = {name: (values[i] if i < len(values) else "") for name, values in lists.items()}
        if row_is_empty(raw):
            positions.append(None)  # an empty row added and never filled
        else:
            positions.append(len(filled))
            filled.append(raw)
    return filled, positions


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

    raw_rows = posted_rows(step, post)[0]
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
            if title in OUTLINE_TITLES and not raw.get("text", "").strip():
                continue  # an outline section not written yet: the page offers it again, the form stays as it was
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


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return figures.plain(value)
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
