"""Reuse of last year's and the approved targets, and the department base data (RULES §5)."""

import pytest
from django.urls import reverse

from assessments.entry import services as entry_services
from assessments.models import Assessment, Department, FiscalYear
from tests.helpers import signed_in  # noqa: E402

pytestmark = pytest.mark.django_db






def test_a_continuing_project_copies_last_years_indicators_with_actuals_cleared(demo):
    client = signed_in("xinzhou")
    department = Department.objects.get(name="武汉市新洲区总工会")
    client.post(reverse("assessment_new"), {"kind": "project_self_assessment", "department": department.pk,
                                            "year": "2024", "project_name": "困难职工帮扶"})
    assessment = Assessment.objects.get(project__name="困难职工帮扶", fiscal_year__year=2024)
    client.post(reverse("assessment_reuse", args=[assessment.pk, "copy_previous_year"]))
    rows = list(assessment.indicators.values_list("name", "target_text", "actual_text", "weight"))
    assert [(n, t, a, str(w)) for n, t, a, w in rows] == [
        ("每年困难职工帮扶人数", "≥50人", "", "20.00"), ("被发放对象符合要求", "100%", "", "20.00"),
        ("被帮扶对象满意度", "满意", "", "40.00")]


def test_copying_from_a_year_without_a_table_says_so(demo):
    client = signed_in("xinzhou")
    department = Department.objects.get(name="武汉市新洲区总工会")
    client.post(reverse("assessment_new"), {"kind": "project_self_assessment", "department": department.pk,
                                            "year": "2030", "project_name": "新项目"})
    assessment = Assessment.objects.get(project__name="新项目")
    response = client.post(reverse("assessment_reuse", args=[assessment.pk, "copy_previous_year"]), follow=True)
    assert "该项目没有 2029 年度的自评表" in response.content.decode()


def test_a_department_self_assessment_takes_its_targets_from_the_approved_target_table(demo):
    wuxi = Department.objects.get(name="无锡市总工会（本级）")
    targets = Assessment.objects.get(department=wuxi, kind="department_targets")
    client = signed_in("wuxi")
    client.post(reverse("assessment_new"), {"kind": "department_self_assessment", "department": wuxi.pk, "year": "2022"})
    assessment = Assessment.objects.get(department=wuxi, kind="department_self_assessment")
    response = client.post(reverse("assessment_reuse", args=[assessment.pk, "copy_targets"]), follow=True)
    assert "没有已审核的部门整体预算绩效目标表" in response.content.decode()  # still a draft
    Assessment.objects.filter(pk=targets.pk).update(status=Assessment.Status.APPROVED)
    client.post(reverse("assessment_reuse", args=[assessment.pk, "copy_targets"]))
    copied = list(assessment.indicators.values_list("level1", "name", "target_text", "actual_text"))
    assert len(copied) == targets.indicators.count()
    assert ("履职", "班组长安全培训人数", "≥2000个", "") in copied


def test_base_data_page_computes_the_rules_indicators_and_fills_the_form(demo):
    client = signed_in("suzhou")
    suzhou = Department.objects.get(name="苏州市总工会")
    url = reverse("base_data_edit", args=[suzhou.pk, 2023])
    page = client.get(url).content.decode()
    assert "9.04%" in page and "65.97%" in page and "(调整预算数 − 年初预算数) ÷ 年初预算数" in page
    bad = client.post(url, {"staff_quota": "五十", "staff_actual": "48", "adjusted_budget": "1486.64"})
    assert "编制数“五十”不是数字" in bad.content.decode()
    huge = client.post(url, {"staff_quota": "9999999999", "actual_expense": "1" + "0" * 20})
    assert huge.status_code == 200
    assert "编制数过大" in huge.content.decode() and "实际支出数（万元）过大" in huge.content.decode()
    client.post(url, {"initial_budget": "1363.41", "adjusted_budget": "1486.64", "actual_expense": "1415.05",
                      "staff_quota": "50", "staff_actual": "48"})
    assert "96.00%" in client.get(url).content.decode()  # 在职人员控制率 48 / 50
    assessment = Assessment.objects.get(department=suzhou, kind="department_self_assessment")
    count = entry_services.assessment_fill_from_base_data(assessment=assessment, user=None)
    assert count >= 3
    assert assessment.indicators.get(name="在职人员控制率").actual_text == "96.00%"
    assert assessment.indicators.get(name="预算执行率").actual_text == "95.18%"
    assert assessment.indicators.get(name="预算偏差率").actual_text == "9.04%"


def test_base_data_of_another_department_is_a_404_and_reviewers_cannot_change_it(demo):
    client = signed_in("suzhou")
    xinzhou = Department.objects.get(name="武汉市新洲区总工会")
    assert client.get(reverse("base_data_edit", args=[xinzhou.pk, 2023])).status_code == 404
    reviewer = signed_in("czj_reviewer")
    assert reviewer.get(reverse("base_data_edit", args=[xinzhou.pk, 2023])).status_code == 200
    assert reviewer.post(reverse("base_data_edit", args=[xinzhou.pk, 2023]), {"staff_quota": "1"}).status_code == 404


def test_viewing_the_base_data_of_a_future_year_writes_nothing(demo):
    client = signed_in("suzhou")
    department = Department.objects.filter(name__contains="苏州").first()
    assert not FiscalYear.objects.filter(year=2099).exists()
    response = client.get(reverse("base_data_edit", args=[department.pk, 2099]))
    assert response.status_code == 200
    assert not FiscalYear.objects.filter(year=2099).exists()
    # Saving the page is what creates the year.
    response = client.post(reverse("base_data_edit", args=[department.pk, 2099]), {"initial_budget": "120"})
    assert response.status_code == 302
    assert FiscalYear.objects.filter(year=2099).exists()
