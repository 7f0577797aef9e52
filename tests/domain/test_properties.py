"""Properties that must hold for any input, not only the published tables."""
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.domain import figures, interchange, rules
from assessments.domain.schemes import shipped

amounts = st.decimals(min_value=0, max_value=D("1e6"), places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
comparators = st.sampled_from([rules.GE, rules.LE, rules.EQ])


@settings(max_examples=200)
@given(comparators, amounts, amounts, weights)
def test_a_score_never_leaves_zero_to_the_weight(comparator, a, b, w):
    assert D(0) <= rules.quantitative_score(comparator, a, b, w) <= w


@settings(max_examples=200)
@given(amounts, amounts, amounts, weights)
def test_a_greater_or_equal_score_never_falls_when_the_actual_rises(a, b1, b2, w):
    low, high = sorted([b1, b2])
    assert rules.quantitative_score(rules.GE, a, low, w) <= rules.quantitative_score(rules.GE, a, high, w)


@settings(max_examples=200)
@given(amounts, amounts, amounts, weights)
def test_a_less_or_equal_score_never_rises_when_the_actual_rises(a, b1, b2, w):
    low, high = sorted([b1, b2])
    assert rules.quantitative_score(rules.LE, a, low, w) >= rules.quantitative_score(rules.LE, a, high, w)


rates = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200)
@given(rates, rates, weights)
def test_execution_score_stays_in_range_and_never_falls_as_the_rate_rises(r1, r2, w):
    low, high = sorted([r1, r2])
    s_low = rules.execution_score(rate_value=low, executed=D(1), weight=w)
    s_high = rules.execution_score(rate_value=high, executed=D(1), weight=w)
    assert D(0) <= s_low <= s_high <= w


@settings(max_examples=200)
@given(st.decimals(min_value=D("0.01"), max_value=D("1e6"), places=2, allow_nan=False, allow_infinity=False))
def test_meeting_a_nonzero_target_exactly_prints_zero_deviation(a):
    text = figures.plain(a) + "人"
    assert rules.deviation(rules.parse_target("=" + text), rules.parse_target(text)) == "0.00%"


@settings(max_examples=200)
@given(st.decimals(min_value=D("-1e9"), max_value=D("1e9"), places=6, allow_nan=False, allow_infinity=False))
def test_decimal_text_round_trips(value):
    assert rules.parse_decimal(figures.plain(value)) == value


indicator_rows = st.builds(
    lambda name, target, actual, weight: {
        "level1": "产出指标", "level2": "数量指标", "name": name, "target": f"≥{target}人",
        "actual": f"{actual}人", "weight": str(weight)},
    st.text(alphabet="指标人数完成率甲乙丙", min_size=1, max_size=8),
    st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=80),
)


@settings(max_examples=100)
@given(st.lists(indicator_rows, min_size=1, max_size=8), amounts, amounts)
def test_document_json_round_trips(rows, adjusted, executed):
    data = {
        "format": "assessment/1", "kind": "project_self_assessment", "fiscal_year": 2024,
        "scheme": "hubei-project", "department": "测试部门", "project": {"name": "测试项目"},
        "budget": [{"line": "total", "initial": str(adjusted), "adjusted": str(adjusted), "executed": str(executed)}],
        "indicators": rows,
    }
    document, errors = interchange.parse_document(data, schemes=shipped())
    assert errors == []
    first = interchange.document_to_json(document)
    again, errors = interchange.parse_document(first, schemes=shipped())
    assert errors == [] and interchange.document_to_json(again) == first
