"""Reading a posted wizard step (through its Django form, entry/forms.py) into a ``StepInput`` that
keeps the raw text, so a value that cannot be stored yet (text in an amount) is shown back, not
lost; and putting it into the form's document.

The steps themselves are data in ``core.formsteps``. They are the app's own rather than
django-formtools' WizardView, which keeps its state in the session and starts over on a GET —
a draft here lives in the database and survives closed browsers and expired sessions.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils.datastructures import MultiValueDict

from assessments.core.formsteps import Step
from assessments.core.selectors import assessment_document
from assessments.domain import figures, interchange
from assessments.entry import forms
from assessments.entry.forms import StepInput, posted_rows
from assessments.models import Assessment

__all__ = ["StepInput", "posted_rows", "read_step", "apply_to_document", "as_text", "saved_raw", "current_raw",
           "as_post"]


def read_step(step: Step, post) -> StepInput:
    """Return the posted values of a step, with an error at the field for what cannot be read (entry/forms.py)."""
    return forms.read_step(step, post)


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
