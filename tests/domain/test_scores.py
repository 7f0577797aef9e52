"""RULES §3.2–§4: each scoring branch, bands, reasons, totals and the checks that block."""
from decimal import Decimal as D

import pytest

from assessments.domain import rules
from assessments.domain.schemes import shipped

SCHEMES = shipped()
W = D(20)


@pytest.mark.parametrize("comparator,a,b,score", [
    (rules.GE, "50", "40", "16.00"), (rules.GE, "50", "60", "20.00"), (rules.GE, "0", "3", "20.00"),
    (rules.GE, "3", "2", "13.33"), (rules.GE, "3", "0", "0.00"),
    (rules.LE, "4500", "4000", "20.00"), (rules.LE, "4500", "5000", "18.00"), (rules.LE, "4500", "0", "20.00"),
    (rules.LE, "0", "0", "20.00"), (rules.LE, "0", "1", "0.00"), (rules.LE, "100", "300", "6.67"),
    (rules.EQ, "100", "95.18", "19.04"), (rules.EQ, "100", "120", "20.00"), (rules.EQ, "0", "0", "20.00"),
    (rules.EQ, "0", "9.04", "0.00"),
])
def test_quantitative_scores(comparator, a, b, score):
    assert rules.quantitative_score(comparator, D(a), D(b), W) == D(score)


def test_half_up_rounding_is_decimal_not_binary():
    # 10 × 99.975/100 = 9.9975 exactly → 10.00 half-up on 2 decimals would need 9.9975 → 10.00
    assert rules.q2(D("99.975")) == D("99.98")
    assert rules.q2(D("1.005")) == D("1.01")  # float(1.005) would round to 1.00
    with pytest.raises(rules.NumberError):
        rules.parse_decimal(99.975)


def form_with(*rows, execution=("10", "10", "10"), kind=rules.KIND_PROJECT, reasons=""):
    initial, adjusted, executed = execution
    return rules.Form(
        kind=kind,
        budget=[rules.BudgetRow("total", initial=D(initial), adjusted=D(adjusted), executed=D(executed))],
        indicators=list(rows), deviation_reasons=reasons,
    )


def row(target, actual, weight="80", **kw):
    return rules.IndicatorRow("产出指标", "数量指标", "指标", target, actual, D(weight), **kw)


@pytest.mark.parametrize("band,share,ok", [
    ("achieved", "80", True), ("achieved", "100", True), ("achieved", "79.99", False),
    ("partial", "50", True), ("partial", "79.99", True), ("partial", "80", False),
    ("not_achieved", "0", True), ("not_achieved", "49.99", True), ("not_achieved", "50", False),
])
def test_qualitative_band_edges(band, share, ok):
    evaluation = rules.evaluate(form_with(row("健全", "基本健全", band=band, share=D(share), reason="说明")),
                                SCHEMES["hubei-project"])
    errors = [e.path for e in evaluation.errors]
    if ok:
        assert errors == []
        assert evaluation.indicators[0].score == rules.q2(D(80) * D(share) / 100)
    else:
        assert errors == ["indicators[0].share"]
        assert "不在" in evaluation.errors[0].message


def test_qualitative_actual_equal_to_target_defaults_to_full_marks():
    evaluation = rules.evaluate(form_with(row("满意", "满意")), SCHEMES["hubei-project"])
    assert evaluation.indicators[0].score == D(80)
    assert evaluation.indicators[0].deviation == "0%"
    assert evaluation.total == D(100)


def test_a_differing_qualitative_actual_needs_a_band_and_a_reason():
    evaluation = rules.evaluate(form_with(row("健全", "基本健全")), SCHEMES["hubei-project"])
    paths = [p.path for p in evaluation.problems]
    assert "indicators[0].band" in paths and "indicators[0].reason" in paths
    assert evaluation.indicators[0].deviation == "—"


def test_manual_scores_must_lie_within_the_weight_and_need_a_reason_below_it():
    scheme = rules.Scheme("manual", execution_weight=D(20), manual_level1=("产出指标",))
    ok = rules.evaluate(form_with(row("健全", "健全", score=D(70))), scheme)
    assert ok.indicators[0].score == D(70) and [p.path for p in ok.problems] == ["indicators[0].reason"]
    too_high = rules.evaluate(form_with(row("健全", "健全", score=D(81))), scheme)
    assert [e.path for e in too_high.errors] == ["indicators[0].score"]
    not_allowed = rules.evaluate(form_with(row("健全", "健全", score=D(70))), SCHEMES["hubei-project"])
    assert [e.path for e in not_allowed.errors] == ["indicators[0].score"]


@pytest.mark.parametrize("target,actual,required", [
    ("=100%", "90%", True),  # deviation exactly −10.00%
    ("=100%", "90.01%", True),  # score below weight
    ("≥100%", "110%", True),  # |deviation| 10% even though the score is full
    ("≥100%", "109.99%", False),
    ("≤100%", "80%", True),  # −20% deviation, full score
])
def test_reason_rules(target, actual, required):
    evaluation = rules.evaluate(form_with(row(target, actual)), SCHEMES["hubei-project"])
    assert evaluation.indicators[0].reason_required is required
    assert ("indicators[0].reason" in [p.path for p in evaluation.problems]) is required
    with_reason = rules.evaluate(form_with(row(target, actual, reason="已说明")), SCHEMES["hubei-project"])
    assert "indicators[0].reason" not in [p.path for p in with_reason.problems]


def test_execution_below_90_percent_needs_the_form_level_reason():
    low = rules.evaluate(form_with(row("满意", "满意"), execution=("10", "10", "8.99")), SCHEMES["hubei-project"])
    assert [p.path for p in low.problems] == ["analysis.deviation_reasons"]
    assert "89.90%" in low.problems[0].message
    explained = rules.evaluate(form_with(row("满意", "满意"), execution=("10", "10", "8.99"), reasons="年底才到位"),
                               SCHEMES["hubei-project"])
    assert explained.problems == []


def test_weights_that_do_not_add_up_block_with_the_sum():
    evaluation = rules.evaluate(form_with(row("满意", "满意", weight="70")), SCHEMES["hubei-project"])
    assert [p.path for p in evaluation.problems] == ["indicators"]
    assert "90" in evaluation.problems[0].message and "100" in evaluation.problems[0].message


def test_project_budget_lines_that_do_not_add_up_are_an_error_with_three_numbers():
    form = form_with(row("满意", "满意"))
    form.budget += [rules.BudgetRow("appropriation", initial=D(6), adjusted=D(6), executed=D(6)),
                    rules.BudgetRow("carryover", initial=D(3), adjusted=D(3), executed=D(3))]
    errors = rules.evaluate(form, SCHEMES["hubei-project"]).errors
    assert {e.path for e in errors} == {"budget[0].initial", "budget[0].adjusted", "budget[0].executed"}
    assert all("10.00" in e.message and "9.00" in e.message for e in errors)


def test_department_total_must_equal_basic_plus_project_but_items_only_warn():
    form = rules.Form(kind=rules.KIND_DEPARTMENT, budget=[
        rules.BudgetRow("total", initial=D(100), adjusted=D(100), executed=D(90)),
        rules.BudgetRow("basic", initial=D(40), adjusted=D(40), executed=D(40)),
        rules.BudgetRow("project", initial=D(60), adjusted=D(60), executed=D(50)),
        rules.BudgetRow("item", name="甲", initial=D(60), adjusted=D(60), executed=D(45)),
    ])
    evaluation = rules.evaluate(form, SCHEMES["jiangsu-department"])
    assert evaluation.errors == []
    assert [w.path for w in evaluation.warnings] == ["budget[2].executed"]
    form.budget[1].executed = D(41)
    assert [e.path for e in rules.evaluate(form, SCHEMES["jiangsu-department"]).errors] == ["budget[0].executed"]


def test_zero_budget_has_no_rate_and_full_marks_only_if_nothing_was_spent():
    assert rules.execution_rate(D(0), D(0)) is None
    assert rules.execution_score(rate_value=None, executed=D(0), weight=D(10)) == D(10)
    assert rules.execution_score(rate_value=None, executed=D("0.01"), weight=D(10)) == D(0)


def test_over_100_percent_execution_scores_the_weight():
    assert rules.execution_score(rate_value=D("120.00"), executed=D(12), weight=D(10)) == D(10)


def test_negative_executed_is_an_error():
    form = form_with(row("满意", "满意"), execution=("10", "10", "-1"))
    assert "budget[0].executed" in [e.path for e in rules.evaluate(form, SCHEMES["hubei-project"]).errors]


def test_an_unscored_scheme_computes_deviations_but_no_total_or_grade():
    form = form_with(rules.IndicatorRow("过程", "", "预算执行率", "=100%", "95.18%"), kind=rules.KIND_DEPARTMENT)
    evaluation = rules.evaluate(form, SCHEMES["jiangsu-department"])
    assert (evaluation.total, evaluation.grade, evaluation.indicators[0].score) == (None, None, None)
    assert evaluation.indicators[0].deviation == "-4.82%"


def test_an_entered_department_total_is_graded_and_shown_beside_the_computed_one():
    form = rules.Form(kind=rules.KIND_DEPARTMENT, entered_total=D("99.50"),
                      budget=[rules.BudgetRow("total", initial=D("4181.30"), adjusted=D("3795.09"), executed=D("3795.09"))])
    evaluation = rules.evaluate(form, SCHEMES["hebei-shijiazhuang"])
    assert (evaluation.entered_total, evaluation.shown_total, evaluation.grade) == (D("99.50"), D("99.50"), "优秀")
