"""People's words in templates: where a thing is and how a stored value prints (``assessments.labels``).

    {% load words %}
    {{ change.path|where:assessment.kind }}   → 绩效指标第 5 行“定性档次”
    {{ change.after|shown:change.path }}      → 部分完成 (never the stored code)
"""
from django import template

from assessments.core import labels

register = template.Library()


@register.filter
def where(path, kind):
    """Name the step, row and column of an internal path as the form prints them."""
    return labels.describe(path or "", kind=kind)


@register.filter
def shown(value, path):
    """Print a stored value as the form shows it; "（空）" for nothing."""
    return labels.shown(value, path)
