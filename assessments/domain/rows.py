"""Which rows of a table a user left empty: one rule, for the server and the page alike.

A row step of the wizard posts every row the page shows, including rows added and never filled.
The server drops those (``entry/wizard.py``), and the live answer tells the page, for each row it
posted, which row of the answer is its own (``posted`` in the live JSON) — so the page never
decides for itself whether a row counts (``static/js/grid.js``).
"""
from __future__ import annotations

from collections.abc import Mapping

# Columns chosen from a list that starts on a value (the budget line, the qualitative band): a row
# that holds only these was not filled in.
PRESET_COLUMNS = frozenset({"line", "band"})


def is_empty(values: Mapping[str, str]) -> bool:
    """Return whether a posted row holds nothing typed: every column blank but the preset choices."""
    return not any(text.strip() for column, text in values.items() if column not in PRESET_COLUMNS)
