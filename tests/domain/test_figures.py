"""How a figure prints (domain/figures.py), checked against what the published tables print."""
import json
from decimal import Decimal as D

import pytest

from assessments.domain import figures, interchange, rules
from assessments.domain.schemes import shipped
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("fn, text", [
    (figures.percent, "—"), (figures.short_percent, "—"), (figures.score, "—"), (figures.percent_number, "—"),
    (figures.amount, ""), (figures.whole, ""), (figures.plain, None), (figures.two, None),
])
def test_a_missing_figure_prints_a_dash_or_nothing_never_none(fn, text):
    assert fn(None) == text


def test_zero_prints_as_zero_with_the_figures_decimals():
    assert figures.percent(D(0)) == "0.00%"  # 苏州 偏差 "0.00%" for =100% → 100%
    assert figures.score(D(0)) == "0.00" and figures.amount(D("0.000")) == "0.00"
    assert figures.whole(D("0.00")) == "0" and figures.short_percent(D("0.0")) == "0%"


def test_negative_figures_keep_their_sign_and_a_rounded_zero_has_none():
    assert figures.percent(D("-4.82")) == "-4.82%"  # 苏州: =100% → 95.18%
    assert figures.percent(rules.q2((D(295) - D(300)) / D(300) * 100)) == "-1.67%"  # =300人 → 295人
    assert figures.score(D("-0.004")) == "0.00" and figures.percent(D("-0.001")) == "0.00%"
    assert figures.whole(D("-0")) == "0"


def test_long_decimals_round_half_up_to_two_places():
    assert figures.percent(D("1415.05") / D("1486.64") * 100) == "95.18%"  # 苏州 执行率
    assert figures.percent(D("64.68") / D("72.26") * 100) == "89.51%"
    assert figures.score(D("99.975")) == "99.98"  # half-up, not half-even
    assert figures.amount(D("0.005")) == "0.01" and figures.amount(D("1363.41") + D("123.23")) == "1486.64"
    assert figures.two(D("12345678901234567890.125")) == "12345678901234567890.13"  # never 1.2E+19


def test_weights_and_entered_amounts_print_their_own_decimals():
    assert figures.whole(D("10.00")) == "10" and figures.whole(D("22.50")) == "22.5"
    assert figures.whole(D("897.334")) == "897.334" and figures.whole(D("501.400000")) == "501.4"


@pytest.mark.parametrize("score, weight, printed", [
    # 新洲 评分结果 (RULES §4): 得分率 cut to 1 decimal, printed as published — "95%", never "95.0%".
    ("16", "18", "88.8%"), ("22.5", "28", "80.3%"), ("32.5", "34", "95.5%"), ("19", "20", "95%"), ("90", "100", "90%"),
])
def test_the_score_rate_prints_truncated_without_a_trailing_zero(score, weight, printed):
    assert figures.short_percent(rules.truncate1(D(score) / D(weight) * 100)) == printed


def test_the_worked_examples_print_the_published_figures():
    schemes = shipped()
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        document, errors = interchange.parse_document(json.loads(path.read_text(encoding="utf-8")), schemes=schemes)
        assert not errors, (path.name, errors)
        evaluation = rules.evaluate(document.form(), schemes[document.scheme])
        if "total" in expected:
            assert figures.two(evaluation.total) == expected["total"], path.name
        if expected.get("execution"):
            assert figures.percent(evaluation.execution_rate) == f"{expected['execution']['rate']}%", path.name
        for result, want in zip(evaluation.indicators, expected.get("indicators", [])):
            if "deviation" in want:
                assert result.deviation == want["deviation"], path.name
        for component, want in zip(evaluation.components, expected.get("components", [])):
            if "rate" in want:  # the interchange writes 95.0; the table prints 95%
                assert figures.short_percent(component.rate) == figures.whole(D(want["rate"])) + "%"
