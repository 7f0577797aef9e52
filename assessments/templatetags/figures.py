"""Template filters that print figures the way the official forms do (no computing here)."""
from django import template

from assessments.domain import rules

register = template.Library()


@register.filter
def money(value):
    """Print an amount in 万元 with 2 decimals (RULES §1), or nothing when it is missing."""
    return "" if value is None else rules.format2(value)


@register.filter
def percent(value):
    """Print a rate with 2 decimals and %, or "—" when it has no value (budget 0)."""
    return "—" if value is None else f"{rules.format2(value)}%"


@register.filter
def line_label(row):
    """Print a budget row's official label: its project name, or the line's name."""
    return row.name or rules.LINE_LABELS.get(row.line, row.line)
