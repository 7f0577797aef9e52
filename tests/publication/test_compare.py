"""Year over year: indicator rows matched by name across years, changes marked, last year's
改进措施 beside this year's results; scoped like the detail page."""

import pytest
from django.urls import reverse

from assessments.domain import interchange, rules
from assessments.core import selectors
from assessments.exchange import services as exchange_services
from assessments.models import Assessment, Project
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def import_year(year, change):
    """Import another year of the demo's 2023 专项业务培训费 (as published), changed by ``change``."""
    published = Assessment.objects.get(project__name="专项业务培训费", fiscal_year__year=2023)
    data = selectors.assessment_export_json(assessment=published)
    data.pop("computed")
    data["fiscal_year"] = year
    data.setdefault("analysis", {})
    change(data)
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors, errors
    return exchange_services.assessment_import(document=document)


def row(data, name):
    return next(i for i in data["indicators"] if i["name"] == name)


@pytest.fixture
def three_years(demo):
    def y2022(data):
        row(data, "培训人均每天费用")["actual"] = "480元"  # over the ≤450元 target: missed
        row(data, "培训人均每天费用")["reason"] = "培训场地费用上涨"
        data["analysis"]["improvements"] = "加强费用控制，压减培训成本"

    def y2024(data):
        row(data, "专项业务培训次数")["target"] = "=4次"  # a new target
        row(data, "专项业务培训次数")["actual"] = "4次"
        data["indicators"] = [i for i in data["indicators"] if i["name"] != "职工整体素质"]
        data["indicators"].append({"level1": "产出指标", "level2": "质量指标", "name": "培训覆盖率",
                                   "target": "≥95%", "actual": "96%", "weight": "30"})

    import_year(2022, y2022)
    import_year(2024, y2024)
    return Project.objects.get(name="专项业务培训费")


def test_years_side_by_side_with_changes_and_last_years_improvements(three_years):
    reviewer = signed_in("czj_reviewer")
    response = reviewer.get(reverse("compare_project", args=[three_years.pk]))
    assert response.status_code == 200
    view = response.context["view"]
    assert [y.year for y in view.years] == [2022, 2023, 2024]
    assert view.years[1].previous_improvements == "加强费用控制，压减培训成本"
    rows = {r.name: r for r in view.rows}
    cost = rows["培训人均每天费用"].cells
    assert cost[0].missed and not cost[1].missed and cost[1].follow_up == "已改进"
    tasks = rows["专项业务培训次数"].cells
    assert tasks[1].change == "same" and tasks[2].change == "changed" and tasks[2].previous_target == "=3次"
    assert rows["职工整体素质"].cells[2].change == "dropped"
    assert rows["培训覆盖率"].cells[2].change == "new" and not rows["培训覆盖率"].cells[1].present
    html = response.content.decode()
    assert "加强费用控制，压减培训成本" in html and "目标值变化" in html and "已改进" in html and "新增" in html
    # The 2023 figures are the approved form's own.
    a2023 = Assessment.objects.get(project=three_years, fiscal_year__year=2023)
    assert view.years[1].execution_rate == a2023.execution_rate


def test_department_forms_and_foreign_ids_404(three_years):
    other = signed_in("jiangmen_reviewer")
    assert other.get(reverse("compare_project", args=[three_years.pk])).status_code == 404
    sjz = three_years.department
    assert other.get(reverse("compare_department", args=[sjz.pk, Assessment.Kind.DEPARTMENT])).status_code == 404
    reviewer = signed_in("czj_reviewer")
    page = reviewer.get(reverse("compare_department", args=[sjz.pk, Assessment.Kind.DEPARTMENT]))
    assert page.status_code == 200 and [y.year for y in page.context["view"].years] == [2023]
    assert reviewer.get(reverse("compare_department", args=[sjz.pk, "nonsense"])).status_code == 404
    # The detail page links to it.
    a = Assessment.objects.get(project=three_years, fiscal_year__year=2023)
    assert reverse("compare_project", args=[three_years.pk]) in reviewer.get(
        reverse("assessment_detail", args=[a.pk])).content.decode()


@pytest.mark.parametrize(("target", "actual", "band", "missed"), [
    ("≥90%", "89.9%", "", True), ("≥90%", "90%", "", False), ("≤30天", "31天", "", True), ("≤30天", "30天", "", False),
    ("=100个", "120个", "", False), ("=100个", "99个", "", True), ("=0起", "1起", "", True), ("=0起", "0起", "", False),
    ("提高", "提高", "", False), ("提高", "略有提高", "partial", True), ("提高", "明显提高", "achieved", False),
    ("≥90%", "", "", False),
])
def test_target_missed(target, actual, band, missed):
    form = rules.Form(kind=rules.KIND_PROJECT, indicators=[rules.IndicatorRow(
        level1="产出指标", level2="数量指标", name="x", target=target, actual=actual, band=band)])
    result = rules.evaluate(form, rules.Scheme(key="t", scored=False)).indicators[0]
    assert rules.target_missed(result) is missed
