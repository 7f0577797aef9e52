"""Input that used to end in a server error (500) now gets a Chinese message at its field or row,
with what was typed kept (RULES: nothing typed is lost)."""
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment, Indicator
from tests.entry.test_wizard import budget_post, indicator_post, new_project, step_url

pytestmark = pytest.mark.django_db

HUGE = "1" * 41


def test_a_41_digit_actual_value_is_refused_at_its_cell_and_the_pages_keep_working(filler):
    client = filler
    assessment = new_project(client)
    rows = [("产出指标", "数量指标", "帮扶人数", "≥50人", HUGE, "20")]
    response = client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay"))
    assert response.status_code == 302
    page = client.get(step_url(assessment, "indicators"))
    assert page.status_code == 200
    text = page.content.decode()
    assert HUGE in text  # the typed input is shown back
    assert "实际完成值" in text and "过大" in text
    assert client.get(reverse("assessment_edit", args=[assessment.pk]), follow=True).status_code == 200
    assert client.get(reverse("assessment_detail", args=[assessment.pk])).status_code == 200
    assert not Indicator.objects.filter(assessment=assessment, actual_text=HUGE).exists()


@pytest.mark.parametrize("column,label", [("target", "年度指标值"), ("actual", "实际完成值")])
def test_a_huge_number_in_a_target_or_actual_is_a_message(filler, column, label):
    client = filler
    assessment = new_project(client)
    row = {"target": "≥50人", "actual": "60人"}
    row[column] = "≥" + "9" * 30 + "人"
    rows = [("产出指标", "数量指标", "帮扶人数", row["target"], row["actual"], "20")]
    client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay"))
    text = client.get(step_url(assessment, "indicators")).content.decode()
    assert label in text and "过大" in text and "9" * 30 in text
    assert client.get(reverse("assessment_detail", args=[assessment.pk])).status_code == 200


def test_a_41_digit_value_already_stored_does_not_break_the_pages(filler):
    """A value stored before this check existed must not make the form unreachable."""
    client = filler
    assessment = new_project(client)
    rows = [("产出指标", "数量指标", "帮扶人数", "≥50人", "60人", "20")]
    client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay"))
    Indicator.objects.filter(assessment=assessment).update(actual_text=HUGE, target_text="≥" + HUGE)
    for url in (step_url(assessment, "indicators"), reverse("assessment_detail", args=[assessment.pk]),
                reverse("assessment_edit", args=[assessment.pk]), step_url(assessment, "preview"),
                reverse("assessment_print_preview", args=[assessment.pk])):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    page = client.get(step_url(assessment, "preview")).content.decode()
    assert "过大" in page
    # Saving the step again (unchanged) is a message too, not a server error.
    response = client.post(step_url(assessment, "indicators"),
                           indicator_post([("产出指标", "数量指标", "帮扶人数", "≥" + HUGE, HUGE, "20")], action="stay"))
    assert response.status_code == 302


@pytest.mark.parametrize("column,label", [("weight", "分值"), ("score", "得分"), ("share", "得分比例")])
def test_huge_scores_and_weights_are_messages(filler, column, label):
    client = filler
    assessment = new_project(client)
    post = indicator_post([("产出指标", "数量指标", "帮扶人数", "≥50人", "60人", "20")], action="stay")
    post[column] = [HUGE]
    assert client.post(step_url(assessment, "indicators"), post).status_code == 302
    text = client.get(step_url(assessment, "indicators")).content.decode()
    assert label in text and HUGE in text


def test_huge_budget_amounts_are_messages(filler):
    client = filler
    assessment = new_project(client)
    response = client.post(step_url(assessment, "budget"),
                           budget_post([("total", HUGE, "10", "1E+50"), ("appropriation", "10", "10", "10")]))
    assert response.status_code == 302
    text = client.get(step_url(assessment, "budget")).content.decode()
    assert "过大" in text and HUGE in text


def test_a_huge_execution_rate_or_total_is_saved_without_a_database_error(filler):
    """The list caches rate and total in narrow columns; a rate of 10^20 % must not fail the save."""
    client = filler
    assessment = new_project(client)
    response = client.post(step_url(assessment, "budget"), budget_post(
        [("total", "0.000001", "0.000001", "99999999999999"), ("appropriation", "0.000001", "0.000001",
                                                                "99999999999999")]))
    assert response.status_code == 302
    rows = [("产出指标", "数量指标", f"指标{i}", "≥50人", "60人", "9999") for i in range(3)]
    assert client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay")).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("assessment_detail", args=[assessment.pk])).status_code == 200


def test_a_201_character_project_name_is_a_message_at_the_field(filler):
    from assessments.models import Department

    client = filler
    department = Department.objects.get(name="武汉市新洲区总工会")
    name = "项" * 201
    response = client.post(reverse("assessment_new"), {
        "kind": "project_self_assessment", "department": department.pk, "year": "2024", "project_name": name})
    assert response.status_code == 200
    text = response.content.decode()
    assert "项目名称不能超过 200 个字" in text and name in text  # kept as typed
    assert not Assessment.objects.filter(project__name__startswith="项项项").exists()


def test_a_201_character_project_name_in_a_json_import_is_a_message(demo, tmp_path):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from assessments.core import selectors

    data = selectors.assessment_export_json(assessment=Assessment.objects.filter(kind="project_self_assessment").first())
    data["project"]["name"] = "项" * 201
    data["project"]["implementing_unit"] = "单" * 201
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("assessment_import", str(path), stdout=StringIO(), stderr=err)
    assert "项目名称不能超过" in err.getvalue() or "项目名称" in err.getvalue()


def test_the_live_figures_of_a_huge_actual_value_are_a_message(filler):
    client = filler
    assessment = new_project(client)
    rows = [("产出指标", "数量指标", "帮扶人数", "≥0.00000001人", "9" * 16 + "人", "20"),
            ("产出指标", "数量指标", "帮扶人数", "≥50人", HUGE, "20")]
    response = client.post(reverse("assessment_live", args=[assessment.pk, "indicators"]), indicator_post(rows))
    assert response.status_code == 200
    issues = response.json()["rows"][1]["issues"]
    assert any("过大" in m for m in issues["actual"])


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional={
    "level1": st.text(max_size=5) | st.text(min_size=51, max_size=60), "name": st.text(max_size=5),
    "target": st.text(max_size=8) | st.sampled_from(["≥3个" + "具有代表性" * 5, "≥" + "9" * 30, "1." + "1" * 12]),
    "actual": st.text(max_size=8), "weight": st.text(max_size=6) | st.sampled_from(["10000", "99999999", "-5"]),
    "share": st.text(max_size=6) | st.just("1000"), "band": st.text(max_size=12)}), max_size=4))
def test_fuzzed_wizard_posts_get_a_page_never_a_server_error(demo_once, rows):
    client, url = demo_once
    post = {k: [r.get(k, "") for r in rows] for k in ("level1", "name", "target", "actual", "weight", "share", "band")}
    assert client.post(url, {**post, "action": "stay"}).status_code in (302, 409)
    assert client.get(url).status_code == 200


@pytest.fixture
def demo_once(filler):
    """The demo once for all the examples hypothesis draws (each posts to the same draft)."""
    assessment = Assessment.objects.get(project__name="劳模经费")
    return filler, reverse("assessment_step", args=[assessment.pk, "indicators"])
