"""The RULES.md sections as rules.py names them, each on its own (evaluate is tested in tests/rules)."""
from decimal import Decimal as D

from assessments.domain import rules
from assessments.domain.schemes import shipped


def test_read_values_reads_a_pair_and_says_what_is_wrong_at_which_column():
    reading = rules.read_values("=300人", "295人")  # 苏州 (RULES §3.3)
    assert reading.target.value == 300 and reading.actual.unit == "人"
    assert reading.deviation == "-1.67%" and reading.deviation_value == D("-1.67")
    assert rules.read_values("≥50人", "60元").actual_error == "实际完成值单位“元”与指标值单位“人”不一致"
    assert rules.read_values("≥50人", "很多").actual_error == "实际完成值“很多”应为数值，与指标值“≥50人”对应"
    assert rules.read_values("", "1").target_error == "指标值不能为空"
    assert rules.read_values("≥1.123456789", "2").target_error == "指标值“≥1.123456789”数值最多保留 8 位小数"
    missing = rules.read_values("健全", " ")
    assert missing.actual_missing and missing.deviation == "" and not missing.differs
    assert rules.read_values("健全", "基本健全").differs and rules.read_values("健全", "基本健全").deviation == "—"


def test_qualitative_score_takes_the_default_band_when_the_actual_reads_as_targeted():
    w = D(30)
    assert rules.qualitative_score(w, "", None, True) == (D("30.00"), rules.BAND_ACHIEVED, D(100))
    assert rules.qualitative_score(w, rules.BAND_ACHIEVED, None, False)[0] == D("30.00")
    assert rules.qualitative_score(w, "", D(60), False) == (D("18.00"), rules.BAND_PARTIAL, D(60))
    assert rules.qualitative_score(w, "", None, False) == (None, "", None)  # the filler must choose


def test_manual_score_lies_between_zero_and_the_weight():
    assert rules.manual_score(D("7.456"), D(10)) == D("7.46")
    assert rules.manual_score(D(11), D(10)) is None and rules.manual_score(D(-1), D(10)) is None


def test_a_reason_is_required_below_the_weight_past_the_threshold_or_for_another_qualitative_actual():
    scheme = shipped()["national-2020"]
    on_target = rules.read_values("=100%", "100%")
    assert not rules.reason_required(on_target, D(10), D(10), scheme)
    assert rules.reason_required(on_target, D("9.99"), D(10), scheme)
    assert rules.reason_required(rules.read_values("=85%", "100%"), D(10), D(10), scheme)  # 17.65% ≥ 10%
    assert not rules.reason_required(rules.read_values("=95%", "100%"), D(10), D(10), scheme)  # 5.26%
    assert rules.reason_required(rules.read_values("健全", "基本健全"), None, None, scheme)


def test_the_totals_add_the_execution_score_to_the_indicator_scores():
    rows = [rules.IndicatorRow("产出指标", "数量指标", "a", "≥10人", "5人", D(50)),
            rules.IndicatorRow("效益指标", "社会效益指标", "b", "满意", "满意", D(30)),
            rules.IndicatorRow("满意度指标", "服务对象满意度指标", "c", "≥90%", "95%", D(10))]
    form = rules.Form(kind=rules.KIND_PROJECT, indicators=rows,
                      budget=[rules.BudgetRow("total", initial=D(100), adjusted=D(100), executed=D("99.75"))])
    scheme = shipped()["hebei-shijiazhuang"]
    ev = rules.evaluate(form, scheme)
    assert rules.indicator_totals(rows, ev.indicators) == (D(90), D("65.00"))
    assert ev.execution_score == D("9.97")  # 99.75% deducts 0.03 (RULES §2, 石家庄)
    assert ev.total == rules.form_total(ev.execution_score, D("65.00")) == D("74.97")
    assert ev.grade == "一般"  # 石家庄: 良好 from 75, not 80
    blocks = {b.name: (b.rate, b.grade) for b in ev.components}
    assert blocks["产出指标"] == (D("50.0"), "较差") and blocks["满意度指标"] == (D("100.0"), "优秀")


def test_the_desk_light_follows_the_schemes_threshold_not_a_fixed_one():
    assert rules.execution_light(None, D(90)) == rules.LIGHT_NONE
    assert rules.execution_light(D("89.99"), D(90)) == rules.LIGHT_LOW
    assert rules.execution_light(D("89.99"), D(85)) == rules.LIGHT_SHORT
    assert rules.execution_light(D("100.00"), D(90)) == rules.LIGHT_OK


def test_grade_bands_are_read_from_the_schemes_scale():
    assert rules.grade_bands(shipped()["hebei-shijiazhuang"].grade_scale) == [
        ("优秀", "≥ 85"), ("良好", "75–85"), ("一般", "60–75"), ("较差", "< 60")]
    assert rules.grade_bands(shipped()["national-2020"].grade_scale)[1] == ("良", "80–90")
