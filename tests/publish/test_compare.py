"""Year over year: indicator rows matched by name across years, changes marked, last year's
改进措施 beside this year's results; scoped like the detail page."""
import json

import pytest
from django.urls import reverse

from assessments import interchange, rules, selectors, services
from assessments.models import Assessment, Project
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def import_year(base, year, change):
    data = json.loads(json.dumps(base))
    data["fiscal_year"] = year
    change(data)
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors, errors
    return services.assessment_import(document=document)


def row(data, name):
    return next(i for i in data["indicators"] if i["name"] == name)


@pytest.fixture
def three_years(demo):
    """The demo's approved 2023 form of 专项业务培训费, with a 2022 and a 2024 form made from it."""
    project = Project.objects.get(name="专项业务培训费")
    a2023 = selectors.assessment_queryset().get(project=project, fiscal_year__year=2023)
    base = interchange.document_to_json(selectors.assessment_document(assessment=a2023))

    def y2022(data):
        row(data, "培训合格率").update(actual="95%", reason="考核不严")  # missed (=100%)
        data.setdefault("analysis", {})["improvements"] = "加强培训考核，提高合格率"

    def y2024(data):
        row(data, "专项业务培训次数").update(target="=4次", actual="4次")  # a new target
        data["indicators"] = [i for i in data["indicators"] if i["name"] != "职工整体素质"]
        data["indicators"].append({"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "培训满意度",
                                   "target": "≥90%", "actual": "96%", "weight": "30"})

    import_year(base, 2022, y2022)
    import_year(base, 2024, y2024)
    return project


def test_years_side_by_side_with_changes_and_last_years_improvements(three_years):
    reviewer = signed_in("czj_reviewer", "demo-review-czj-2024")
    response = reviewer.get(reverse("compare_project", args=[three_years.pk]))
    assert response.status_code == 200
    view = response.context["view"]
    assert [y.year for y in view.years] == [2022, 2023, 2024]
    assert view.years[1].previous_improvements == "加强培训考核，提高合格率"
    rows = {r.name: r for r in view.rows}
    passing = rows["培训合格率"].cells
    assert passing[0].missed and not passing[1].missed and passing[1].follow_up == "已改进"
    count = rows["专项业务培训次数"].cells
    assert count[1].change == "same" and count[2].change == "changed" and count[2].previous_target == "=3次"
    assert rows["职工整体素质"].cells[2].change == "dropped"
    assert rows["培训满意度"].cells[2].change == "new" and not rows["培训满意度"].cells[1].present
    html = response.content.decode()
    assert "加强培训考核，提高合格率" in html and "目标值变化" in html and "已改进" in html and "新增" in html
    # The 2023 figures are the approved form's own.
    a2023 = Assessment.objects.get(project=three_years, fiscal_year__year=2023)
    assert view.years[1].execution_rate == a2023.execution_rate


def test_department_forms_and_foreign_ids_404(three_years):
    other = signed_in("jiangmen_reviewer", "demo-review-jm-2024")
    assert other.get(reverse("compare_project", args=[three_years.pk])).status_code == 404
    sjz = three_years.department
    assert other.get(reverse("compare_department", args=[sjz.pk, Assessment.Kind.DEPARTMENT])).status_code == 404
    reviewer = signed_in("czj_reviewer", "demo-review-czj-2024")
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
