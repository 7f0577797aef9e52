"""load_demo brings the five published reports in with their figures exact, and is idempotent."""
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from assessments.domain import rules
from assessments.core import selectors
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Department,
    DepartmentBaseData,
    Indicator,
    Membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def printed(db):
    """What the command prints when it loads the demo into an empty database.

    The other tests read the demo through the shared ``demo`` fixture: the rows this command wrote
    once in the session, put back for each test.
    """
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def project(name):
    return Assessment.objects.get(project__name=name)


def snapshot():
    return (
        sorted(Assessment.objects.values_list("pk", "version", "updated_at", "total_score")),
        Indicator.objects.count(),
        AssessmentEvent.objects.count(),
        sorted(Membership.objects.values_list("user__username", "department__name", "role")),
        DepartmentBaseData.objects.count(),
    )


def test_running_it_twice_changes_nothing(demo):
    before = snapshot()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert snapshot() == before
    assert "自评表 0" in out.getvalue()


def test_the_logins_it_prints_work(printed):
    for line in printed.splitlines():
        if " 密码 " in line:
            username, _, password = line.split()[:3]
            assert authenticate(username=username, password=password) is not None, username


def test_shijiazhuang_projects_and_department_carry_the_published_scores(demo):
    published = {
        "专项业务培训费": ("83.47", "98.35"),
        "省部级以上劳模体检费": ("99.75", "99.97"),
        "提前下达困难职工及劳模帮扶救助专项资金": ("100.00", "100.00"),
        "省级困难职工及劳模帮扶救助专项资金": ("100.00", "100.00"),
        "市级困难职工及劳模帮扶救助专项资金（下达县区）": ("100.00", "100.00"),
        "市级困难职工及劳模帮扶救助专项资金（市本级）": ("81.58", "98.16"),
    }
    for name, (rate, total) in published.items():
        a = project(name)
        assert (a.execution_rate, a.total_score, a.grade) == (Decimal(rate), Decimal(total), "优秀"), name
    department = Assessment.objects.get(department__name="石家庄市总工会", kind=rules.KIND_DEPARTMENT)
    assert (department.total_score, department.grade) == (Decimal("99.50"), "优秀")


def test_xinzhou_tables_total_100_and_the_department_90(demo):
    for name in ("困难职工帮扶", "劳模经费", "劳模慰问"):
        assert project(name).total_score == 100
    department = Assessment.objects.get(department__name="武汉市新洲区总工会", kind=rules.KIND_DEPARTMENT)
    evaluation = selectors.assessment_evaluation(assessment=department)
    assert [(c.name, str(c.rate), c.grade) for c in evaluation.components] == [
        ("投入", "88.8", "良"), ("过程", "80.3", "良"), ("产出", "95.5", "优"), ("效果", "95.0", "优")]
    assert (evaluation.total, evaluation.grade) == (Decimal("90.00"), "优")


def test_suzhou_budget_rates_and_deviations_are_the_published_ones(demo):
    suzhou = Assessment.objects.get(department__name="苏州市总工会")
    evaluation = selectors.assessment_evaluation(assessment=suzhou)
    assert [str(b.rate) for b in evaluation.budget] == [
        "95.18", "96.05", "94.75", "83.02", "100.00", "100.00", "98.64", "90.44", "89.51", "99.47"]
    deviations = {row.name: result.deviation for row, result in zip(suzhou.indicators.all(), evaluation.indicators)}
    assert deviations["评选五一劳动奖章人数"] == "-1.67%"
    assert deviations["在档特困职工满意度"] == "17.65%"
    assert deviations["预算执行率"] == "-4.82%"
    assert [w.message for w in evaluation.warnings] == ["各项目全年执行数合计 928.10，与项目支出 933.47 相差 5.37"]


def test_wuxi_target_table_holds_its_budget_and_half_year_targets(demo):
    wuxi = Assessment.objects.get(kind=rules.KIND_TARGETS)
    lines = {(b.line, b.name): b for b in wuxi.budget_lines.all()}
    assert lines[("total", "")].initial == Decimal("897.334")
    assert (lines[("basic", "")].half_year, lines[("project", "")].half_year) == (90, 300)
    items = [b for b in wuxi.budget_lines.all() if b.line == "item"]
    assert sum(b.initial for b in items) == lines[("project", "")].initial == Decimal("671.21")
    row = wuxi.indicators.get(name="班组长安全培训人数")
    assert (row.half_year_target, row.target_text, row.key_work) == ("≥1000个", "≥2000个", "开展安全生产培训及劳动保护工作")


def test_base_data_gives_the_published_department_indicators(demo):
    def indicators(department, year):
        base = DepartmentBaseData.objects.get(department__name=department, fiscal_year__year=year)
        return {d.name: d.printed for d in rules.department_indicators(base.as_rules())}

    suzhou = indicators("苏州市总工会", 2023)
    assert (suzhou["预算调整率"], suzhou["项目支出占比（决算）"], suzhou["基本支出占比（决算）"]) == (
        "9.04%", "65.97%", "34.03%")
    xinzhou = indicators("武汉市新洲区总工会", 2023)
    assert (xinzhou["基本支出占比（决算）"], xinzhou["项目支出占比（决算）"]) == ("96.58%", "3.42%")
    assert xinzhou["“三公经费”变动率"] == "—"  # 0 last year: no rate, not a division error
    jiangmen = indicators("江门市总工会", 2022)
    assert (jiangmen["基本支出占比（预算）"], jiangmen["项目支出占比（预算）"]) == ("73.50%", "26.50%")


def test_the_hierarchy_puts_units_under_their_supervising_department_in_reviewer_scope(demo):
    from django.contrib.auth.models import User

    reviewer = User.objects.get(username="jiangmen_reviewer")
    names = set(selectors.departments_visible_to(user=reviewer).values_list("name", flat=True))
    assert names == {"江门市总工会", "江门市工人文化宫"}
    assert Department.objects.get(name="江门市工人文化宫").parent.name == "江门市总工会"
