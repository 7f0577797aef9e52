"""Typed input, read the same way wherever it comes from (the wizard, an Excel row, a JSON file,
base data): invisible characters removed, line breaks unified, dates in the forms people write them.

Pure Python: the import contract keeps Django out of ``assessments.domain``.
"""
from __future__ import annotations

import datetime
import re





# Characters a paste from Word or WPS carries that nobody typed: zero-width marks, the byte-order
# mark, soft hyphens, the object-replacement character of smart tags and fields, and C0/C1 control
# characters (NUL is refused by PostgreSQL). Tabs and line breaks are kept; Word's line and
# paragraph separators (U+2028, U+2029, vertical tab) become line breaks so paragraphs survive.
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"})


_HIDDEN = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffc]")


def clean_text(value: str) -> str:
    """Return posted text without hidden characters, line breaks as "\\n" (the one place input is cleaned)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)
    return _HIDDEN.sub("", value).replace("\u00a0", " ")


_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str):
    """Return the date in 2025-03-15, 2025-3-15, 2025/3/15, 2025.3.15 or 2025年3月15日 (ValueError if none)."""
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups()))


def word_count(text: str) -> int:
    """Return the number of characters a Chinese word count reports (spaces and line breaks not counted)."""
    return len(re.sub(r"\s", "", text))
