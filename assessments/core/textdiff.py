"""Changes inside a text, for the reviewer: what was inserted and deleted, marked in place.

Chinese has no spaces between words, so a text is compared character by character; runs of
Latin letters and digits (a figure such as 87.64 or a unit such as km) stay whole, so a changed
number is shown as one replaced figure rather than a scatter of digits.
"""
from __future__ import annotations

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,][0-9]+)*%?|\s+|.", re.S)


def _tokens(text) -> list[str]:
    return _TOKEN.findall("" if text is None else str(text))


def mark(before, after) -> SafeString:
    """Return ``after`` as HTML with deleted text in ``<del>`` and inserted text in ``<ins>``."""
    old, new = _tokens(before), _tokens(after)
    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return mark_safe("".join(out))
