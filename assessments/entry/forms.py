"""Django forms for every input of entry: the wizard's steps, the new form, base data, Excel uploads.

This is the one place where posted input is read and validated and where a problem becomes a
message at its field or row. Values are read by the one parser of typed input
(``assessments.domain.typed``), so the wizard, the Excel import (which feeds its rows through the
same row forms), the JSON import and base data say the same thing about the same bad value.

The wizard's steps are the app's own (core/formsteps.py), not django-formtools' WizardView: that
keeps its state in the session and starts again on GET, while a step here is saved to the
assessment as it is typed (autosave), kept as typed when it cannot be stored yet, and reopened
where the user left it from any browser.

A field step is a ``StepForm``; a row step (budget, indicators, key tasks …) is a ``RowFormSet`` of
``RowForm``. The grid posts each column as a list (``level1=…&level1=…``, static/js/grid.js), so
``rows_formset`` turns those lists into the formset's rows; the grid keeps its own lean template
(hundreds of cells), only the plain field forms are drawn by django-crispy-forms.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessments.core.formsteps import OUTLINE_TITLES, Column, Step
from assessments.core.forms import FieldMessages
from assessments.core.params import int_param, year_param
from assessments.domain import interchange, rules, typed
from assessments.domain.rows import is_empty as row_is_empty
from assessments.models import Assessment, DepartmentBaseData


@dataclass
class StepInput:
    """What a user posted on a step: raw text (to show back) and parsed values (to store)."""

    raw: dict = dataclass_field(default_factory=dict)  # field -> text, or "rows" -> [ {column: text} ]
    values: dict = dataclass_field(default_factory=dict)
    rows: list = dataclass_field(default_factory=list)  # parsed rows: rules.BudgetRow / IndicatorRow / …
    errors: list[rules.Issue] = dataclass_field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Fields: each reads its text through domain/typed.py and turns its InputError into a ValidationError
# ---------------------------------------------------------------------------------------------
class TypedTextField(forms.CharField):
    """Text as typed, without hidden characters, within the column's length.

    ``strip``: a one-line field of a field step is stored stripped; a textarea, and every cell of
    a row (the row decides which of its texts are stripped, as the rules read them), keeps its spaces.
    """

    def __init__(self, *, label, max_length=0, strip=True, message_label=None, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(label=label, required=False, strip=False, **kwargs)
        self.limit = max_length
        self.strip_text = strip
        # Translated once: a table's cells are cleaned by hundreds, and each lazy str() is a gettext.
        self.label_text = str(label)
        self.message_label = str(message_label or label)

    def to_python(self, value):
        text = typed.clean_text(value if isinstance(value, str) else "" if value is None else str(value))
        return text.strip() if self.strip_text else text

    def clean(self, value):
        text = self.to_python(value)
        try:
            typed.length(text, label=self.label_text, max_length=self.limit)
            return self.read(text)
        except typed.InputError as exc:
            raise ValidationError(str(exc), code="typed") from None

    def read(self, text):
        return text


class NumberField(TypedTextField):
    """A decimal in a column of ``places`` decimals (2: scores, 6: amounts in 万元); blank is None."""

    def __init__(self, *, places, negative=False, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "decimal",
                                                           "class": "num"}))
        super().__init__(**kwargs)
        self.places, self.negative = places, negative

    def read(self, text):
        return typed.decimal(text if text.strip() else None, label=self.message_label, places=self.places,
                             negative=self.negative)


class ShareField(NumberField):
    """The 得分比例 of a qualitative indicator, 0–100."""

    def __init__(self, **kwargs):
        super().__init__(places=2, **kwargs)

    def read(self, text):
        return typed.share(text if text.strip() else None)


class FigureField(TypedTextField):
    """A target or actual value: kept as typed, refused only when its number cannot be stored."""

    def read(self, text):
        return typed.figure(text, label=self.message_label)


class DateTextInput(forms.TextInput):
    """A date typed as 2025-03-15, 2025/3/15 or 2025年3月15日, with a calendar beside it (static/js/wizard.js)."""

    def __init__(self, *, label, **kwargs):
        super().__init__(**kwargs)
        self.label = label

    def render(self, name, value, attrs=None, renderer=None):
        text = super().render(name, value, attrs, renderer)
        return format_html('<span class="date-field">{}<input type="date" data-date-for="{}" aria-label="{}{}" '
                           'tabindex="-1"></span>', text, name, _("从日历选择"), self.label)


class TypedDateField(TypedTextField):
    def __init__(self, **kwargs):
        super().__init__(widget=DateTextInput(label=kwargs["label"],
                                              attrs={"placeholder": "2025-03-15", "autocomplete": "off"}), **kwargs)

    def read(self, text):
        return typed.date(text, label=self.message_label)


class TypedChoiceField(TypedTextField):
    """One of the column's choices or blank; the value is kept as text."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(widget=forms.Select(choices=choices), **kwargs)
        self.choices = dict(choices)

    def read(self, text):
        return typed.choice(text, self.choices)


# The labels the indicator row's messages use, as the wizard has always said them.
INDICATOR_MESSAGE_LABELS = {"target": _("指标值"), "actual": _("实际完成值"), "weight": _("分值"), "score": _("得分"),
                            "half_year_target": _("半年指标值")}
FIGURE_COLUMNS = ("target", "actual", "half_year_target")


def field_for(col: Column, *, rows: str = "") -> forms.Field:
    """Return the form field of a step's column; ``rows`` names the row step it is a cell of."""
    common = {"label": col.label, "max_length": col.max_length}
    if rows:
        common["strip"] = False
        if rows == "indicators":
            common["message_label"] = INDICATOR_MESSAGE_LABELS.get(col.name)
    elif col.type == "textarea":
        common["strip"] = False
    if col.type == "textarea":
        return TypedTextField(widget=forms.Textarea(attrs={"rows": 6}), **common)
    if col.type == "amount":
        return NumberField(places=6, negative=col.name == "adjustment", **common)
    if col.type == "decimal" and col.name == "share":
        return ShareField(**common)
    if col.type == "decimal":
        return NumberField(places=2, **common)
    if col.type == "date":
        return TypedDateField(**common)
    if col.type == "choice" and not rows:
        return TypedChoiceField(choices=col.choices, **common)
    if rows == "indicators" and col.name in FIGURE_COLUMNS:
        return FigureField(**common)
    return TypedTextField(**common)


# ---------------------------------------------------------------------------------------------
# The wizard's field steps (基本信息, 年度总体目标, 偏差分析, 单位概况 …)
# ---------------------------------------------------------------------------------------------
class StepForm(FieldMessages, forms.Form):
    """A field step of the wizard, built from its definition in core/formsteps.py."""

    def __init__(self, step: Step, data=None, **kwargs):
        super().__init__(data, auto_id="input-%s", **kwargs)
        self.step = step
        for col in step.fields:
            self.fields[col.name] = field_for(col)

    def raw(self) -> dict:
        """Return each field's text as typed (cleaned of hidden characters), valid or not."""
        return {name: f.to_python(self[name].data) for name, f in self.fields.items()}

    def step_input(self) -> StepInput:
        result = StepInput(raw=self.raw())
        self.is_valid()
        for name, f in self.fields.items():
            if name in self.errors:
                result.errors += [rules.Issue(name, m) for m in self.errors[name]]
                if isinstance(f, NumberField):
                    result.values[name] = None  # the live figures count an unreadable total as none
            else:
                result.values[name] = self.cleaned_data[name]
        return result

    def show_issues(self, messages: dict) -> None:
        """Show one message per field: the page's (reading and the rules' issues), not this form's own."""
        self._errors = ErrorDict({name: self.error_class([message]) for name, message in messages.items()
                                  if name in self.fields})
        self.describe_errors()


# ---------------------------------------------------------------------------------------------
# The wizard's row steps (项目资金, 绩效指标, 年度重点任务, 评价维度得分, 自评报告)
# ---------------------------------------------------------------------------------------------
class RowForm(forms.Form):
    """One row of a row step; ``row_object`` turns it into the rules' row.

    The rows of one step share their fields (``row_fields``) instead of each copying them: a table
    has hundreds of rows, is read on every keystroke's live figures and autosave, and a field here
    holds no state of its own (the grid is drawn by its own template, never from these forms).
    """

    def __init__(self, *args, step: Step, fields: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields = fields
        self._texts = {}

    def clean(self):
        data = super().clean()
        if self.step.rows == "components" and (data.get("weight") is None or data.get("score") is None):
            raise ValidationError(_("权重和得分都须填写"))
        if self.step.rows == "report" and not self.is_unwritten_outline() and "title" not in self.errors \
                and not data.get("title", "").strip():
            self.add_error("title", _("章节标题不能为空"))
        return data

    def has_changed(self):
        return True  # posted_rows passes only rows with something typed in them

    def text(self, name) -> str:
        """Return the cell's text as typed, whether or not it could be read."""
        if name not in self.fields:
            return ""
        if name not in self._texts:
            self._texts[name] = self.fields[name].to_python(self.data.get(self.add_prefix(name), ""))
        return self._texts[name]

    def value(self, name):
        """Return the cell's value; one that could not be read counts as empty (None for a number)."""
        if name not in self.fields:
            return None  # a column this form kind does not have
        if name in self.errors:
            return None if isinstance(self.fields[name], NumberField) else self.text(name).strip()
        return self.cleaned_data.get(name)

    def is_unwritten_outline(self) -> bool:
        # An outline section not written yet: the page offers it again, the form stays as it was.
        return self.text("title").strip() in OUTLINE_TITLES and not self.text("text").strip()

    def row_object(self):
        """Return the row as rules.py and interchange.py hold it, or None when there is none to keep."""
        rows, v, t = self.step.rows, self.value, self.text
        if rows == "budget":
            amounts = {c.name: v(c.name) for c in self.step.columns if c.type == "amount"}
            return rules.BudgetRow(line=t("line"), name=t("name").strip(), **amounts)
        if rows == "indicators":
            return rules.IndicatorRow(
                level1=t("level1").strip(), level2=t("level2").strip(), name=t("name").strip(),
                target=v("target") or "", actual=v("actual") or "", weight=v("weight"), band=t("band"),
                share=v("share"), score=v("score"), reason=t("reason"), source=t("source").strip(),
                half_year_target=v("half_year_target") or "", key_work=t("key_work").strip(),
                project_name=t("project").strip())
        if rows == "key_tasks":
            return interchange.KeyTask(duty=t("duty"), task=t("task").strip(), result=t("result"))
        if rows == "components":
            if v("weight") is None or v("score") is None:
                return None
            return rules.ComponentRow(name=t("name").strip(), weight=v("weight"), score=v("score"))
        if rows == "report":
            return None if self.is_unwritten_outline() else (t("title").strip(), t("text"))
        raise ValueError(rows)


class BaseRowFormSet(forms.BaseFormSet):
    def clean(self):
        if self.forms and self.forms[0].step.rows == "report":
            # The report is keyed by its titles (INTERCHANGE): a second section of the same title
            # would silently replace the first, so it is refused at the row, kept as typed.
            seen: dict[str, int] = {}
            for i, form in enumerate(self.forms):
                title = form.text("title").strip()
                if form.is_unwritten_outline() or not title or "title" in form.errors:
                    continue
                if title in seen:
                    form.add_error("title", _("与第 %(n)d 节标题相同，请改用不同的标题") % {"n": seen[title] + 1})
                else:
                    seen[title] = i


# Far above any real table (settings.EXCEL_IMPORT_MAX_INDICATORS is 500): a formset silently drops
# rows past its maximum, and no row typed may be lost.
MAX_ROWS = 100_000
RowFormSet = forms.formset_factory(RowForm, formset=BaseRowFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS)


def _getlist(post, name):
    if hasattr(post, "getlist"):
        return post.getlist(name)
    value = post.get(name)
    return [] if value is None else [value]


def posted_rows(step: Step, post) -> tuple[list[dict], list[int | None]]:
    """Return the filled rows posted on a row step, as text, and for each posted row (in page order)
    its index among them, or None for a row left empty (``domain/rows.py``, the one rule)."""
    lists = {col.name: [typed.clean_text(v) for v in _getlist(post, col.name)] for col in step.columns}
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


def row_fields(step: Step) -> dict:
    """Return the fields of one row of a row step, by column name."""
    return {col.name: field_for(col, rows=step.rows) for col in step.columns}


def rows_formset(step: Step, rows: list[dict]) -> BaseRowFormSet:
    """Return the bound formset of a row step's rows (column → text)."""
    data = {"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": "0"}
    for i, raw in enumerate(rows):
        for col in step.columns:
            data[f"rows-{i}-{col.name}"] = raw.get(col.name, "")
    return RowFormSet(data, prefix="rows",
                      form_kwargs={"step": step, "fields": row_fields(step), "empty_permitted": False})


def read_step(step: Step, post) -> StepInput:
    """Return the posted values of a step, with an error at the field or cell for what cannot be read.

    ``post`` is a QueryDict (the page, autosave, live figures, a post kept over a sign-in) or a
    plain dict; the Excel import and the JSON-shaped drafts come as ``wizard.as_post``.
    """
    if not step.is_rows:
        return StepForm(step, data=post).step_input()
    raw_rows = posted_rows(step, post)[0]
    formset = rows_formset(step, raw_rows)
    formset.is_valid()
    result = StepInput(raw={"rows": raw_rows})
    for i, form in enumerate(formset.forms):
        path = f"{step.rows}[{i}]"
        for col in step.columns:
            result.errors += [rules.Issue(f"{path}.{col.name}", m) for m in form.errors.get(col.name, [])]
        result.errors += [rules.Issue(path, m) for m in form.non_field_errors()]
        row = form.row_object()
        if row is not None:
            result.rows.append(row)
    return result


# ---------------------------------------------------------------------------------------------
# New form, department base data, Excel upload
# ---------------------------------------------------------------------------------------------
PROJECT_NAME_MAX = 200  # Project.name's column


class AssessmentNewForm(FieldMessages, forms.Form):
    """新建自评表: which form, for which department and year (and project)."""

    # Plain text fields with the choices in their <select>: the messages below are the app's own.
    kind = forms.CharField(label=_("表单类型"), required=False, widget=forms.Select(choices=Assessment.Kind.choices))
    department = forms.CharField(label=_("部门（单位）"), required=False, widget=forms.Select())
    year = forms.CharField(label=_("年度"), required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2024"}))
    project_name = TypedTextField(label=_("项目名称（项目支出绩效自评表填写）"),
                                  widget=forms.TextInput())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = departments
        self.fields["department"].widget.choices = [(d.pk, d.name) for d in departments]

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind not in Assessment.Kind.values:
            raise ValidationError(_("请选择表单类型"))
        return kind

    def clean_department(self):
        pk = int_param(self.data.get("department"))
        department = self.departments.filter(pk=pk).first() if pk else None
        if department is None:
            raise ValidationError(_("请选择部门"))
        return department

    def clean_year(self):
        year = year_param(self.data.get("year", ""))
        if year is None:
            raise ValidationError(_("年度应为 2000–2100 之间的四位数字"))
        return year

    def clean(self):
        data = super().clean()
        name = data.get("project_name", "")
        try:
            typed.length(name, label=str(_("项目名称")), max_length=PROJECT_NAME_MAX)
        except typed.InputError as exc:
            self.add_error("project_name", str(exc))
        else:
            if data.get("kind") == Assessment.Kind.PROJECT and not name:
                self.add_error("project_name", _("项目支出绩效自评表须填写项目名称"))
        return data


class BaseDataForm(FieldMessages, forms.Form):
    """部门基础数据 of a year: amounts in 万元 and counts, every field optional."""

    def __init__(self, *args, editable=True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DepartmentBaseData.FIELDS:
            model_field = DepartmentBaseData._meta.get_field(name)
            label = str(model_field.verbose_name)
            attrs = {"inputmode": "decimal", "class": "num"}
            if model_field.get_internal_type() == "PositiveIntegerField":
                f = CountField(label=label, widget=forms.TextInput(attrs=attrs))
            else:
                # The amounts' names say 万元 already (models.py): the page printed it twice before.
                f = NumberField(label=label, places=6, widget=forms.TextInput(attrs=attrs))
            f.disabled = not editable
            self.fields[name] = f


class CountField(TypedTextField):
    """A whole number of base data (people, vehicles …)."""

    def read(self, text):
        return typed.count(text or None, label=self.message_label)


class IndicatorWorkbookForm(forms.Form):
    """The Excel file of 从 Excel 导入指标 and whether its rows replace the table or are added to it.

    Build it with ``for_request``: an oversized body is refused by its declared length before
    ``request.FILES`` makes Django spool it to disk.
    """

    # Any upload is passed on as it came: what makes it a workbook (and the message when it is not,
    # an empty file included) is excel_import's to say.
    file = forms.Field(required=False, widget=forms.FileInput)
    mode = forms.CharField(required=False)

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    @classmethod
    def for_request(cls, request):
        length = int_param(request.META.get("CONTENT_LENGTH"), low=0) or 0
        too_large = length > settings.EXCEL_IMPORT_MAX_BYTES + 65536  # room for the form's other fields
        return cls(request.POST, None if too_large else request.FILES, too_large=too_large)

    def clean(self):
        data = super().clean()
        if self.too_large:
            raise ValidationError(_("文件过大：上限为 %(limit).1f MB。") % {"limit": settings.EXCEL_IMPORT_MAX_BYTES / 2**20})
        if not data.get("file"):
            raise ValidationError(_("请选择要导入的 Excel 文件（.xlsx）。"))
        data["mode"] = data.get("mode") if data.get("mode") in ("replace", "append") else "replace"
        return data
