"""The official computations of 预算绩效自评, as RULES.md states them.

Plain Python on ``Decimal`` with no Django import, so that a finance officer can read it next to
RULES.md and every caller — forms, live preview, import, export, PDF — gets the same figures.
Each function is named after what RULES.md calls it and its docstring cites the section; how a
figure prints (and the two roundings, 2 decimals half-up and 得分率 cut to 1 decimal) is
``figures.py``.

How a form is evaluated (``evaluate``), section by section:
§2 ``check_budget``, ``budget_results``, ``execution_rate``, ``execution_score`` →
§3.1 ``read_values`` (target and actual of a row) → §3.2 ``quantitative_score``,
``qualitative_score``, ``manual_score`` → §3.3 ``deviation`` → §3.4 ``reason_required``,
``form_reason_required`` → §4 ``level1_results``, ``component_results``, ``indicator_totals``,
``form_total``, ``weights_problem``, ``grade_for``. The desk reads ``execution_light`` and
``grade_bands`` from the same thresholds and scales.

Vocabulary:
- an *error* makes a document invalid (import refuses it, a form shows it at the field);
- a *problem* blocks submission but may be saved in a draft (RULES §3.4, §4);
- a *warning* is shown but never blocks (RULES §2, per-project rows that do not add up).
"""
from __future__ import annotations

import re
from functools import lru_cache
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple
from decimal import ROUND_DOWN, Context, Decimal, InvalidOperation

from assessments.domain import figures
from assessments.domain.figures import CENT, TENTH, q2, truncate1  # noqa: F401 - part of this module's API

ZERO = Decimal(0)
ZERO_SCORE = Decimal("0.00")
HUNDRED = Decimal(100)
MAX_AMOUNT_PLACES = 6  # 万元 with 6 decimals is exact to the 分 (RULES §1)

GE, LE, EQ, QUALITATIVE = "≥", "≤", "=", "定性"

# The three bands of a qualitative indicator (RULES §3.2): (lowest share, highest share, whether
# the highest is included). Only the top band includes 100; 80 and 50 belong to the upper band.
BAND_ACHIEVED, BAND_PARTIAL, BAND_NOT_ACHIEVED = "achieved", "partial", "not_achieved"
BANDS = {
    BAND_ACHIEVED: (Decimal(80), Decimal(100), True),
    BAND_PARTIAL: (Decimal(50), Decimal(80), False),
    BAND_NOT_ACHIEVED: (ZERO, Decimal(50), False),
}
BAND_LABELS = {
    BAND_ACHIEVED: "达成年度指标",
    BAND_PARTIAL: "部分达成并具有一定效果",
    BAND_NOT_ACHIEVED: "未达成且效果较差",
}

# Budget lines (INTERCHANGE.md); the F3-only income lines come from the 无锡 target table.
LINE_TOTAL, LINE_APPROPRIATION, LINE_CARRYOVER, LINE_OTHER = "total", "appropriation", "carryover", "other"
LINE_BASIC, LINE_PROJECT, LINE_ITEM = "basic", "project", "item"
LINE_GENERAL_BUDGET, LINE_GOV_FUND, LINE_SPECIAL_ACCOUNT = "general_budget", "gov_fund", "special_account"
LINE_STATE_CAPITAL, LINE_SOCIAL_INSURANCE = "state_capital", "social_insurance"
PROJECT_LINES = (LINE_TOTAL, LINE_APPROPRIATION, LINE_CARRYOVER, LINE_OTHER)
DEPARTMENT_LINES = (LINE_TOTAL, LINE_BASIC, LINE_PROJECT, LINE_ITEM)
TARGET_LINES = DEPARTMENT_LINES + (
    LINE_APPROPRIATION, LINE_GENERAL_BUDGET, LINE_GOV_FUND, LINE_SPECIAL_ACCOUNT,
    LINE_STATE_CAPITAL, LINE_SOCIAL_INSURANCE, LINE_CARRYOVER, LINE_OTHER,
)
LINE_LABELS = {
    LINE_TOTAL: "年度资金总额",
    LINE_APPROPRIATION: "当年财政拨款",
    LINE_CARRYOVER: "上年结转资金",
    LINE_OTHER: "其他资金",
    LINE_BASIC: "基本支出",
    LINE_PROJECT: "项目支出",
    LINE_ITEM: "项目",
    LINE_GENERAL_BUDGET: "一般公共预算资金",
    LINE_GOV_FUND: "政府性基金",
    LINE_SPECIAL_ACCOUNT: "财政专户管理资金",
    LINE_STATE_CAPITAL: "国有资本金",
    LINE_SOCIAL_INSURANCE: "社保基金",
}
COLUMN_LABELS = {"initial": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数"}

KIND_PROJECT = "project_self_assessment"
KIND_DEPARTMENT = "department_self_assessment"
KIND_TARGETS = "department_targets"


# ---------------------------------------------------------------------------------------------
# §1 Numbers
# ---------------------------------------------------------------------------------------------
class NumberError(ValueError):
    """A text that should be a decimal number is not one; the message is for the user."""


def parse_decimal(text, *, max_places: int | None = None, allow_negative: bool = True) -> Decimal:
    """Return the decimal written in ``text`` (str, int or Decimal) or raise NumberError."""
    if isinstance(text, bool) or text is None:
        raise NumberError("应为数字")
    if isinstance(text, (int, Decimal)):
        value = Decimal(text)
    elif isinstance(text, str):
        cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", cleaned):
            raise NumberError(f"“{text}”不是数字")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
            raise NumberError(f"“{text}”不是数字") from exc
    else:
        # float is refused on purpose: 99.975 must round like a decimal (RULES §1).
        raise NumberError("应为以字符串表示的数字")
    if not value.is_finite():
        raise NumberError(f"“{text}”不是数字")
    if not allow_negative and value < 0:
        raise NumberError("不能为负数")
    if max_places is not None and -value.as_tuple().exponent > max_places:
        value_places = value.normalize()
        if -value_places.as_tuple().exponent > max_places:
            raise NumberError(f"最多保留 {max_places} 位小数")
    return value


def rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """Return ``part ÷ whole × 100`` rounded to 2 decimals, or None when it has no value."""
    if part is None or whole is None or whole == 0:
        return None
    return q2(part / whole * HUNDRED)


# ---------------------------------------------------------------------------------------------
# §3.1 Target grammar
# ---------------------------------------------------------------------------------------------
class TargetError(ValueError):
    """A target or actual value that cannot be read; the message is for the user."""


@dataclass(frozen=True)
class Target:
    """A printed target or actual value, parsed: comparator, number and unit, or qualitative."""

    text: str
    comparator: str  # GE, LE, EQ or QUALITATIVE
    value: Decimal | None = None
    unit: str = ""
    # Set once (not a property): the rules ask it several times for every row they score.
    is_qualitative: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "is_qualitative", self.comparator == QUALITATIVE)


_PREFIXES = (
    (">=", GE), ("≥", GE), ("≧", GE), ("大于等于", GE), ("大于或等于", GE), ("不少于", GE),
    ("不低于", GE), ("不小于", GE), ("至少", GE), (">", GE), ("大于", GE), ("高于", GE),
    ("超过", GE), ("<=", LE), ("≤", LE), ("≦", LE), ("小于等于", LE), ("小于或等于", LE),
    ("不超过", LE), ("不高于", LE), ("不大于", LE), ("不多于", LE), ("至多", LE), ("<", LE),
    ("小于", LE), ("低于", LE), ("==", EQ), ("=", EQ), ("等于", EQ), ("达到", EQ),
)
# Longer endings first: "以上" would otherwise take 50人或以上 and leave "人或" as the unit.
_SUFFIXES = (
    ("及以上", GE), ("或以上", GE), ("以上", GE), ("及以下", LE), ("或以下", LE), ("以下", LE),
    ("以内", LE),
)
_SUFFIX_ENDINGS = tuple(suffix for suffix, _ in _SUFFIXES)
_UNIT_SYNONYMS = {"百分比": "%", "百分之": "%", "‰": "‰"}
# The prefixes as one pattern: an alternation tries them in the order above, as a loop would.
_PREFIX = re.compile("|".join(re.escape(prefix) for prefix, _ in _PREFIXES))
_PREFIX_COMPARATOR = dict(_PREFIXES)
_NUMBER_UNIT = re.compile(r"(?P<number>[-+]?(\d+(\.\d+)?|\.\d+))(?P<unit>[^\d]*)")


def _normalise(text: str) -> str:
    # NFKC turns full-width ＞＝％ and digits into ASCII; printed tables also break "300 人".
    cleaned = unicodedata.normalize("NFKC", text)
    cleaned = cleaned.replace("≧", "≥").replace("≦", "≤")
    # str.split() splits on the whitespace that \s matches, at a third of the regular expression's cost.
    return "".join(cleaned.split()).replace(",", "")


# Cached: a Target is immutable, and a province's forms repeat the same few thousand texts
# (an error is raised again each time, not cached).
@lru_cache(maxsize=65_536, typed=True)
def parse_target(text: str) -> Target:
    """Return the parsed form of a printed target or actual value (RULES §3.1).

    ``≥50人``, ``50人以上``, ``不少于50人`` → (≥, 50, 人); ``100%`` → (=, 100, %);
    anything without a readable number (``健全``, ``满意``) is qualitative.
    """
    if text is None or not str(text).strip():
        raise TargetError("不能为空")
    original = str(text).strip()
    body = _normalise(original)
    comparator = None
    if prefix := _PREFIX.match(body):
        comparator, body = _PREFIX_COMPARATOR[prefix.group()], body[prefix.end():]
    for suffix, comp in _SUFFIXES if body.endswith(_SUFFIX_ENDINGS) else ():
        if body.endswith(suffix):
            if comparator not in (None, comp):
                return Target(original, QUALITATIVE)
            comparator, body = comp, body[: -len(suffix)]
            break
    match = _NUMBER_UNIT.fullmatch(body)
    if not match:
        return Target(original, QUALITATIVE)
    unit = match.group("unit")
    for word, canonical in _UNIT_SYNONYMS.items():
        if unit == word:
            unit = canonical
    return Target(original, comparator or EQ, Decimal(match.group("number")), unit)


# A number in a target or actual value is at most this large and this precise: what the parsed
# column (numeric(24,8)) holds, far beyond any real figure, and small enough to compute with.
FIGURE_INTEGER_DIGITS = 16
FIGURE_PLACES = 8
_FIGURE_LIMIT = Decimal(10) ** FIGURE_INTEGER_DIGITS
_FIGURE_STEP = Decimal(1).scaleb(-FIGURE_PLACES)
_FIGURE_CONTEXT = Context(prec=FIGURE_INTEGER_DIGITS + FIGURE_PLACES + 2, rounding=ROUND_DOWN)


def figure_problem(target: Target) -> str | None:
    """Return why the number in a parsed target/actual cannot be used (too large, too precise), or None."""
    value = target.value
    if target.is_qualitative or value is None:
        return None
    if abs(value) >= _FIGURE_LIMIT:
        return f"数值过大（应小于 {_FIGURE_LIMIT:,}）"
    # More than FIGURE_PLACES significant decimals (trailing zeros do not count): quantizing
    # changes the value. Cheaper than value.normalize().as_tuple(), which builds a tuple of digits.
    if value.quantize(_FIGURE_STEP, None, _FIGURE_CONTEXT) != value:
        return f"数值最多保留 {FIGURE_PLACES} 位小数"
    return None


def units_differ(target: Target, actual: Target) -> bool:
    """Return True when the actual is written in another unit than the target (an error)."""
    if target.is_qualitative or actual.is_qualitative:
        return False
    # "≥50" as an actual means 50 of the target's unit (RULES §3.1): a missing unit is not a mismatch.
    return bool(actual.unit) and actual.unit != target.unit


# How a row's target and actual value read. Each text is read once per process (_read_figure is
# cached); the pair is not cached: most pairs of figures are new (bench_rules.py measured a pair
# cache slower, 0.68 s against 0.58 s for 100,000 rows), and it would hold memory in every worker.
_new_tuple = tuple.__new__


class Reading(NamedTuple):  # a tuple: built for every new pair of texts, so cheaply
    """A row's target and actual value as the rules read them (RULES §3.1), with their deviation (§3.3)."""

    target: Target | None  # None when it cannot be read (target_error says why)
    actual: Target | None  # None when empty or unusable (actual_error says why)
    target_error: str | None
    actual_error: str | None
    actual_missing: bool  # no actual value written
    deviation: str  # 偏差情况 as printed; "" without a target or an actual
    deviation_value: Decimal | None  # its number (-4.82 for "-4.82%"); None for "—" or ""
    differs: bool  # a qualitative actual that is not the target's text (a reason is required, §3.4)


@lru_cache(maxsize=65_536)
def _read_figure(text: str) -> tuple[Target | None, str | None]:
    """Return a target or actual text parsed, or None and what is wrong after the column's name."""
    try:
        parsed = parse_target(text)
    except TargetError as exc:
        return None, str(exc)
    problem = figure_problem(parsed)
    return (None, f"“{text}”{problem}") if problem else (parsed, None)


def read_values(target_text: str, actual_text: str) -> Reading:
    """Return a row's target (年度指标值) and actual (实际完成值) as read by RULES §3.1.

    An actual must be a number where the target is one, in the target's unit (or none: "≥50" as an
    actual means 50); its deviation from the target is RULES §3.3.
    """
    target, problem = _read_figure(target_text)
    target_error = None if problem is None else f"指标值{problem}"
    actual = actual_error = None
    missing = not actual_text.strip()
    if not missing:
        actual, problem = _read_figure(actual_text)
        if problem is not None:
            actual_error = f"实际完成值{problem}"
        elif target is not None and not target.is_qualitative:
            if actual.is_qualitative:
                actual_error = f"实际完成值“{actual_text}”应为数值，与指标值“{target_text}”对应"
                actual = None
            elif units_differ(target, actual):
                actual_error = f"实际完成值单位“{actual.unit}”与指标值单位“{target.unit or '无'}”不一致"
                actual = None
    # tuple.__new__ rather than Reading(...): the same tuple without NamedTuple's Python-level __new__
    # (this is built for every row scored).
    if target is None or actual is None:
        return _new_tuple(Reading, (target, actual, target_error, actual_error, missing, "", None, False))
    text, value = _deviation(target, actual)
    return _new_tuple(Reading, (target, actual, target_error, actual_error, missing, text, value,
                                target.is_qualitative and actual.text != target.text))


# ---------------------------------------------------------------------------------------------
# Scoring schemes (stored as data; this is their pure form)
# ---------------------------------------------------------------------------------------------
# The national scale (RULES §4), the default of a scheme; every form is graded on its own scheme's
# scale (石家庄: 优秀 85 / 良好 75 / 一般 60), never on this one by default in a page.
NATIONAL_GRADE_SCALE = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (ZERO, "差"))


@dataclass(frozen=True)
class Scheme:
    """The parameters that vary by jurisdiction (评分规则)."""

    key: str
    name: str = ""
    scored: bool = True
    execution_weight: Decimal | None = Decimal(10)
    # Guidance only: a block whose weights differ is a warning, never an error.
    level1_weights: tuple[tuple[str, Decimal], ...] = ()
    # Descending (lowest total, label); the first whose threshold is reached is the grade.
    grade_scale: tuple[tuple[Decimal, str], ...] = NATIONAL_GRADE_SCALE
    deviation_threshold: Decimal = Decimal(10)
    execution_threshold: Decimal = Decimal(90)
    total_weight: Decimal = HUNDRED
    # Component-scored department evaluation (新洲/武汉): (name, weight).
    components: tuple[tuple[str, Decimal], ...] = ()
    # 一级 names whose rows the evaluator scores by hand; "*" for every row.
    manual_level1: tuple[str, ...] = ()
    # "deduction": round the deduction, as 石家庄 prints (RULES §2); "score": round W × rate.
    execution_rounding: str = "deduction"
    three_public_basis: str = "budget"  # "budget" or "final" for "三公经费"变动率 (RULES §5)
    layout: str = "national"  # which official layout prints it: national, hubei, jiangsu, wuhan
    # How the jurisdiction prints its forms (titles, section order, captions): data, see schemes.py.
    print_outline: dict = field(default_factory=dict, compare=False, hash=False)

    def is_manual(self, level1: str) -> bool:
        return "*" in self.manual_level1 or level1 in self.manual_level1


def indicator_block_weight(scheme: Scheme) -> Decimal:
    """Return the weight of the indicator block (Hubei prints 年度绩效目标（80分）: 100 − 20)."""
    return scheme.total_weight - (scheme.execution_weight or ZERO)


def grade_for(value: Decimal | None, scheme: Scheme) -> str | None:
    """Return the grade label of a total or 得分率 on the scheme's scale (RULES §4)."""
    if value is None or not scheme.grade_scale:
        return None
    for threshold, label in scheme.grade_scale:
        if value >= threshold:
            return label
    return scheme.grade_scale[-1][1]


def grade_bands(scale: tuple[tuple[Decimal, str], ...] | list) -> list[tuple[str, str]]:
    """Return each grade of a scale with the totals it covers, as the desk prints them (RULES §4).

    石家庄 ((85, 优秀), (75, 良好), (60, 一般), (0, 较差)) → 优秀 "≥ 85", 良好 "75–85", 一般 "60–75",
    较差 "< 60".
    """
    bands, upper = [], None
    for threshold, label in scale:
        low = figures.plain(threshold)
        if threshold <= 0:
            band = f"< {upper}" if upper is not None else ""
        else:
            band = f"≥ {low}" if upper is None else f"{low}–{upper}"
        bands.append((label, band))
        upper = low
    return bands


# ---------------------------------------------------------------------------------------------
# §2 Budget execution
# ---------------------------------------------------------------------------------------------
def adjusted_budget(initial: Decimal, adjustment: Decimal) -> Decimal:
    """Return 调整预算数 = 年初预算数 + 上年结转及当年追加追减数."""
    return initial + adjustment


def execution_rate(executed: Decimal | None, adjusted: Decimal | None) -> Decimal | None:
    """Return 执行率 = 实际支出数 ÷ 调整预算数 × 100 (2 decimals), None when the budget is 0."""
    return rate(executed, adjusted)


def execution_score(
    *, rate_value: Decimal | None, executed: Decimal | None, weight: Decimal, rounding: str = "deduction"
) -> Decimal | None:
    """Return the execution score on ``weight`` from the printed 2-decimal rate (RULES §2).

    The deduction ``W × (100 − rate) / 100`` is rounded, not the score: 99.75% on 10 points
    deducts 0.03 and scores 9.97. A budget of 0 scores W only when nothing was spent.
    """
    if executed is None:
        return None
    if rate_value is None:
        return weight if executed == 0 else ZERO
    if rounding == "score":
        score = q2(weight * rate_value / HUNDRED)
    else:
        score = weight - q2(weight * (HUNDRED - rate_value) / HUNDRED)
    return q2(min(weight, max(ZERO, score)))


def form_reason_required(rate_value: Decimal | None, scheme: Scheme) -> bool:
    """Return whether the form as a whole needs 偏差大或目标未完成原因分析 (RULES §3.4).

    When its execution rate is below the scheme's threshold (90% by default).
    """
    return rate_value is not None and rate_value < scheme.execution_threshold


LIGHT_NONE, LIGHT_LOW, LIGHT_SHORT, LIGHT_OK = "none", "low", "short", "ok"


def execution_light(rate_value: Decimal | None, threshold: Decimal) -> str:
    """Return the warning a form's 执行率 raises on the review desk.

    "none": no budget yet; "low": below the scheme's threshold, where the form must explain its
    deviation (RULES §3.4, 90% by default); "short": under 100%; "ok": fully executed.
    """
    if rate_value is None:
        return LIGHT_NONE
    if rate_value < threshold:
        return LIGHT_LOW
    return LIGHT_SHORT if rate_value < HUNDRED else LIGHT_OK


# ---------------------------------------------------------------------------------------------
# §3.2 Indicator scores, §3.3 deviation, §3.4 reasons
# ---------------------------------------------------------------------------------------------
def quantitative_score(comparator: str, target: Decimal, actual: Decimal, weight: Decimal) -> Decimal:
    """Return the score of a ≥ / ≤ / = indicator, capped to [0, W], 2 decimals (RULES §3.2).

    ≥ (正向): W × B/A, A = 0 → W. ≤ (反向): W × A/B; B ≤ A → W; A = 0 and B > 0 → 0.
    = (Decision): A > 0 is scored as ≥; A = 0 → W if B = 0 else 0. Never above W.
    """
    a, b, w = target, actual, weight
    if comparator == LE:
        # Decision for negative targets (e.g. ≤-5%): missing a ≤ target scores 0 when A ≤ 0.
        if b <= a:
            raw = w
        elif a <= ZERO:
            return ZERO_SCORE
        else:
            raw = w * a / b
    elif comparator == EQ and a <= ZERO:
        # Decision: "=0" (and the rare "=-x") is met only exactly.
        raw = w if b == a else ZERO
    else:  # ≥, and = with A > 0, which is scored as ≥
        if a == ZERO:
            raw = w
        elif a < ZERO:
            raw = w if b >= a else ZERO
        else:
            raw = w * b / a
    # Capped to [0, W]; the comparisons, not min/max, because this runs for every indicator.
    if raw >= w:
        raw = w
    elif raw < ZERO:
        raw = ZERO
    return q2(raw)


def band_of_share(share: Decimal) -> str | None:
    """Return the band that contains ``share`` (percent of the weight, RULES §3.2)."""
    for band, (low, high, high_included) in BANDS.items():
        if low <= share < high or (high_included and share == high):
            return band
    return None


def share_in_band(band: str, share: Decimal) -> bool:
    """Return whether ``share`` lies in ``band`` (80 and 50 belong to the upper band, RULES §3.2)."""
    low, high, high_included = BANDS[band]
    return low <= share < high or (high_included and share == high)


def qualitative_score(
    weight: Decimal, band: str, share: Decimal | None, as_targeted: bool
) -> tuple[Decimal | None, str, Decimal | None]:
    """Return (score, band, share) of a qualitative (定性) indicator: W × share (RULES §3.2).

    ``band`` and ``share`` are what the filler chose, already checked against each other. An actual
    that reads as its target (``as_targeted``) with nothing chosen is 达成年度指标 at 100% (the
    default of §3.2), as is 达成年度指标 without a share; a share alone falls in the band that holds
    it. The score is None while the band or the share is still missing.
    """
    if not band and share is None and as_targeted:
        band, share = BAND_ACHIEVED, HUNDRED
    elif band == BAND_ACHIEVED and share is None:
        share = HUNDRED
    elif share is not None and not band:
        band = band_of_share(share) or ""
    if band and share is not None:
        return q2(weight * share / HUNDRED), band, share
    return None, band, share


def manual_score(entered: Decimal, weight: Decimal) -> Decimal | None:
    """Return the evaluator's score of a manually scored row, 2 decimals, or None outside [0, W].

    RULES §3.2 (Decision: 评价人打分): the score is entered and must lie in [0, W].
    """
    return q2(entered) if ZERO <= entered <= weight else None


def _deviation(target: Target, actual: Target) -> tuple[str, Decimal | None]:
    if target.is_qualitative:
        return ("0%", ZERO) if actual.text == target.text else (figures.DASH, None)
    if actual.is_qualitative:
        return figures.DASH, None
    a, b = target.value, actual.value
    if a == ZERO:
        return ("0%", ZERO) if b == ZERO else ("100%", HUNDRED)
    value = q2((b - a) / a * HUNDRED)
    return figures.percent_of_rounded(value), value


def deviation(target: Target, actual: Target | None) -> str:
    """Return 偏差情况 exactly as the official form prints it (RULES §3.3); "" when no actual.

    Qualitative: "0%" when the actual is the target's text, else "—"; a target of 0: "0%" when the
    actual is 0, else "100%"; otherwise (B − A) ÷ A × 100, 2 decimals half-up, with "%".
    """
    if actual is None:
        return ""
    return _deviation(target, actual)[0]


def reason_required(reading: Reading, score: Decimal | None, weight: Decimal | None, scheme: Scheme) -> bool:
    """Return whether a row must carry 偏差原因分析及改进措施 (RULES §3.4, thresholds per scheme).

    Any of: its score is below its weight; |deviation| reaches the scheme's threshold (10%); a
    qualitative actual differs from its target.
    """
    if reading.differs:
        return True
    if reading.deviation_value is not None and abs(reading.deviation_value) >= scheme.deviation_threshold:
        return True
    return score is not None and weight is not None and score < weight


def budget_totals(form: "Form") -> tuple[Decimal | None, Decimal | None]:
    """Return (预算数, 执行数) of the form's 年度资金总额 / 预算总金额 row, as its 执行率 takes them."""
    for row in form.budget:
        if row.line == LINE_TOTAL:
            return row.effective_adjusted, row.executed
    return None, None


def target_missed(result: "IndicatorResult") -> bool:
    """Return whether an indicator fell short of its target (the summary tables list these).

    Read as the scores read it (§3.2): ≥ and "= A" with A > 0 are missed below A, ≤ above A,
    "= 0" (or below) unless met exactly; a qualitative target is missed when the actual differs
    and the evaluator did not rate it 达成年度指标. A row without an actual is not reported.
    """
    target, actual = result.target, result.actual
    if target is None or actual is None:
        return False
    if target.is_qualitative or actual.is_qualitative:
        return actual.text != target.text and result.band != BAND_ACHIEVED
    a, b = target.value, actual.value
    if target.comparator == LE:
        return b > a
    if target.comparator == EQ and a <= 0:
        return b != a
    return b < a


# ---------------------------------------------------------------------------------------------
# The whole form
# ---------------------------------------------------------------------------------------------
@dataclass
class BudgetRow:
    line: str
    name: str = ""
    initial: Decimal | None = None
    adjustment: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    half_year: Decimal | None = None

    @property
    def effective_adjusted(self) -> Decimal | None:
        """Return 调整预算数: as given, else 年初预算数 + 调整数, else 年初预算数 (nothing adjusted)."""
        if self.adjusted is not None:
            return self.adjusted
        if self.initial is not None and self.adjustment is not None:
            return adjusted_budget(self.initial, self.adjustment)
        return self.initial


@dataclass
class IndicatorRow:
    level1: str
    level2: str
    name: str
    target: str
    actual: str = ""
    weight: Decimal | None = None
    band: str = ""
    share: Decimal | None = None
    score: Decimal | None = None  # entered by the evaluator on manually scored rows
    reason: str = ""
    source: str = ""
    half_year_target: str = ""
    key_work: str = ""  # 重点工作, on 履职 rows of a target table
    project_name: str = ""  # 对应项目, on 履职 rows of a target table


@dataclass
class ComponentRow:
    name: str
    weight: Decimal
    score: Decimal


@dataclass
class Form:
    """Everything of an assessment that the computations read."""

    kind: str
    budget: list[BudgetRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    components: list[ComponentRow] = field(default_factory=list)
    deviation_reasons: str = ""
    entered_total: Decimal | None = None


class Issue(NamedTuple):  # a tuple, not a frozen dataclass: a third of the cost to build
    """An error, problem or warning, at the JSON path of what it concerns."""

    path: str
    message: str


@dataclass
class BudgetResult:
    line: str
    name: str
    adjusted: Decimal | None
    rate: Decimal | None
    adjustment: Decimal | None = None  # 上年结转及追加追减数, as given or 调整预算数 − 年初预算数


@dataclass(slots=True)
class IndicatorResult:
    target: Target | None
    actual: Target | None
    score: Decimal | None
    deviation: str
    reason_required: bool
    band: str = ""
    share: Decimal | None = None


@dataclass
class ComponentResult:
    name: str
    weight: Decimal
    score: Decimal
    rate: Decimal | None  # truncated to 1 decimal
    grade: str | None


@dataclass
class Evaluation:
    execution_rate: Decimal | None
    execution_weight: Decimal | None
    execution_score: Decimal | None
    budget: list[BudgetResult]
    indicators: list[IndicatorResult]
    components: list[ComponentResult]
    total: Decimal | None
    entered_total: Decimal | None
    grade: str | None
    errors: list[Issue]
    problems: list[Issue]
    warnings: list[Issue]
    # The 合计 row of the indicator table: 分值 of the rows and the sum of their scores.
    indicator_weight_total: Decimal | None = None
    indicator_score_total: Decimal | None = None

    @property
    def execution_deduction(self) -> Decimal | None:
        """Return the points lost on execution (石家庄 prints "扣1.65分"): weight − execution score."""
        if self.execution_weight is None or self.execution_score is None:
            return None
        return self.execution_weight - self.execution_score

    @property
    def shown_total(self) -> Decimal | None:
        """Return the total the form is graded on: an entered total wins (RULES §4, 石家庄)."""
        return self.entered_total if self.entered_total is not None else self.total


def overall_component(evaluation: "Evaluation", scheme: Scheme) -> ComponentResult | None:
    """Return the 综合绩效 row of a component-scored evaluation (新洲 评分结果): sums, rate, grade."""
    if not evaluation.components:
        return None
    weight = sum((c.weight for c in evaluation.components), ZERO)
    score = q2(sum((c.score for c in evaluation.components), ZERO))
    overall_rate = truncate1(score / weight * HUNDRED) if weight else None
    return ComponentResult("综合绩效", weight, score, overall_rate,
                           grade_for(overall_rate, scheme))


def _budget_lines_for(kind: str) -> tuple[str, ...]:
    if kind == KIND_PROJECT:
        return PROJECT_LINES
    if kind == KIND_DEPARTMENT:
        return DEPARTMENT_LINES
    return TARGET_LINES


def check_budget(form: Form, errors: list[Issue], warnings: list[Issue], problems: list[Issue]) -> None:
    """Check the budget lines (RULES §2): known lines, no negative amounts, totals that add up.

    年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金 (project) and 预算总金额 = 基本支出 +
    项目支出 (department) are errors when broken; per-project rows that do not add up to 项目支出
    are a warning, never a block.
    """
    allowed = _budget_lines_for(form.kind)
    seen: dict[str, int] = {}
    for i, row in enumerate(form.budget):
        path = f"budget[{i}]"
        if row.line not in allowed:
            errors.append(Issue(f"{path}.line", f"此表不能填写“{row.line}”资金行"))
            continue
        if row.line != LINE_ITEM:
            if row.line in seen:
                errors.append(Issue(f"{path}.line", f"“{LINE_LABELS[row.line]}”重复填写"))
            seen.setdefault(row.line, i)
        if row.line == LINE_ITEM and not row.name.strip():
            errors.append(Issue(f"{path}.name", "项目行须填写项目名称"))
        for column in ("initial", "adjusted", "executed", "half_year"):
            value = getattr(row, column)
            if value is not None and value < 0:
                label = COLUMN_LABELS.get(column, "半年计划执行数")
                errors.append(Issue(f"{path}.{column}", f"{label}不能为负数"))
        if row.adjusted is not None and row.adjustment is not None and row.initial is not None:
            if adjusted_budget(row.initial, row.adjustment) != row.adjusted:
                errors.append(Issue(
                    f"{path}.adjusted",
                    f"调整预算数 {figures.two(row.adjusted)} 不等于年初预算数 {figures.two(row.initial)}"
                    f" + 调整数 {figures.two(row.adjustment)}",
                ))
        effective = row.effective_adjusted
        if effective is not None and effective < 0 and row.adjusted is None:
            errors.append(Issue(f"{path}.adjustment", "调整后预算数不能为负数"))
        if form.kind != KIND_TARGETS and row.line == LINE_TOTAL and row.executed is None:
            problems.append(Issue(f"{path}.executed", "全年执行数未填写"))

    def add_up(total_line: str, parts: tuple[str, ...], label: str) -> None:
        if total_line not in seen or not any(p in seen for p in parts):
            return
        total_row = form.budget[seen[total_line]]
        for column in ("initial", "adjusted", "executed"):
            total = total_row.effective_adjusted if column == "adjusted" else getattr(total_row, column)
            values = []
            for p in parts:
                if p in seen:
                    part_row = form.budget[seen[p]]
                    values.append(part_row.effective_adjusted if column == "adjusted" else getattr(part_row, column))
            if total is None or all(v is None for v in values):
                continue
            parts_sum = sum((v for v in values if v is not None), ZERO)
            if parts_sum != total:
                names = " + ".join(LINE_LABELS[p] for p in parts if p in seen)
                errors.append(Issue(
                    f"budget[{seen[total_line]}].{column}",
                    f"{COLUMN_LABELS[column]}不平：{label} {figures.two(total)} ≠ {names} {figures.two(parts_sum)}",
                ))

    if form.kind == KIND_PROJECT:
        add_up(LINE_TOTAL, (LINE_APPROPRIATION, LINE_CARRYOVER, LINE_OTHER), "年度资金总额")
    else:
        add_up(LINE_TOTAL, (LINE_BASIC, LINE_PROJECT), "预算总金额")
        # RULES §2: per-project rows need not add up to 项目支出 — a warning, never a block.
        items = [r for r in form.budget if r.line == LINE_ITEM]
        if items and LINE_PROJECT in seen:
            project_row = form.budget[seen[LINE_PROJECT]]
            for column in ("executed",):
                values = [getattr(r, column) for r in items]
                total = getattr(project_row, column)
                if total is None or any(v is None for v in values):
                    continue
                parts_sum = sum(values, ZERO)
                if parts_sum != total:
                    warnings.append(Issue(
                        f"budget[{seen[LINE_PROJECT]}].{column}",
                        f"各项目{COLUMN_LABELS[column]}合计 {figures.two(parts_sum)}，与项目支出"
                        f" {figures.two(total)} 相差 {figures.two(total - parts_sum)}",
                    ))


def score_indicator(
    i: int, row: IndicatorRow, scheme: Scheme, needs_actual: bool, scored: bool, targets_table: bool,
    errors: list[Issue], problems: list[Issue],
) -> IndicatorResult:
    """Return one indicator row's reading, score, deviation and whether it needs a reason (RULES §3).

    ``needs_actual``: the form reports results (not a target table); ``scored``: its scheme scores it.
    Positional arguments only, and the ordinary row reads straight through: this runs for every
    row of every form a page, an import or a batch evaluates (measured by bench/bench_rules.py).
    """
    manual = scored and bool(scheme.manual_level1) and scheme.is_manual(row.level1)
    if not row.level1.strip():
        errors.append(Issue(f"indicators[{i}].level1", "一级指标不能为空"))
    if not row.name.strip():
        errors.append(Issue(f"indicators[{i}].name", "三级指标不能为空"))
    reading = read_values(row.target, row.actual)  # §3.1
    target, actual = reading.target, reading.actual
    if reading.target_error is not None:
        errors.append(Issue(f"indicators[{i}].target", reading.target_error))
    if reading.actual_error is not None:
        errors.append(Issue(f"indicators[{i}].actual", reading.actual_error))
    elif reading.actual_missing and needs_actual:
        problems.append(Issue(f"indicators[{i}].actual", "实际完成值未填写"))

    weight = row.weight
    if scored:
        if weight is None:
            errors.append(Issue(f"indicators[{i}].weight", "分值未填写"))
        elif weight < ZERO:
            errors.append(Issue(f"indicators[{i}].weight", "分值不能为负数"))
            weight = None
    elif weight is not None and not targets_table:
        errors.append(Issue(f"indicators[{i}].weight", f"评分规则“{scheme.name or scheme.key}”不计分，不应填写分值"))
        weight = None

    band, share = row.band, row.share
    if band or share is not None:
        band, share = _checked_band(i, band, share, target, errors)
    if row.score is not None and not manual:
        errors.append(Issue(f"indicators[{i}].score", "此指标由系统按公式计分，不能手工填写得分"))

    score = None
    if scored and weight is not None and needs_actual:
        if manual:  # §3.2, 评价人打分
            if row.score is None:
                problems.append(Issue(f"indicators[{i}].score", "此指标由评价人打分，得分未填写"))
            elif (score := manual_score(row.score, weight)) is None:
                errors.append(Issue(
                    f"indicators[{i}].score", f"得分 {figures.plain(row.score)} 应在 0 至分值 {figures.plain(weight)} 之间"))
        elif target is not None and actual is not None:
            if target.is_qualitative:
                score, band, share = qualitative_score(weight, band, share, actual.text == target.text)
                if score is None:
                    problems.append(Issue(f"indicators[{i}].band", "实际完成值与指标值不同，请选择达成档次并填写得分比例"))
            else:
                score = quantitative_score(target.comparator, target.value, actual.value, weight)

    required = needs_actual and reason_required(reading, score, weight, scheme)  # §3.4
    if required and not row.reason.strip():
        problems.append(Issue(f"indicators[{i}].reason", "此行须填写偏差原因分析及改进措施"))
    return IndicatorResult(target, actual, score, reading.deviation, required, band, share)


def _checked_band(i, band, share, target, errors):
    """Return the band and share a filler chose, each None/"" when invalid (RULES §3.2), with errors."""
    if band and band not in BANDS:
        errors.append(Issue(f"indicators[{i}].band", f"定性档次“{band}”无效，应为：{'、'.join(BAND_LABELS.values())}"))
        band = ""
    if share is not None and not ZERO <= share <= HUNDRED:
        errors.append(Issue(f"indicators[{i}].share", f"得分比例 {figures.plain(share)}% 应在 0–100 之间"))
        share = None
    if band and share is not None and not share_in_band(band, share):
        low, high, high_included = BANDS[band]
        belongs = band_of_share(share)
        errors.append(Issue(
            f"indicators[{i}].share",
            f"得分比例 {figures.plain(share)}% 不在“{BAND_LABELS[band]}”档"
            f"（{figures.plain(low)}%–{figures.plain(high)}%{'' if high_included else '，不含 ' + figures.plain(high) + '%'}）内"
            + (f"；{figures.plain(share)}% 属于“{BAND_LABELS[belongs]}”档" if belongs else ""),
        ))
        share = None
    if (band or share is not None) and target is not None and not target.is_qualitative:
        errors.append(Issue(f"indicators[{i}].band", "达成档次只适用于定性指标"))
    return band, share


# ---------------------------------------------------------------------------------------------
# §4 Totals and grades
# ---------------------------------------------------------------------------------------------
def component_results(
    components: list[ComponentRow], scheme: Scheme, errors: list[Issue], problems: list[Issue]
) -> list[ComponentResult]:
    """Return the entered components with 得分率 (cut to 1 decimal) and grade (RULES §4, 新洲).

    得分率 = component score ÷ component weight; the grade is read from it on the scheme's scale.
    A component outside its weight is an error; weights that do not add up block submission.
    """
    results = []
    for i, comp in enumerate(components):
        if comp.weight <= 0:
            errors.append(Issue(f"component_scores[{i}].weight", "权重必须大于 0"))
            continue
        if not ZERO <= comp.score <= comp.weight:
            errors.append(Issue(
                f"component_scores[{i}].score",
                f"得分 {figures.plain(comp.score)} 应在 0 至权重 {figures.plain(comp.weight)} 之间",
            ))
            continue
        comp_rate = truncate1(comp.score / comp.weight * HUNDRED)
        results.append(ComponentResult(comp.name, comp.weight, comp.score, comp_rate, grade_for(comp_rate, scheme)))
    weight_sum = sum((c.weight for c in components), ZERO)
    if weight_sum != scheme.total_weight:
        problems.append(Issue(
            "component_scores",
            f"权重合计为 {figures.plain(weight_sum)}，应为 {figures.plain(scheme.total_weight)}"))
    return results


def level1_results(
    rows: list[IndicatorRow], results: list[IndicatorResult], scheme: Scheme, warnings: list[Issue]
) -> list[ComponentResult]:
    """Return each 一级 block's weight, score, 得分率 (cut to 1 decimal) and grade (RULES §4).

    A block whose weights differ from the template's (national 产出 50 / 效益 30 / 满意度 10) is a
    warning, never a block.
    """
    by_level1: dict[str, list[Decimal]] = {}
    for row, result in zip(rows, results):
        weight = row.weight
        if weight is not None and weight >= ZERO:
            sums = by_level1.get(row.level1)
            if sums is None:
                sums = by_level1[row.level1] = [ZERO, ZERO]
            sums[0] += weight
            if result.score is not None:
                sums[1] += result.score
    blocks = []
    for name, (weight, score) in by_level1.items():
        block_rate = truncate1(score / weight * HUNDRED) if weight else None
        blocks.append(ComponentResult(name, weight, q2(score), block_rate, grade_for(block_rate, scheme)))
    for name, expected in scheme.level1_weights:
        if name in by_level1 and by_level1[name][0] != expected:
            warnings.append(Issue(
                "indicators",
                f"“{name}”分值合计 {figures.plain(by_level1[name][0])}，模板建议 {figures.plain(expected)}"))
    return blocks


def indicator_totals(
    rows: list[IndicatorRow], results: list[IndicatorResult]
) -> tuple[Decimal | None, Decimal | None]:
    """Return the 合计 row of the indicator table: Σ 分值 and Σ 得分 (RULES §4); None without rows."""
    if not rows:
        return None, None
    weights = scores = ZERO
    for row, result in zip(rows, results):
        if row.weight is not None:
            weights += row.weight
        if result.score is not None:
            scores += result.score
    return weights, q2(scores)


def form_total(execution_score: Decimal | None, indicator_score_total: Decimal | None) -> Decimal:
    """Return the total = execution score + Σ indicator scores (RULES §4), 2 decimals."""
    return q2((execution_score or ZERO) + (indicator_score_total or ZERO))


def weights_problem(weight_sum: Decimal, scheme: Scheme) -> Issue | None:
    """Return the problem of a scored form whose weights do not add up to the scheme's 100 (RULES §4)."""
    if weight_sum == scheme.total_weight:
        return None
    return Issue("indicators", f"分值合计为 {figures.plain(weight_sum)}，应为 {figures.plain(scheme.total_weight)}")


# ---------------------------------------------------------------------------------------------
# The whole form
# ---------------------------------------------------------------------------------------------
def budget_results(form: Form) -> tuple[list[BudgetResult], BudgetRow | None]:
    """Return each budget line's 调整预算数, 执行率 and adjustment (RULES §2), and the 年度资金总额 row."""
    results = []
    total_row = None
    for row in form.budget:
        adjusted = row.effective_adjusted
        adjustment = row.adjustment
        if adjustment is None and adjusted is not None and row.initial is not None:
            adjustment = adjusted - row.initial
        results.append(BudgetResult(row.line, row.name, adjusted, execution_rate(row.executed, adjusted), adjustment))
        if row.line == LINE_TOTAL and total_row is None:
            total_row = row
    return results, total_row


def evaluate(form: Form, scheme: Scheme) -> Evaluation:
    """Return every figure of the form, with its errors, problems and warnings (RULES §2–§4)."""
    errors: list[Issue] = []
    problems: list[Issue] = []
    warnings: list[Issue] = []
    targets_table = form.kind == KIND_TARGETS
    scored = scheme.scored and not targets_table

    # §2 Budget execution
    check_budget(form, errors, warnings, problems)
    budget, total_row = budget_results(form)
    exec_rate = exec_weight = exec_score = None
    if total_row is not None:
        exec_rate = execution_rate(total_row.executed, total_row.effective_adjusted)
    if scored and scheme.execution_weight is not None and not scheme.components:
        exec_weight = scheme.execution_weight
        if total_row is None:
            if form.indicators:
                errors.append(Issue("budget", "缺少“年度资金总额”行，无法计算预算执行得分"))
        else:
            exec_score = execution_score(
                rate_value=exec_rate, executed=total_row.executed, weight=exec_weight,
                rounding=scheme.execution_rounding,
            )

    # §3 Indicators, row by row
    indicators = [
        score_indicator(i, row, scheme, not targets_table, scored, targets_table, errors, problems)
        for i, row in enumerate(form.indicators)
    ]
    weight_total, score_total = indicator_totals(form.indicators, indicators)

    # §4 Totals
    components: list[ComponentResult] = []
    total = None
    if form.components:
        components = component_results(form.components, scheme, errors, problems)
        total = q2(sum((c.score for c in components), ZERO))
    elif scored and form.indicators:
        components = level1_results(form.indicators, indicators, scheme, warnings)
        total = form_total(exec_score, score_total)
        if problem := weights_problem((exec_weight or ZERO) + weight_total, scheme):
            problems.append(problem)
    elif scored and form.entered_total is None:
        problems.append(Issue("indicators", "尚未填写绩效指标"))

    if form.entered_total is not None and not ZERO <= form.entered_total <= scheme.total_weight:
        errors.append(Issue(
            "entered_total",
            f"总分 {figures.plain(form.entered_total)} 应在 0 至 {figures.plain(scheme.total_weight)} 之间"))

    if not targets_table and form_reason_required(exec_rate, scheme) and not form.deviation_reasons.strip():
        problems.append(Issue(
            "analysis.deviation_reasons",
            f"预算执行率 {figures.percent(exec_rate)} 低于 {figures.plain(scheme.execution_threshold)}%，"
            "须填写偏差大或目标未完成原因分析",
        ))

    # §4 Grades: an entered total (石家庄) wins over the computed one.
    grade = None
    if scored:
        grade = grade_for(form.entered_total if form.entered_total is not None else total, scheme)
    return Evaluation(
        execution_rate=exec_rate,
        execution_weight=exec_weight,
        execution_score=exec_score,
        budget=budget,
        indicators=indicators,
        components=components,
        total=total,
        entered_total=form.entered_total,
        grade=grade,
        errors=errors,
        problems=problems,
        warnings=warnings,
        indicator_weight_total=weight_total,
        indicator_score_total=score_total,
    )


# ---------------------------------------------------------------------------------------------
# §5 Department-level indicators computed from base data
# ---------------------------------------------------------------------------------------------
@dataclass
class BaseData:
    """A department's 基础数据 for one year, amounts in 万元 (any may be missing)."""

    initial_budget: Decimal | None = None  # 年初预算数
    adjusted_budget: Decimal | None = None  # 调整预算数
    actual_expense: Decimal | None = None  # 实际支出数（总支出）
    basic_budget: Decimal | None = None  # 基本支出预算
    project_budget: Decimal | None = None  # 项目支出预算
    basic_expense: Decimal | None = None  # 基本支出决算
    project_expense: Decimal | None = None  # 项目支出决算
    carryover_end: Decimal | None = None  # 年末结转结余
    public_funds_budget: Decimal | None = None  # 预算公用经费
    public_funds_actual: Decimal | None = None  # 实际公用经费
    three_public_budget: Decimal | None = None  # "三公"经费预算数
    three_public_actual: Decimal | None = None  # "三公"经费实际支出
    three_public_prev_budget: Decimal | None = None  # 上年"三公"经费预算数
    three_public_prev_actual: Decimal | None = None  # 上年"三公"经费决算数
    procurement_budget: Decimal | None = None  # 政府采购预算
    procurement_actual: Decimal | None = None  # 实际政府采购金额
    staff_quota: Decimal | None = None  # 编制数
    staff_actual: Decimal | None = None  # 在职人员数


@dataclass(frozen=True)
class DerivedIndicator:
    name: str
    value: Decimal | None  # percent, 2 decimals; None when an input is missing or a divisor is 0
    formula: str
    inputs: tuple[tuple[str, Decimal | None], ...]

    @property
    def printed(self) -> str:
        return figures.percent(self.value)


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def department_indicators(base: BaseData, scheme: Scheme | None = None) -> list[DerivedIndicator]:
    """Return the department indicators of RULES §5 computed from the base data."""
    basis_final = scheme is not None and scheme.three_public_basis == "final"
    prev_three = base.three_public_prev_actual if basis_final else base.three_public_prev_budget
    this_three = base.three_public_actual if basis_final else base.three_public_budget
    basis_label = "决算" if basis_final else "预算"
    adjustment = _difference(base.adjusted_budget, base.initial_budget)

    def total(a, b):
        return None if a is None or b is None else a + b

    budget_total = total(base.basic_budget, base.project_budget) if base.initial_budget is None else base.initial_budget
    rows = [
        ("预算执行率", rate(base.actual_expense, base.adjusted_budget), "实际支出数 ÷ 调整预算数",
         (("实际支出数", base.actual_expense), ("调整预算数", base.adjusted_budget))),
        ("预算调整率", rate(adjustment, base.initial_budget), "(调整预算数 − 年初预算数) ÷ 年初预算数",
         (("调整预算数", base.adjusted_budget), ("年初预算数", base.initial_budget))),
        ("结转结余率", rate(base.carryover_end, base.adjusted_budget), "年末结转结余 ÷ 调整预算数",
         (("年末结转结余", base.carryover_end), ("调整预算数", base.adjusted_budget))),
        ("公用经费控制率", rate(base.public_funds_actual, base.public_funds_budget), "实际公用经费 ÷ 预算公用经费",
         (("实际公用经费", base.public_funds_actual), ("预算公用经费", base.public_funds_budget))),
        ("“三公经费”控制率", rate(base.three_public_actual, base.three_public_budget), "“三公经费”实际支出 ÷ 预算数",
         (("“三公经费”实际支出", base.three_public_actual), ("“三公经费”预算数", base.three_public_budget))),
        ("“三公经费”变动率", rate(_difference(this_three, prev_three), prev_three),
         f"(本年 − 上年) ÷ 上年（{basis_label}口径）",
         ((f"本年“三公经费”{basis_label}数", this_three), (f"上年“三公经费”{basis_label}数", prev_three))),
        ("政府采购执行率", rate(base.procurement_actual, base.procurement_budget), "实际政府采购金额 ÷ 政府采购预算",
         (("实际政府采购金额", base.procurement_actual), ("政府采购预算", base.procurement_budget))),
        ("在职人员控制率", rate(base.staff_actual, base.staff_quota), "在职人员数 ÷ 编制数",
         (("在职人员数", base.staff_actual), ("编制数", base.staff_quota))),
        ("项目支出占比（决算）", rate(base.project_expense, base.actual_expense), "项目支出 ÷ 总支出",
         (("项目支出", base.project_expense), ("总支出", base.actual_expense))),
        ("基本支出占比（决算）", rate(base.basic_expense, base.actual_expense), "基本支出 ÷ 总支出",
         (("基本支出", base.basic_expense), ("总支出", base.actual_expense))),
        ("项目支出占比（预算）", rate(base.project_budget, budget_total), "项目支出预算 ÷ 预算总额",
         (("项目支出预算", base.project_budget), ("预算总额", budget_total))),
        ("基本支出占比（预算）", rate(base.basic_budget, budget_total), "基本支出预算 ÷ 预算总额",
         (("基本支出预算", base.basic_budget), ("预算总额", budget_total))),
    ]
    return [DerivedIndicator(name, value, formula, inputs) for name, value, formula, inputs in rows]
