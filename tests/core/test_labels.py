"""People's words: every internal path is named by the step, row and column as the form prints them."""
import pytest

from assessments.core import labels
from assessments.domain import rules

P, D, T = rules.KIND_PROJECT, rules.KIND_DEPARTMENT, rules.KIND_TARGETS


@pytest.mark.parametrize("kind, path, words", [
    (P, "indicators[4].band", "绩效指标第 5 行“定性档次”"),
    (P, "analysis.deviation_reasons", "偏差分析“偏差大或目标未完成原因分析”"),
    (P, "budget[2].executed", "项目资金第 3 行“全年执行数”"),
    (D, "budget[0].adjustment", "预算信息第 1 行“追加追减数”"),
    (D, "report[1].text", "自评报告第 2 节“内容”"),
    (D, "report.一、部门概况", "自评报告“一、部门概况”"),
    (D, "component_scores[0].score", "评价维度得分第 1 行“得分”"),
    (D, "key_tasks[2].task", "年度重点任务第 3 行“任务名称”"),
    (P, "goal_expected", "年度总体目标“预期目标”"),
    (P, "goals.expected", "年度总体目标“预期目标”"),
    (P, "implementing_unit", "基本信息“实施单位”"),
    (P, "project.implementing_unit", "基本信息“实施单位”"),
    (P, "filled_by.date", "基本信息“填报日期”"),
    (P, "step:budget", "项目资金"),
    (P, "indicators", "绩效指标"),
    (P, "indicators[0]", "绩效指标第 1 行"),
    (P, "", "整张表"),
    (T, "indicators[1].half_year_target", "绩效指标第 2 行“半年指标值”"),
    (D, "indicators[0].reason", "部门整体自评表第 1 行“偏差原因分析及改进措施”"),
])
def test_a_path_is_described_in_the_words_printed_on_the_form(kind, path, words):
    assert labels.describe(path, kind=kind) == words


@pytest.mark.parametrize("kind, path, key", [
    (P, "indicators[4].band", "indicators"), (P, "analysis.deviation_reasons", "analysis"),
    (P, "budget[2].executed", "budget"), (D, "component_scores[0].score", "components"),
    (P, "goals.achieved", "goals"), (P, "fill_date", "basic"), (P, "step:budget", "budget"), (P, "", None),
])
def test_a_path_leads_to_the_step_where_it_is_entered(kind, path, key):
    assert labels.step_key(path, kind=kind) == key


def test_stored_codes_are_shown_as_their_labels():
    assert labels.display_value("indicators[4].band", "partial") == "部分达成并具有一定效果"
    assert labels.display_value("budget[0].line", "total") == "年度资金总额"
    assert labels.display_value("indicators[4].actual", "partial") == "partial"
