"""Template filters that print figures through ``domain/figures.py`` (no computing, no formatting here).

A template never writes "%" after a value or compares a figure with a threshold: it calls one of
these filters, and what the filter prints is what the official tables print. The optional argument
is what prints when there is no figure (``{{ row.weight|whole:"—" }}``).
"""
from django import template

from assessments.domain import figures, rules

register = template.Library()


@register.filter
def money(value, empty=""):
    """Print an amount in 万元 with 2 decimals (RULES §1), or nothing when it is missing."""
    return figures.amount(value, empty)


@register.filter
def percent(value, empty=figures.DASH):
    """Print a rate with 2 decimals and %, or "—" when it has no value (budget 0)."""
    return figures.percent(value, empty)


@register.filter
def short_percent(value, empty=figures.DASH):
    """Print a 得分率 (cut to 1 decimal by the rules) as published: 88.8%, 95% — never "95.0%"."""
    return figures.short_percent(value, empty)


@register.filter
def score(value, empty=figures.DASH):
    """Print a score or total with 2 decimals, or "—" when there is none."""
    return figures.score(value, empty)


@register.filter
def whole(value, empty=""):
    """Print a weight (or a score the official table prints bare) with its own decimals: 10, 22.5."""
    return figures.whole(value, empty)


@register.filter
def execution_light(assessment):
    """Return the desk's warning light of a form: "none", "low", "short" or "ok" (rules.execution_light)."""
    return rules.execution_light(assessment.execution_rate, assessment.scheme.execution_threshold)


@register.filter
def line_label(row):
    """Print a budget row's official label: its project name, or the line's name."""
    return row.name or rules.LINE_LABELS.get(row.line, row.line)
