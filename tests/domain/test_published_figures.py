"""Every published figure of RULES §6, reproduced by the pure module (no database)."""
from decimal import Decimal as D

import pytest

from assessments.domain import rules
from assessments.domain.schemes import shipped

SCHEMES = shipped()

# 苏州 七、预算信息: (row, 年初预算数, 调整数, 调整预算数, 实际支出数, 执行率)
SUZHOU_BUDGET = [
    ("预算总金额", "1363.41", "123.23", "1486.64", "1415.05", "95.18"),
    ("基本支出", "383.53", "117.87", "501.4", "481.58", "96.05"),
    ("项目支出", "979.88", "5.36", "985.24", "933.47", "94.75"),
    ("劳模健康关爱工程", "28.8", "0", "28.8", "23.91", "83.02"),
    ("困难职工帮扶资金", "50.71", "0", "50.71", "50.71", "100.00"),
    ("工会社工经费", "315.61", "0", "315.61", "315.61", "100.00"),
    ("专项奖励表彰费", "110", "0", "110", "108.5", "98.64"),
    ("劳模“三金”专项经费", "395", "0", "395", "357.23", "90.44"),
    ("企业退休劳模荣誉津贴", "72.26", "0", "72.26", "64.68", "89.51"),
    ("退休人员体检费", "7.5", "0", "7.5", "7.46", "99.47"),
]


@pytest.mark.parametrize("row,initial,adjustment,adjusted,executed,rate", SUZHOU_BUDGET, ids=[r[0] for r in SUZHOU_BUDGET])
def test_suzhou_adjusted_budget_and_execution_rate(row, initial, adjustment, adjusted, executed, rate):
    assert rules.adjusted_budget(D(initial), D(adjustment)) == D(adjusted)
    assert rules.execution_rate(D(executed), D(adjusted)) == D(rate)


# 苏州 九、部门整体自评表: (目标值, 完成值, 偏差情况) — the eight cells of RULES §3.3
SUZHOU_DEVIATIONS = [
    ("=85%", "100%", "17.65%"),
    ("=0%", "9.04%", "100%"),
    ("=300 人", "295 人", "-1.67%"),
    ("=95%", "100%", "5.26%"),
    ("=100%", "95.18%", "-4.82%"),
    ("=100%", "100%", "0.00%"),
    ("=20人", "20人", "0.00%"),
    ("健全", "健全", "0%"),
]


@pytest.mark.parametrize("target,actual,printed", SUZHOU_DEVIATIONS)
def test_suzhou_deviation_cells(target, actual, printed):
    assert rules.deviation(rules.parse_target(target), rules.parse_target(actual)) == printed


def test_suzhou_budget_adjustment_rate_from_base_data():
    base = rules.BaseData(initial_budget=D("1363.41"), adjusted_budget=D("1486.64"))
    values = {d.name: d.value for d in rules.department_indicators(base)}
    assert values["预算调整率"] == D("9.04")


# 石家庄: execution scores on 10 points, from the printed rate; the deduction is rounded.
@pytest.mark.parametrize("executed,adjusted,rate,deduction,score", [
    ("8.6976", "10.42", "83.47", "1.65", "8.35"),
    ("19.95", "20", "99.75", "0.03", "9.97"),
    ("126.22", "154.72", "81.58", "1.84", "8.16"),
    ("199.44", "199.44", "100.00", "0", "10.00"),
])
def test_shijiazhuang_execution_scores(executed, adjusted, rate, deduction, score):
    printed_rate = rules.execution_rate(D(executed), D(adjusted))
    assert printed_rate == D(rate)
    result = rules.execution_score(rate_value=printed_rate, executed=D(executed), weight=D(10))
    assert result == D(score)
    assert D(10) - result == D(deduction)


def test_rounding_the_score_instead_of_the_deduction_would_miss_shijiazhuang_99_97():
    rate = D("99.75")
    rounded_deduction = rules.execution_score(rate_value=rate, executed=D(1), weight=D(10))
    rounded_score = rules.execution_score(rate_value=rate, executed=D(1), weight=D(10), rounding="score")
    assert D(90) + rounded_deduction == D("99.97")  # published
    assert D(90) + rounded_score == D("99.98")  # what RULES §2 warns against


def shijiazhuang_form(executed, adjusted):
    return rules.Form(
        kind=rules.KIND_PROJECT,
        budget=[rules.BudgetRow(line="total", initial=D(adjusted), adjusted=D(adjusted), executed=D(executed))],
        indicators=[
            rules.IndicatorRow("产出指标", "数量指标", "完成任务数量", "100%", "100%", D(50)),
            rules.IndicatorRow("效益指标", "社会效益指标", "服务对象生活质量提高", "提高", "提高", D(30)),
            rules.IndicatorRow("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%", "95%", D(10)),
        ],
        deviation_reasons="预算执行率未达100%",
    )


@pytest.mark.parametrize("executed,adjusted,total", [
    ("8.6976", "10.42", "98.35"), ("19.95", "20", "99.97"), ("199.44", "199.44", "100.00"),
    ("30", "30", "100.00"), ("127.75", "127.75", "100.00"), ("126.22", "154.72", "98.16"),
])
def test_shijiazhuang_project_totals_and_grade(executed, adjusted, total):
    evaluation = rules.evaluate(shijiazhuang_form(executed, adjusted), SCHEMES["hebei-shijiazhuang"])
    assert evaluation.total == D(total)
    assert evaluation.grade == "优秀"
    assert evaluation.problems == []


def test_shijiazhuang_grade_scale():
    scheme = SCHEMES["hebei-shijiazhuang"]
    assert [rules.grade_for(D(v), scheme) for v in ("99.50", "85", "84.99", "75", "60", "59.99")] == [
        "优秀", "优秀", "良好", "良好", "一般", "较差"]


def xinzhou_form(budget, rows):
    return rules.Form(
        kind=rules.KIND_PROJECT,
        budget=[rules.BudgetRow(line="total", initial=D(budget), adjusted=D(budget), executed=D(budget))],
        indicators=[rules.IndicatorRow(*row[:6], band=row[6] if len(row) > 6 else "") for row in rows],
    )


@pytest.mark.parametrize("name,form", [
    ("困难职工帮扶", xinzhou_form("10", [
        ("产出指标", "数量指标", "每年困难职工帮扶人数", "≥50人", "≥50人", D(20)),
        ("产出指标", "质量指标", "被发放对象符合要求", "100%", "100%", D(20)),
        ("效益指标", "服务对象满意度指标", "被帮扶对象满意度", "满意", "满意", D(40), "achieved"),
    ])),
    ("劳模经费", xinzhou_form("10", [
        ("产出指标", "数量指标", "劳模慰问人数", "100人", "100人", D(40)),
        ("效益指标", "服务对象满意度指标", "党员服务对象满意度", "满意", "满意", D(40)),
    ])),
    ("劳模慰问", xinzhou_form("3", [
        ("产出指标", "数量指标", "劳模慰问人数", "100人", "100人", D(40)),
        ("效益指标", "服务对象满意度指标", "党员服务对象满意度", "满意", "满意", D(40)),
    ])),
])
def test_xinzhou_project_tables_total_100_on_the_hubei_scheme(name, form):
    evaluation = rules.evaluate(form, SCHEMES["hubei-project"])
    assert evaluation.execution_score == D(20)
    assert evaluation.total == D("100.00")
    assert evaluation.grade == "优"
    assert evaluation.problems == [] and evaluation.errors == []


def test_xinzhou_component_rates_are_truncated_and_graded():
    form = rules.Form(kind=rules.KIND_DEPARTMENT, components=[
        rules.ComponentRow("投入", D(18), D(16)), rules.ComponentRow("过程", D(28), D("22.5")),
        rules.ComponentRow("产出", D(34), D("32.5")), rules.ComponentRow("效果", D(20), D(19)),
    ])
    evaluation = rules.evaluate(form, SCHEMES["wuhan-department"])
    assert [(c.rate, c.grade) for c in evaluation.components] == [
        (D("88.8"), "良"), (D("80.3"), "良"), (D("95.5"), "优"), (D("95.0"), "优")]
    assert (evaluation.total, evaluation.grade) == (D("90.00"), "优")
    assert rules.truncate1(D(90) / D(100) * 100) == D("90.0")


def test_xinzhou_and_jiangmen_expenditure_shares():
    xinzhou = rules.BaseData(actual_expense=D("673.16"), basic_expense=D("650.16"), project_expense=D("23.00"))
    values = {d.name: d.value for d in rules.department_indicators(xinzhou)}
    assert D("650.16") + D("23.00") == D("673.16")
    assert (values["基本支出占比（决算）"], values["项目支出占比（决算）"]) == (D("96.58"), D("3.42"))
    jiangmen = rules.BaseData(initial_budget=D("1593.35"), basic_budget=D("1171.06"), project_budget=D("422.29"))
    values = {d.name: d.value for d in rules.department_indicators(jiangmen)}
    assert (values["基本支出占比（预算）"], values["项目支出占比（预算）"]) == (D("73.50"), D("26.50"))


def test_suzhou_final_account_shares():
    suzhou = rules.BaseData(actual_expense=D("1415.05"), basic_expense=D("481.58"), project_expense=D("933.47"))
    values = {d.name: d.value for d in rules.department_indicators(suzhou)}
    assert (values["项目支出占比（决算）"], values["基本支出占比（决算）"]) == (D("65.97"), D("34.03"))


def test_suzhou_adjustment_column_and_the_hubei_indicator_block_weight():
    form = rules.Form(kind=rules.KIND_DEPARTMENT, budget=[
        rules.BudgetRow("total", initial=D("1363.41"), adjusted=D("1486.64"), executed=D("1415.05"))])
    assert rules.evaluate(form, SCHEMES["jiangsu-department"]).budget[0].adjustment == D("123.23")
    assert rules.indicator_block_weight(SCHEMES["hubei-project"]) == D(80)  # 新洲 年度绩效目标（80分）
