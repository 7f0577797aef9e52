"""The one reader of typed input: what a person typed (wizard, Excel, JSON, base data) → a value.

Every reader returns the value, or raises ``InputError`` whose text is the Chinese message shown at
the field or row (the field's label first, as printed on the form). The wizard's forms
(entry/forms.py), the Excel import (through those forms), the JSON import (interchange.py) and the
department base data all read numbers, shares, dates and lengths here, so the same bad amount gets
the same message wherever it was typed. Pure Python: the import contract keeps Django out.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

from assessments.domain import rules


class InputError(ValueError):
    """A typed value that cannot be stored; ``str()`` is the message for the user."""


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


# What the database columns hold (models.py): decimal places → integer digits. Scores are
# numeric(6,2), money numeric(20,6). Checked here so that an absurd amount is a message at its
# field, not a database error (PostgreSQL refuses, SQLite would not).
MAX_INTEGER_DIGITS = {2: 4, 6: 14}


def check_magnitude(number: Decimal, places: int) -> None:
    """Raise NumberError when ``number`` does not fit the column for figures with ``places`` decimals."""
    digits = MAX_INTEGER_DIGITS.get(places)
    if digits is not None and abs(number) >= Decimal(10) ** digits:
        raise rules.NumberError(f"过大（应小于 {Decimal(10) ** digits:,}）")


def decimal(value, *, label: str, places: int, negative: bool = False) -> Decimal | None:
    """Return the decimal typed in ``value`` (text, int or Decimal; None → None) fitting its column.

    ``places`` is the column's: 2 for scores, weights and shares, 6 for amounts (万元).
    """
    if value is None:
        return None
    try:
        number = rules.parse_decimal(value, max_places=places, allow_negative=negative)
        check_magnitude(number, places)
    except rules.NumberError as exc:
        raise InputError(f"{label}{exc}") from None
    return number


def amount(value, *, label: str, negative: bool = False) -> Decimal | None:
    """Return an amount in 万元 (up to 6 decimals; negative only for 追加追减数)."""
    return decimal(value, label=label, places=6, negative=negative)


SHARE_LABEL = "得分比例"


def share(value) -> Decimal | None:
    """Return the 得分比例 of a qualitative indicator: a percentage from 0 to 100, 2 decimals."""
    number = decimal(value, label=SHARE_LABEL, places=2)
    if number is not None and number > 100:
        raise InputError("得分比例应在 0 到 100 之间")
    return number


def count(value, *, label: str, below: int = 10**9) -> int | None:
    """Return a whole number (people, cars, square metres of base data) under ``below``."""
    if value is None:
        return None
    try:
        number = rules.parse_decimal(value, max_places=0, allow_negative=False)
        if number >= below:
            raise rules.NumberError("过大")
    except rules.NumberError as exc:
        raise InputError(f"{label}{exc}") from None
    return int(number)


def figure(text: str, *, label: str) -> str:
    """Return a target/actual text as typed, refusing a number in it too large or too precise to store."""
    text = text.strip()
    if not text:
        return text
    try:
        problem = rules.figure_problem(rules.parse_target(text))
    except rules.TargetError:
        return text  # not a figure at all: the rules report it where it matters (RULES §3.1)
    if problem:
        raise InputError(f"{label}{problem}")
    return text


def length(text: str, *, label: str, max_length: int) -> str:
    """Return ``text`` when it fits a column of ``max_length`` characters (0: no limit)."""
    n = len(text.strip())
    if max_length and n > max_length:
        raise InputError(f"{label}不能超过 {max_length} 个字（现有 {n} 个）")
    return text


_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str) -> datetime.date:
    """Return the date in 2025-03-15, 2025-3-15, 2025/3/15, 2025.3.15 or 2025年3月15日 (ValueError if none)."""
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups()))


def date(text: str, *, label: str) -> datetime.date | None:
    """Return the date typed in ``text`` (blank → None) in any of the ways ``parse_date`` reads."""
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise InputError(f"{label}“{text}”不是日期，可写作 2025-03-15、2025/3/15 或 2025年3月15日") from None


def choice(text: str, choices) -> str:
    """Return ``text`` when it is one of ``choices`` (keys), or blank."""
    if text and text not in choices:
        raise InputError("请从列表中选择")
    return text


def word_count(text: str) -> int:
    """Return the number of characters a Chinese word count reports (spaces and line breaks not counted)."""
    return len(re.sub(r"\s", "", text))
