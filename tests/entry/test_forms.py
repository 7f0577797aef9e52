"""Input through Django forms (entry/forms.py) and the one reader of typed values (domain/typed.py).

What a user notices: the same bad value gets the same Chinese message in the wizard, in an Excel
row and in a JSON file; a page that refuses input says why at the field and keeps what was typed;
the ordinary forms are drawn by crispy with the app's own markup.
"""
import copy
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.core import selectors
from assessments.domain import interchange
from assessments.models import Assessment, Department, DepartmentBaseData
from tests.conftest import EXAMPLES
from tests.entry.test_excel_import import upload, workbook
from tests.entry.test_wizard import new_project, step_url

pytestmark = pytest.mark.django_db

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "定性档次", "得分比例"]


@pytest.fixture
def draft(filler):
    return new_project(filler, name="职工技能竞赛")


def typed_in_wizard(client, assessment, **cells):
    """Post one indicator row as the grid does; return the live answer's issues of that row."""
    row = {"level1": "产出指标", "level2": "数量指标", "name": "参赛人数", "target": "≥100人", "actual": "120人",
           "weight": "20", "band": "", "share": "", **cells}
    answer = client.post(reverse("assessment_live", args=[assessment.pk, "indicators"]), row).json()
    return {i["path"]: (i["message"], i["where"]) for i in answer["issues"] if i["path"].startswith("indicators[0]")}


def typed_in_excel(client, assessment, **cells):
    """Upload the same row in a workbook; return the preview page's messages for sheet row 2."""
    row = {"level1": "产出指标", "level2": "数量指标", "name": "参赛人数", "target": "≥100人", "actual": "120人",
           "weight": "20", "band": "", "share": "", **cells}
    page = upload(client, assessment, workbook([[row[k] for k in ("level1", "level2", "name", "target", "actual",
                                                                   "weight", "band", "share")]], header=HEADER))
    cell = page.content.decode().split('id="sheet-row-2"')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<div class="error">(.*?)</div>', cell)]


def typed_in_json(**cells):
    """Read the same row from a JSON file; return its errors of indicator 1."""
    data = json.loads((EXAMPLES / "xinzhou-laomoweiwen-2023.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["indicators"][0].update(cells)
    _document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    return {e.path: e.message for e in errors if e.path.startswith("indicators[0]")}


@pytest.mark.parametrize("column, label, typed, message", [
    ("weight", "分值", "十分", "分值“十分”不是数字"),
    ("weight", "分值", "12345", "分值过大（应小于 10,000）"),
    ("weight", "分值", "2.555", "分值最多保留 2 位小数"),
    ("share", "得分比例%", "150", "得分比例应在 0 到 100 之间"),  # the column as printed, the message as always
    ("share", "得分比例%", "-5", "得分比例不能为负数"),
])
def test_the_same_bad_value_gets_the_same_message_in_the_wizard_excel_and_json(filler, draft, column, label,
                                                                                typed, message):
    cells = {column: typed}
    if column == "share":
        cells.update(target="满意", actual="满意", band="partial")
    wizard = typed_in_wizard(filler, draft, **cells)
    assert wizard[f"indicators[0].{column}"][0] == message
    assert wizard[f"indicators[0].{column}"][1].startswith("绩效指标第 1 行")  # at the row and column, as printed

    excel = typed_in_excel(filler, draft, **{**cells, "band": "部分达成并具有一定效果" if column == "share" else ""})
    assert excel == [f"第 2 行“{label}”：{message}"]

    assert typed_in_json(**cells) == {f"indicators[0].{column}": message}
    assert draft.indicators.count() == 0  # nothing of it was written


def test_a_bad_amount_in_the_budget_step_is_the_json_import_message_too(filler, draft):
    filler.post(step_url(draft, "budget"), {"line": ["total"], "name": [""], "initial": ["100"],
                                            "adjusted": ["100"], "executed": ["九十"], "version": draft.version,
                                            "action": "stay"})
    page = filler.get(step_url(draft, "budget")).content.decode()
    assert "全年执行数“九十”不是数字" in page and 'value="九十"' in page  # kept as typed, message at the cell
    data = json.loads((EXAMPLES / "xinzhou-laomoweiwen-2023.json").read_text(encoding="utf-8"))
    data["budget"][0]["executed"] = "九十"
    _document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert [e.message for e in errors] == ["全年执行数“九十”不是数字"]


def field_error(page, name):
    match = re.search(rf'<div class="error" id="err-{name}">(.*?)</div>', page)
    return match and match.group(1)


def input_tag(page, name):
    return re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', page).group(0)


def test_the_new_form_page_says_what_is_wrong_at_the_field_and_keeps_what_was_typed(filler):
    department = Department.objects.get(name="武汉市新洲区总工会")
    before = Assessment.objects.count()
    response = filler.post(reverse("assessment_new"), {
        "kind": "project_self_assessment", "department": department.pk, "year": "二〇二四", "project_name": "帮扶"})
    page = response.content.decode()
    assert response.status_code == 200 and Assessment.objects.count() == before
    assert field_error(page, "year") == "年度应为 2000–2100 之间的四位数字"
    assert 'aria-describedby="err-year"' in input_tag(page, "year")
    assert 'value="二〇二四"' in input_tag(page, "year") and 'value="帮扶"' in input_tag(page, "project_name")
    assert re.search(rf'<option value="{department.pk}" selected>', page)  # the chosen department stays chosen
    assert '<label for="id_year">年度</label>' in page  # drawn by crispy's "plain" pack, the label as before

    page = filler.post(reverse("assessment_new"), {"kind": "project_self_assessment", "department": department.pk,
                                                   "year": "2024", "project_name": "长" * 201}).content.decode()
    assert field_error(page, "project_name") == "项目名称不能超过 200 个字（现有 201 个）"
    page = filler.post(reverse("assessment_new"), {"kind": "project_self_assessment", "department": "999999",
                                                   "year": "2024", "project_name": ""}).content.decode()
    assert field_error(page, "department") == "请选择部门"
    assert field_error(page, "project_name") == "项目支出绩效自评表须填写项目名称"


def test_the_new_form_page_offers_this_year_and_creates_the_form(filler):
    import datetime

    page = filler.get(reverse("assessment_new")).content.decode()
    assert f'value="{datetime.date.today().year}"' in input_tag(page, "year")
    assessment = new_project(filler, name="职工书屋")
    assert assessment.kind == "project_self_assessment" and assessment.fiscal_year.year == 2024


def test_base_data_refuses_bad_figures_at_the_field_keeps_them_and_saves_nothing(filler):
    assessment = Assessment.objects.get(department__name="武汉市新洲区总工会", kind="department_self_assessment")
    url = reverse("base_data_edit", args=[assessment.department_id, assessment.fiscal_year.year])
    before = list(DepartmentBaseData.objects.values())
    response = filler.post(url, {"initial_budget": "12万", "staff_actual": "3.5", "actual_expense": "100"})
    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "initial_budget") == "年初预算数（万元）“12万”不是数字"
    assert field_error(page, "staff_actual") == "在职人员数最多保留 0 位小数"
    assert 'value="12万"' in input_tag(page, "initial_budget") and 'value="100"' in input_tag(page, "actual_expense")
    assert list(DepartmentBaseData.objects.values()) == before
    assert "（万元）（万元）" not in page  # the unit printed once

    response = filler.post(url, {"initial_budget": "1200.5", "staff_actual": "35"})
    assert response.status_code == 302
    base = DepartmentBaseData.objects.get(department=assessment.department_id, fiscal_year=assessment.fiscal_year)
    assert (str(base.initial_budget.normalize()), base.staff_actual) == ("1200.5", 35)
    assert 'value="1200.5"' in input_tag(filler.get(url).content.decode(), "initial_budget")


def test_a_wizard_field_step_is_drawn_by_crispy_with_the_ids_the_scripts_use(filler, draft):
    filler.post(step_url(draft, "basic"), {"fill_date": "2025-13-45", "filled_by_name": "王 芳",
                                           "version": draft.version, "action": "stay"})
    page = filler.get(step_url(draft, "basic")).content.decode()
    box = page.split('id="field-fill_date"')[1].split('<div class="field"')[0]
    assert '<label for="input-fill_date">填报日期</label>' in box
    assert 'value="2025-13-45"' in box and 'aria-describedby="err-fill_date"' in box
    assert field_error(page, "fill_date") == "填报日期“2025-13-45”不是日期，可写作 2025-03-15、2025/3/15 或 2025年3月15日"
    assert 'data-date-for="fill_date"' in box  # the calendar beside it (static/js/wizard.js)
    assert 'value="王 芳"' in input_tag(page, "filled_by_name")
    category = input_tag(page, "category")
    assert category.startswith("<select") and 'id="input-category"' in category


def test_review_actions_are_drawn_by_crispy_and_still_work(filler, reviewer):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("assessment_step", args=[form.pk, "analysis"]),
                {"deviation_reasons": "帮扶资金按计划拨付。", "improvements": form.improvements, "action": "stay"})
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    form.refresh_from_db()
    assert form.status == Assessment.Status.SUBMITTED
    page = reviewer.get(reverse("assessment_detail", args=[form.pk])).content.decode()
    review = page.split('id="review"')[1].split("</form>")[0]
    assert '<label for="id_comment">意见（退回时必填）</label>' in review
    assert input_tag(review, "comment").startswith("<textarea") and "csrfmiddlewaretoken" in review
    assert review.count("<form") == 0  # crispy draws the fields only, inside the page's own form

    reviewer.post(reverse("assessment_review", args=[form.pk, "return"]),
                  {"comment": "请补充\u200b原因", "comment:indicators[0]": "目标值\u200b过低"})
    form.refresh_from_db()
    assert form.status == Assessment.Status.RETURNED
    assert form.comments.filter(path="indicators[0]", text="目标值过低").exists()  # hidden characters read away
    assert "请补充原因" in filler.get(reverse("assessment_step", args=[form.pk, "basic"])).content.decode()


def test_the_sign_in_page_is_drawn_by_crispy_and_still_pauses_after_five_failures(db):
    from django.contrib.auth.models import User

    User.objects.create_user("huitang", "", "right-password-2024")
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">用户名</label>' in page and '<label for="id_password">密码</label>' in page
    assert 'autocomplete="current-password"' in input_tag(page, "password")
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "huitang", "password": "wrong"})
    assert response.status_code in (200, 429)
    response = client.post(reverse("login"), {"username": "huitang", "password": "right-password-2024"})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()


def test_a_wrong_password_is_said_once_in_chinese_and_the_user_name_stays(db):
    from django.contrib.auth.models import User

    User.objects.create_user("huitang", "", "right-password-2024")
    page = Client().post(reverse("login"), {"username": "huitang", "password": "wrong"}).content.decode()
    assert page.count("用户名或密码不正确，请重新输入。") == 1
    assert 'value="huitang"' in input_tag(page, "username")


def test_an_empty_upload_is_named_and_refused_like_any_file_that_is_not_a_workbook(filler, draft):
    response = upload(filler, draft, b"", name="空.xlsx")
    refused = re.search(r'<p class="error" id="refused">(.*?)</p>', response.content.decode()).group(1)
    assert response.status_code == 400 and refused == "“空.xlsx”不是有效的 .xlsx 文件（文件内容不是 Excel 工作簿）。"
    response = filler.post(reverse("indicators_import", args=[draft.pk]), {"mode": "replace"})
    assert "请选择要导入的 Excel 文件（.xlsx）。" in response.content.decode() and response.status_code == 400


def test_a_rule_about_a_field_is_shown_at_that_field_of_the_crispy_step(filler):
    # Half the budget spent: the rules ask why (RULES §2), at 偏差分析's first field.
    assessment = new_project(filler, name="职工书屋建设")
    filler.post(step_url(assessment, "budget"), {"line": ["total"], "name": [""], "initial": ["100"],
                                                 "adjusted": ["100"], "executed": ["50"], "action": "stay"})
    filler.post(step_url(assessment, "analysis"), {"deviation_reasons": "", "improvements": "加强预算执行监控",
                                                   "action": "stay"})
    page = filler.get(step_url(assessment, "analysis")).content.decode()
    box = page.split('id="field-deviation_reasons"')[1].split('id="field-improvements"')[0]
    assert field_error(page, "deviation_reasons")  # the rules' message, not a reading error
    assert 'aria-describedby="err-deviation_reasons"' in box
    assert field_error(page, "improvements") is None and "加强预算执行监控" in page
