"""What the filer reads while entering: people's words, one message per problem, fields that fit the rule."""
import datetime
import re

import pytest
from django.urls import reverse

from assessments.core import formsteps
from assessments.models import Assessment
from tests.helpers import signed_in
from tests.entry.test_excel_import import upload, workbook
from tests.entry.test_wizard import budget_post, new_project, step_url

pytestmark = pytest.mark.django_db

# An internal path (indicators[4].band, analysis.deviation_reasons …) or a stored band code.
INTERNAL = re.compile(r"\b(indicators|budget|report|key_tasks|component_scores|components)\[\d+\]"
                      r"|\b(analysis|goals|filled_by|project)\.[a-z_]+|\b(not_achieved|partial)\b")


def visible_text(html):
    """Return what a reader sees: the page without tags, attributes, scripts and templates."""
    html = re.sub(r"<(script|template)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def live(client, assessment, step, data):
    response = client.post(reverse("assessment_live", args=[assessment.pk, step]), data)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("username, password, where", [
    ("xinzhou", "demo-xinzhou-2024", {"project__name": "困难职工帮扶"}),
    ("suzhou", "demo-suzhou-2024", {"department__name": "苏州市总工会"}),
    ("wuxi", "demo-wuxi-2024", {"kind": "department_targets"}),
])
def test_no_page_of_the_wizard_shows_an_internal_path_or_code(demo, username, password, where):
    client = signed_in(username, password)
    assessment = Assessment.objects.get(**where)
    # A band stored on a row and a problem on the 偏差分析: both must be named as printed.
    assessment.indicators.filter(order=0).update(band="partial")
    for step in formsteps.steps_for(assessment):
        text = visible_text(client.get(step_url(assessment, step.key)).content.decode())
        assert not INTERNAL.search(text), (step.key, INTERNAL.search(text).group(0))


def test_the_preview_names_each_problem_by_step_row_and_column_and_links_to_the_cell(filler):
    assessment = new_project(filler, name="职工书屋建设")
    filler.post(step_url(assessment, "budget"), budget_post([("total", "100", "100", "50")]))
    filler.post(step_url(assessment, "indicators"), {
        "level1": ["产出指标"], "level2": ["数量指标"], "name": ["书屋数量"], "target": ["≥10个"],
        "actual": ["8个"], "weight": ["90"], "band": [""], "share": [""], "score": [""], "source": [""],
        "reason": [""], "action": "next"})
    page = filler.get(step_url(assessment, "preview")).content.decode()
    indicators = step_url(assessment, "indicators")
    assert f'<a href="{indicators}#indicators-1-reason">绩效指标第 1 行“偏差原因分析及改进措施”</a>' in page
    assert f'<a href="{step_url(assessment, "analysis")}#field-deviation_reasons">偏差分析“偏差大或目标未完成原因分析”</a>' in page
    assert 'id="indicators-1-reason"' in filler.get(indicators).content.decode()  # the link's target exists


@pytest.mark.parametrize("typed", ["31.2万", "三十"])
def test_an_amount_that_is_not_a_number_gives_one_message_only(filler, typed):
    assessment = new_project(filler, name="职工书屋建设")
    data = {**budget_post([("total", "100", "100", typed)]), "action": "stay"}
    rows = live(filler, assessment, "budget", data)["rows"]
    assert rows[0]["issues"] == {"executed": [f"全年执行数“{typed}”不是数字"]}
    filler.post(step_url(assessment, "budget"), data)
    page = filler.get(step_url(assessment, "budget")).content.decode()
    assert f"全年执行数“{typed}”不是数字" in page and "全年执行数未填写" not in page
    # The message is tied to its cell for a screen reader.
    assert 'aria-describedby="err-budget-1-executed"' in page and 'id="err-budget-1-executed"' in page


def test_a_share_outside_its_band_says_which_band_it_belongs_to(filler):
    assessment = new_project(filler, name="职工书屋建设")
    data = {"level1": ["效益指标"], "level2": ["社会效益指标"], "name": ["职工满意程度"], "target": ["满意"],
            "actual": ["基本满意"], "weight": ["10"], "band": ["partial"], "share": ["80"], "score": [""],
            "source": [""], "reason": ["部分职工未参加"]}
    issues = live(filler, assessment, "indicators", data)["rows"][0]["issues"]
    assert issues["share"] == ["得分比例 80% 不在“部分达成并具有一定效果”档（50%–80%，不含 80%）内；80% 属于“达成年度指标”档"]


def test_须填写原因_disappears_once_the_reason_is_filled(filler):
    assessment = new_project(filler, name="职工书屋建设")
    data = {"level1": ["产出指标"], "level2": ["数量指标"], "name": ["书屋数量"], "target": ["≥10个"],
            "actual": ["5个"], "weight": ["20"], "band": [""], "share": [""], "score": [""], "source": [""],
            "reason": [""]}
    row = live(filler, assessment, "indicators", data)["rows"][0]
    assert row["reason_missing"] and row["issues"]["reason"]
    row = live(filler, assessment, "indicators", {**data, "reason": ["场地未落实"]})["rows"][0]
    assert row["reason_required"] and not row["reason_missing"] and "reason" not in row["issues"]


@pytest.mark.parametrize("typed", ["2025/3/15", "2025-3-15", "2025年3月15日", "2025-03-15", " 2025 年 3 月 15 日 "])
def test_common_chinese_date_forms_are_accepted(filler, typed):
    assessment = new_project(filler, name="职工书屋建设")
    filler.post(step_url(assessment, "basic"), {"implementing_unit": "新洲区总工会", "fill_date": typed, "action": "stay"})
    assessment.refresh_from_db()
    assert assessment.fill_date == datetime.date(2025, 3, 15)
    page = filler.get(step_url(assessment, "basic")).content.decode()
    assert 'type="date"' in page  # the calendar beside the field


def test_an_impossible_date_is_refused_at_its_field(filler):
    assessment = new_project(filler, name="职工书屋建设")
    filler.post(step_url(assessment, "basic"), {"fill_date": "2025/2/30", "action": "stay"})
    page = filler.get(step_url(assessment, "basic")).content.decode()
    assert "填报日期“2025/2/30”不是日期，可写作 2025-03-15、2025/3/15 或 2025年3月15日" in page


def test_a_new_form_defaults_to_the_current_year_and_a_reviewer_is_not_offered_one(filler):
    page = filler.get(reverse("assessment_new")).content.decode()
    assert f'name="year" value="{datetime.date.today().year}"' in page
    assert "新建自评表" in filler.get(reverse("home")).content.decode()
    reviewer = signed_in("czj_reviewer")
    assert "新建自评表" not in reviewer.get(reverse("home")).content.decode()
    assert "您没有可以填报的部门" in reviewer.get(reverse("assessment_new")).content.decode()


def test_the_project_library_offers_only_project_indicators(filler):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    page = filler.get(step_url(assessment, "indicators")).content.decode()
    assert "全国通用分类" in page and "部门整体常用指标" not in page


def headers(page):
    return re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", page.split('id="rows"')[1].split("</thead>")[0])


def test_fields_the_scheme_does_not_score_are_not_shown(demo):
    # The unscored 江苏 department form: no 分值, 定性档次, 得分比例, 评价人打分, 得分 and no score cards.
    client = signed_in("suzhou")
    assessment = Assessment.objects.get(department__name="苏州市总工会", kind="department_self_assessment")
    page = client.get(step_url(assessment, "indicators")).content.decode()
    shown = " ".join(headers(page))
    for label in ("分值", "定性档次", "得分比例", "评价人打分", "得分"):
        assert label not in shown, label
    assert "偏差" in shown and 'data-figure="total"' not in page and 'data-figure="execution_rate"' in page
    # The 目标表: no 执行率/得分/等级 cards, no 得分/偏差 columns.
    client = signed_in("wuxi")
    assessment = Assessment.objects.get(kind="department_targets")
    page = client.get(step_url(assessment, "indicators")).content.decode()
    shown = " ".join(headers(page))
    assert "得分" not in shown and "偏差" not in shown
    for figure in ("execution_rate", "execution_score", "total", "grade"):
        assert f'data-figure="{figure}"' not in page


def test_a_scored_project_form_shows_qualitative_cells_only_on_qualitative_rows_and_a_total_row(filler):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    page = filler.get(step_url(assessment, "indicators")).content.decode()
    quantitative = page.split('id="indicators-1"')[1].split("</tr>")[0]
    qualitative = page.split('id="indicators-3"')[1].split("</tr>")[0]  # 被帮扶对象满意度: 满意
    assert 'data-col="band" class="na"' in quantitative and 'data-col="band" class=""' in qualitative
    assert 'aria-label="第 3 行 定性档次"' in qualitative
    assert "指标合计" in page and 'data-total="score"' in page
    budget = filler.get(step_url(assessment, "budget")).content.decode()
    assert "年初预算数<span class=\"unit\">（万元）</span>" in budget


def test_the_excel_import_preview_shows_the_band_label_not_its_code(filler):
    assessment = new_project(filler, name="职工书屋建设")
    content = workbook([("效益指标", "社会效益指标", "职工满意程度", "满意", "基本满意", "10", "部分达成并具有一定效果", "70")],
                       header=["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "定性档次", "得分比例"])
    text = visible_text(upload(filler, assessment, content).content.decode())
    assert "部分达成并具有一定效果" in text and not INTERNAL.search(text)


def test_a_blank_全年预算数_shows_the_sum_the_rate_is_computed_from(filler):
    assessment = Assessment.objects.get(department__name="武汉市新洲区总工会", kind="department_self_assessment")
    data = {"line": ["total"], "name": [""], "initial": ["100"], "adjustment": ["20"], "adjusted": [""],
            "executed": ["90"], "action": "stay"}
    row = live(filler, assessment, "budget", data)["rows"][0]
    assert (row["adjusted"], row["rate"]) == ("120", "75.00%")
    filler.post(step_url(assessment, "budget"), data)
    page = filler.get(step_url(assessment, "budget")).content.decode()
    assert 'name="adjusted" value="" size="1" placeholder="120"' in page
    assert "追加追减数<span class=\"unit\">（万元）</span>" in page


def test_a_component_score_above_its_weight_is_shown_at_its_cell(filler):
    assessment = Assessment.objects.get(department__name="武汉市新洲区总工会", kind="department_self_assessment")
    data = {"name": ["决策"], "weight": ["20"], "score": ["25"]}
    row = live(filler, assessment, "components", data)["rows"][0]
    assert row["issues"] == {"score": ["得分 25 应在 0 至权重 20 之间"]}


def test_base_data_amounts_are_labelled_in_万元_and_head_counts_are_not(filler):
    assessment = Assessment.objects.get(department__name="武汉市新洲区总工会", kind="department_self_assessment")
    page = filler.get(reverse("base_data_edit", args=[assessment.department_id, assessment.fiscal_year.year])).content.decode()
    labels = re.findall(r"<label for=\"[^\"]*\">([^<]*)</label>", page)  # crispy draws label and input apart
    assert labels and all(("（万元）" in label) != ("人" in label or "编制" in label) for label in labels), labels


def test_the_report_offers_the_outline_and_stores_only_the_sections_written(filler):
    assessment = Assessment.objects.get(department__name="武汉市新洲区总工会", kind="department_self_assessment")
    assessment.report_sections.all().delete()
    outline = formsteps.report_outline(assessment.rules_scheme())
    page = filler.get(step_url(assessment, "report")).content.decode()
    for title in outline:
        assert f'value="{title}"' in page
    texts = ["全年完成\u200b慰问。\r\n\r\n第二段。"] + [""] * (len(outline) - 1)
    filler.post(step_url(assessment, "report"), {"title": list(outline), "text": texts, "action": "stay"})
    assert {s.title: s.text for s in assessment.report_sections.all()} == {outline[0]: "全年完成慰问。\n\n第二段。"}
    page = filler.get(step_url(assessment, "report")).content.decode()
    assert all(f'value="{title}"' in page for title in outline)  # the rest still offered
