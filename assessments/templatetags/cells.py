"""The inputs of the row steps' grid and of the report: hundreds on one page, so built here.

    {% load cells %}
    {% grid_cell cell row.number %}                                → <td …><input name="actual" value="…" …></td>
    {% cell_input cell.col cell.value aria_label=label %}          → <input name="title" value="…" …>
    {% row_ops %}                                                  → the row's ＋ ↑ ↓ 删除 buttons

An ``{% include %}`` per cell cost the indicators step of a 20-row form 25 ms of its 34 (bench/README.md);
one call here is a tenth of one include. The markup is the one the grid's script (static/js/grid.js)
and its tests read.
"""
import functools
from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

NUMERIC = ("amount", "decimal")


@register.simple_tag
def cell_input(col, value="", *, aria_label="", described="", input_id="", grid=False, placeholder="", lines=2):
    """One cell's input for column ``col`` (a ``formsteps`` column) holding ``value`` as typed."""
    # Plain f-strings with one escape per value: format_html's lazy-aware escaping was most of the cost.
    plain = "" if value is None else str(value)
    value = escape(plain)
    where = ((f' id="{escape(input_id)}"' if input_id else "")
             + (f' aria-label="{escape(str(aria_label))}"' if aria_label else "")
             + (f' aria-describedby="{escape(described)}"' if described else ""))
    if col.type == "textarea":
        return mark_safe(f'<textarea name="{col.name}"{where} rows="{int(lines or 2)}">{value}</textarea>')
    if col.type == "choice":
        options = "".join(f'<option value="{v}"{" selected" if raw == plain else ""}>{label}</option>'
                          for raw, v, label in _choices(col, get_language()))
        return mark_safe(f'<select name="{col.name}"{where}>{options}</select>')
    size = ' size="1"' if grid else ""
    hint = (f' placeholder="{escape(str(placeholder))}" title="{escape(_("按年初预算数与追加追减数计算"))}"'
            if placeholder else "")
    numeric = ' inputmode="decimal" class="num"' if col.type in NUMERIC else ""
    return mark_safe(f'<input name="{col.name}" value="{value}"{size}{hint}{where}{numeric} autocomplete="off">')


@register.simple_tag
def grid_cell(cell, number):
    """One cell of row ``number`` of the grid (``entry.views._row_view``): its input and its messages."""
    col, issues = cell["col"], cell["issues"]
    label = _("第 %(n)s 行 %(label)s") % {"n": number, "label": col.label}
    classes = " ".join(name for name, on in (("repeat", cell["repeat"]), ("na", cell["hidden"])) if on)
    described = f"err-{cell['id']}" if issues else ""
    field = cell_input(col, cell["value"], aria_label=label, described=described, grid=True,
                       placeholder=cell.get("placeholder", ""))
    if issues:
        field += f'<div class="error" data-issue id="{described}">{"；".join(escape(str(m)) for m in issues)}</div>'
    return mark_safe(f'<td id="{cell["id"]}" data-col="{col.name}" class="{classes}">{field}</td>')


@functools.lru_cache(maxsize=256)
def _choices(col, language):
    """A choice column's options as (value, escaped value, escaped label), its labels translated once."""
    return tuple((v, escape(v), escape(str(label))) for v, label in col.choices)


@register.simple_tag
def row_ops():
    """A row's operation buttons: the same on every row, so rendered once per language and process."""
    return _row_ops(get_language())


@functools.cache
def _row_ops(language):
    return mark_safe(render_to_string("assessments/_row_ops.html").strip())
