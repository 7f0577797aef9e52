"""What the entry grid shows: which columns and cells apply, problems and comments in people's words.

The server decides which fields apply to a form and to each of its rows (the scheme scores or not,
a row is qualitative or not, its 一级 is scored by hand or not); the page only hides what it is told.
A field that holds a value is always shown, even where it does not apply, so nothing typed is
hidden away — its message says why it does not belong there.
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.core import labels
from assessments.domain import rules

SCORING_COLUMNS = ("weight", "band", "share", "score")
QUALITATIVE_COLUMNS = ("band", "share")


def scored(assessment, scheme=None) -> bool:
    """Whether the form's scheme scores it (the target table and unscored jurisdictions do not)."""
    scheme = scheme or assessment.rules_scheme()
    return scheme.scored and assessment.kind != rules.KIND_TARGETS


def shown_columns(assessment, step, raw_rows, scheme=None) -> list:
    """Return the step's columns that apply to this form's scheme (or hold a value somewhere)."""
    if step.rows != "indicators":
        return list(step.columns)
    scheme = scheme or assessment.rules_scheme()
    is_scored = scored(assessment, scheme)

    def has_value(name):
        return any(str(r.get(name, "")).strip() for r in raw_rows)

    out = []
    for col in step.columns:
        if col.name in SCORING_COLUMNS and not has_value(col.name):
            if not is_scored or (col.name == "score" and not scheme.manual_level1):
                continue
        out.append(col)
    return out


def hidden_cells(assessment, step, values: dict, result, scheme=None) -> set[str]:
    """Return the columns that do not apply to one row (kept in the page, not shown or focusable)."""
    if step.rows != "indicators":
        return set()
    scheme = scheme or assessment.rules_scheme()
    hidden = set()
    qualitative = result is not None and result.target is not None and result.target.is_qualitative
    for name in QUALITATIVE_COLUMNS:
        if not qualitative and not str(values.get(name, "")).strip():
            hidden.add(name)
    if not scheme.is_manual(str(values.get("level1", "")).strip()) and not str(values.get("score", "")).strip():
        hidden.add("score")
    return hidden


def one_message_per_problem(read_errors, rule_issues) -> list[rules.Issue]:
    """Return every issue once: a cell that could not be read says only that, not also "未填写"."""
    unreadable = {i.path for i in read_errors}
    return list(read_errors) + [i for i in rule_issues if i.path not in unreadable]


def problem_list(assessment, steps, issues) -> list[dict]:
    """Return the problems in people's words, each with the step and the cell to jump to."""
    out = []
    for issue in issues:
        out.append({
            "where": labels.describe(issue.path, kind=assessment.kind, steps=steps),
            "message": issue.message,
            "step": labels.step_key(issue.path, kind=assessment.kind, steps=steps),
            "anchor": labels.anchor(issue.path),
        })
    return out


def comment_list(assessment, steps, comments) -> list[dict]:
    """Return the reviewers' comments with where they point, in people's words."""
    out = []
    for comment in comments:
        out.append({
            "comment": comment,
            "where": labels.describe(comment.path, kind=assessment.kind, steps=steps) if comment.path
            else _("整张表"),
            "step": labels.step_key(comment.path, kind=assessment.kind, steps=steps),
            "anchor": labels.anchor(comment.path),
            "open": comment.resolved_at is None,
            "unanswered": comment.resolved_at is None and not comment.reply.strip(),
        })
    return out


def open_comments_by_step(entries) -> dict[str, int]:
    """Return the number of open comments on each step (for the badge on the step's button)."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry["open"] and entry["step"]:
            counts[entry["step"]] = counts.get(entry["step"], 0) + 1
    return counts
