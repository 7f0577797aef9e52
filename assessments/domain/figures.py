"""How a figure prints (RULES §1, §3.3, §4): the one place that turns a number into its text.

Pure Python on ``Decimal``, no Django. The screens (through the template filters in
``templatetags/figures.py``), the printed layouts, the summaries, the live wizard and the JSON
export all call these functions, so a figure reads the same wherever it is shown:

- a figure that has no value prints "—" (a budget of 0 has no 执行率) — or nothing, where the
  official table leaves the cell blank (an amount not entered);
- rates, scores and amounts print with exactly 2 decimals, rounded half-up (RULES §1);
- 得分率 and weights print as the published tables do: 88.8%, 95% — the value is truncated by
  the rules (RULES §4), and a trailing ".0" is never printed;
- weights and entered numbers print with their own decimals (10, 22.5, 897.334).

The two rounding steps that both compute and print figures (2 decimals half-up, 得分率 cut to
1 decimal) are defined here too, so that a printed figure and a computed one cannot round apart;
``rules`` uses them for every computation.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal

DASH = "—"  # a figure without a value (RULES §2: a budget of 0 has no rate)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# Rounding needs room for every digit of the result: the default context (28 digits) raises on a
# deviation of 10^26 %, which bounded inputs (rules.FIGURE_*) can still produce. The rounding mode
# travels in the context (passed positionally: a third of the cost of keyword arguments, and q2
# runs several times for every indicator scored).
_HALF_UP = Context(prec=80, rounding=ROUND_HALF_UP)
_DOWN = Context(prec=80, rounding=ROUND_DOWN)


# ---------------------------------------------------------------------------------------------
# Rounding (RULES §1, §4)
# ---------------------------------------------------------------------------------------------
def q2(value: Decimal) -> Decimal:
    """Return ``value`` rounded half-up to 2 decimals (RULES §1); never "-0.00"."""
    result = value.quantize(CENT, None, _HALF_UP)
    return result.copy_abs() if result.is_zero() else result


def truncate1(value: Decimal) -> Decimal:
    """Return ``value`` cut (not rounded) to 1 decimal, as 得分率 is published (RULES §4)."""
    return value.quantize(TENTH, None, _DOWN)


# ---------------------------------------------------------------------------------------------
# Text (None stays None: the interchange format writes null)
# ---------------------------------------------------------------------------------------------
def plain(value: Decimal | None) -> str | None:
    """Return the shortest plain text of ``value``: ``10.420000`` → "10.42", 10 → "10", -0 → "0"."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def two(value: Decimal | None) -> str | None:
    """Return ``value`` with exactly 2 decimals (95.18, 10.00, 0.03), or None."""
    # str() of a Decimal with exponent -2 is always plain notation (never 1E+2), and a fifth of
    # the cost of format(value, "f"): this runs for every figure of every row.
    return None if value is None else str(q2(value))


# ---------------------------------------------------------------------------------------------
# As printed on screens and in the official tables
# ---------------------------------------------------------------------------------------------
def amount(value: Decimal | None, empty: str = "") -> str:
    """Print an amount in 万元 with 2 decimals (RULES §1); a missing amount prints ``empty``."""
    return empty if value is None else str(q2(value))


def score(value: Decimal | None, empty: str = DASH) -> str:
    """Print a score or total with 2 decimals (98.35, 10.00); no score prints ``empty``."""
    return empty if value is None else str(q2(value))


def whole(value: Decimal | None, empty: str = "") -> str:
    """Print a weight, or a score the table prints bare, with its own decimals (10, 22.5, 19)."""
    return empty if value is None else plain(value)


def percent(value: Decimal | None, empty: str = DASH) -> str:
    """Print a rate with 2 decimals and "%" (95.18%, 100.00%, -4.82%); no rate prints "—"."""
    return empty if value is None else str(q2(value)) + "%"


def percent_of_rounded(value: Decimal) -> str:
    """Print a rate the rules have already rounded to 2 decimals (a deviation, RULES §3.3): "-4.82%".

    ``percent`` without its second rounding, which is a tenth of the cost of scoring a row.
    """
    return str(value) + "%"


def percent_number(value: Decimal | None, empty: str = DASH) -> str:
    """Print a rate with 2 decimals under a header that says "（%）" (95.18); no rate prints "—"."""
    return empty if value is None else str(q2(value))


def short_percent(value: Decimal | None, empty: str = DASH) -> str:
    """Print a 得分率 or a weight as a share, as published: 88.8%, 95% (never "95.0%"), 18%."""
    return empty if value is None else f"{plain(value)}%"

