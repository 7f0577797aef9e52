"""Entering a form in the browser: every step saved as it is left, nothing typed is ever lost."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.domain import figures, rules
from assessments.core import selectors
from assessments.core import formsteps, versions
from assessments.entry import wizard
from assessments.models import Assessment, AssessmentEvent
from tests.helpers import signed_in  # noqa: E402

pytestmark = pytest.mark.django_db

KUNNAN_ROWS = [
    ("产出指标", "数量指标", "每年困难职工帮扶人数", "≥50人", "≥50人", "20"),
    ("产出指标", "质量指标", "被发放对象符合要求", "100%", "100%", "20"),
    ("效益指标", "服务对象满意度指标", "被帮扶对象满意度", "满意", "满意", "40"),
]






def indicator_post(rows, action="next"):
    columns = ["level1", "level2", "name", "target", "actual", "weight", "band", "share", "score", "source", "reason"]
    data = {c: [] for c in columns}
    for row in rows:
        values = dict(zip(["level1", "level2", "name", "target", "actual", "weight"], row))
        for c in columns:
            data[c].append(values.get(c, ""))
    data["action"] = action
    return data


def budget_post(lines, action="next"):
    data = {"line": [], "name": [], "initial": [], "adjusted": [], "executed": [], "action": action}
    for line, initial, adjusted, executed in lines:
        for key, value in zip(("line", "name", "initial", "adjusted", "executed"), (line, "", initial, adjusted, executed)):
            data[key].append(value)
    return data


def new_project(client, name="困难职工帮扶", year="2024"):
    from assessments.models import Department

    department = Department.objects.get(name="武汉市新洲区总工会")
    response = client.post(reverse("assessment_new"), {
        "kind": "project_self_assessment", "department": department.pk, "year": year, "project_name": name})
    assert response.status_code == 302
    return Assessment.objects.get(project__name=name, fiscal_year__year=int(year))


def step_url(assessment, step):
    return reverse("assessment_step", args=[assessment.pk, step])


def test_a_filler_builds_the_xinzhou_table_from_nothing_and_submits_it(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    assert assessment.scheme.key == "hubei-project"  # from the department's region
    assert client.get(reverse("assessment_edit", args=[assessment.pk]))["Location"] == step_url(assessment, "basic")
    client.post(step_url(assessment, "basic"), {
        "implementing_unit": "武汉市新洲区总工会", "category": "部门预算项目", "attribute": "持续性项目",
        "type": "常年性项目", "fill_date": "2024-03-10", "action": "next"})
    client.post(step_url(assessment, "budget"), budget_post([("total", "10", "10", "10"), ("appropriation", "10", "10", "10")]))
    client.post(step_url(assessment, "goals"), {"goal_expected": "帮扶困难职工", "goal_achieved": "已完成", "action": "next"})
    client.post(step_url(assessment, "indicators"), indicator_post(KUNNAN_ROWS))
    client.post(step_url(assessment, "analysis"), {"deviation_reasons": "无", "improvements": "无", "action": "next"})
    page = client.get(step_url(assessment, "preview")).content.decode()
    assert "100.00" in page and "所有检查均已通过" in page
    response = client.post(step_url(assessment, "preview"), {"action": "submit"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.total_score, assessment.grade) == ("submitted", Decimal("100.00"), "优")
    assert assessment.project.category == "部门预算项目"
    types = list(assessment.events.values_list("type", flat=True))
    assert types.count(AssessmentEvent.Type.SAVED) == 5 and types[-1] == AssessmentEvent.Type.SUBMITTED
    # A submitted form can no longer be changed through the wizard.
    client.post(step_url(assessment, "goals"), {"goal_expected": "改", "action": "next"})
    assessment.refresh_from_db()
    assert assessment.goal_expected == "帮扶困难职工"


def test_text_typed_into_an_amount_is_kept_verbatim_and_blocks_submission(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    client.post(step_url(assessment, "budget"), budget_post([("total", "10", "十万", "10")]))
    page = client.get(step_url(assessment, "budget")).content.decode()
    assert 'value="十万"' in page and "全年预算数“十万”不是数字" in page
    assessment.refresh_from_db()
    assert "budget" in assessment.draft_inputs
    client.post(step_url(assessment, "preview"), {"action": "submit"})
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    # Correcting it stores the row and clears the kept input.
    client.post(step_url(assessment, "budget"), budget_post([("total", "10", "10", "10")], action="stay"))
    assessment.refresh_from_db()
    assert assessment.draft_inputs == {} and assessment.execution_rate == Decimal("100.00")


def test_rule_problems_are_shown_at_their_row_and_the_row_is_saved(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    rows = [KUNNAN_ROWS[0][:4] + ("50户", "20"), KUNNAN_ROWS[1][:4] + ("80%", "20")]
    client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay"))
    page = client.get(step_url(assessment, "indicators")).content.decode()
    assert "实际完成值单位“户”与指标值单位“人”不一致" in page
    assert "此行须填写偏差原因分析及改进措施" in page  # 80% of a 100% target
    assert Assessment.objects.get(pk=assessment.pk).indicators.count() == 2


def test_reopening_in_a_new_session_continues_at_the_saved_step_with_the_data(demo):
    first = signed_in("xinzhou")
    assessment = new_project(first)
    first.post(step_url(assessment, "indicators"), indicator_post(KUNNAN_ROWS, action="stay"))
    first.logout()
    again = signed_in("xinzhou")
    response = again.get(reverse("assessment_edit", args=[assessment.pk]))
    assert response["Location"] == step_url(assessment, "indicators")
    page = again.get(response["Location"]).content.decode()
    assert 'value="每年困难职工帮扶人数"' in page and 'value="≥50人"' in page


def test_leaving_a_step_by_any_way_saves_it(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    client.post(step_url(assessment, "goals"), {"goal_expected": "甲", "goal_achieved": "", "action": "prev"})
    client.post(step_url(assessment, "goals"), {"goal_expected": "乙", "goal_achieved": "", "action": "goto:preview"})
    assessment.refresh_from_db()
    assert (assessment.goal_expected, assessment.wizard_step) == ("乙", "preview")
    client.get(step_url(assessment, "goals"))  # a plain GET discards nothing
    assessment.refresh_from_db()
    assert assessment.goal_expected == "乙"


def test_a_step_with_an_unreadable_value_keeps_the_filler_on_it_and_remembers_it(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    rows = [KUNNAN_ROWS[0][:5] + ("二十",)] + KUNNAN_ROWS[1:]  # a 分值 in words
    response = client.post(step_url(assessment, "indicators"), indicator_post(rows, action="next"))
    assert response["Location"] == step_url(assessment, "indicators")
    assessment.refresh_from_db()
    assert assessment.wizard_step == "indicators"
    assert client.get(reverse("assessment_edit", args=[assessment.pk]))["Location"] == step_url(assessment, "indicators")
    client.post(step_url(assessment, "indicators"), indicator_post(KUNNAN_ROWS, action="next"))
    assessment.refresh_from_db()
    assert assessment.wizard_step == "analysis" and assessment.indicators.count() == 3


def test_live_figures_are_the_rules_module_figures_of_the_unsaved_rows(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    client.post(step_url(assessment, "budget"), budget_post([("total", "10", "10", "9")], action="stay"))
    rows = [KUNNAN_ROWS[0][:4] + ("40人", "20")] + KUNNAN_ROWS[1:]
    data = client.post(reverse("assessment_live", args=[assessment.pk, "indicators"]), indicator_post(rows)).json()
    document = selectors.assessment_document(assessment=assessment)
    document.indicators = [rules.IndicatorRow(*r[:5], weight=Decimal(r[5])) for r in rows]
    expected = rules.evaluate(document.form(), assessment.scheme.as_rules())
    assert data["figures"]["total"] == figures.two(expected.total) == "94.00"  # 18 + 16 + 20 + 40
    assert data["figures"]["execution_rate"] == "90.00%"
    assert [r["score"] for r in data["rows"]] == ["16.00", "20.00", "40.00"]
    assert data["rows"][0]["parsed"] == "≥50人" and data["rows"][0]["reason_required"] is True
    assert Assessment.objects.get(pk=assessment.pk).indicators.count() == 0  # nothing was saved


def test_other_departments_and_reviewers_cannot_reach_the_wizard(demo):
    own = signed_in("xinzhou")
    assessment = new_project(own)
    foreign = Assessment.objects.get(project__name="专项业务培训费")
    for url in (reverse("assessment_edit", args=[foreign.pk]), step_url(foreign, "basic")):
        assert own.get(url).status_code == 404
    assert own.post(reverse("assessment_live", args=[foreign.pk, "indicators"]), {}).status_code == 404
    reviewer = signed_in("czj_reviewer")
    assert reviewer.post(step_url(assessment, "goals"), {"goal_expected": "x", "action": "next"}).status_code == 404
    assessment.refresh_from_db()
    assert assessment.goal_expected == ""


@pytest.mark.slow
def test_the_indicator_step_and_the_list_use_the_same_number_of_queries_at_5_and_200_rows(demo):
    client = signed_in("xinzhou")
    counts = {}
    for size in (5, 200):
        assessment = new_project(client, name=f"项目{size}")
        rows = [("产出指标", "数量指标", f"指标{i}", "≥50人", "50人", "0.4") for i in range(size)]
        client.post(step_url(assessment, "indicators"), indicator_post(rows, action="stay"))
        assert assessment.indicators.count() == size
        with CaptureQueriesContext(connection) as step_queries:
            assert client.get(step_url(assessment, "indicators")).status_code == 200
        with CaptureQueriesContext(connection) as list_queries:
            assert client.get(reverse("home")).status_code == 200
        # Counted from nothing each time (a desk kept from the first round would only follow the new form).
        versions.RECOUNT.bump()
        with CaptureQueriesContext(connection) as desk_queries:
            assert client.get(reverse("review_desk")).status_code == 200
        counts[size] = (len(step_queries), len(list_queries), len(desk_queries))
    print("queries (step, list, desk):", counts)
    assert counts[5] == counts[200]
    assert counts[200][0] <= 20 and counts[200][1] <= 12


@pytest.mark.parametrize("username,password,where", [
    ("suzhou", "demo-suzhou-2024", {"department__name": "苏州市总工会"}),
    ("xinzhou", "demo-xinzhou-2024", {"department__name": "武汉市新洲区总工会", "kind": "department_self_assessment"}),
    ("wuxi", "demo-wuxi-2024", {"kind": "department_targets"}),
])
def test_every_step_of_the_department_forms_shows_the_published_data(demo, username, password, where):

    client = signed_in(username, password)
    assessment = Assessment.objects.get(**where)
    version = assessment.version
    pages = {s.key: client.get(step_url(assessment, s.key)) for s in formsteps.steps_for(assessment)}
    assert all(p.status_code == 200 for p in pages.values())
    html = {k: p.content.decode() for k, p in pages.items()}
    if assessment.kind == "department_targets":
        assert 'value="897.334"' in html["budget"] and 'value="≥2000个"' in html["indicators"]
        assert 'value="开展安全生产培训及劳动保护工作"' in html["indicators"]
    elif assessment.scheme.components:
        assert 'value="22.5"' in html["components"] and "90.00" in html["preview"]
    else:
        assert 'value="123.23"' in html["budget"] and "健全性" in html["indicators"]
        assert "-4.82%" in html["indicators"] and "部门整体自评表第 25 行“偏差原因分析及改进措施”" in html["preview"]
    assessment.refresh_from_db()
    assert assessment.version == version  # looking at every step changed nothing


def test_a_save_of_one_step_records_only_what_changed_and_keeps_the_other_tables(demo):
    """The form as stored after a save takes the tables the step did not write from its read under
    the lock: the timeline names only the changed cell, and the figures use every table."""
    client = signed_in("xinzhou")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    budget_rows = list(form.budget_lines.values_list("line", "executed"))
    step = formsteps.step_by_key(form, "indicators")
    raw = wizard.current_raw(form, step)
    raw["rows"][0] = {**raw["rows"][0], "actual": "60人"}
    posted = wizard.as_post(step, raw)
    client.post(step_url(form, "indicators"), {**{key: posted.getlist(key) for key in posted},
                                               "version": str(form.version), "action": "stay"})
    event = form.events.filter(type=AssessmentEvent.Type.SAVED).latest("created_at")
    assert [c["after"] for c in event.data["changes"]] == ["60人"]
    form.refresh_from_db()
    assert list(form.budget_lines.values_list("line", "executed")) == budget_rows
    assert form.execution_rate is not None  # the budget lines took part in the figures
    fresh = selectors.assessment_evaluation(assessment=selectors.assessment_with_rows(pk=form.pk))
    assert (fresh.execution_rate, fresh.shown_total) == (form.execution_rate, form.total_score)


@pytest.mark.parametrize("weight", ["5", "7.5"])
def test_what_a_save_returns_and_records_is_the_form_as_stored(demo, weight):
    """A save takes the rows it has just inserted as the form's rows (records.rows_as_stored) instead of
    reading them back: its figures, missed flags and timeline entry are those of the form read back
    afterwards, and 5 typed is the 5.00 stored (no change of “5” to “5.00” on the timeline)."""
    from django.contrib.auth import get_user_model

    from assessments.core import records
    from assessments.entry import services

    form = selectors.assessment_with_rows(pk=Assessment.objects.get(project__name="困难职工帮扶").pk)
    step = formsteps.step_by_key(form, "indicators")
    raw = wizard.current_raw(form, step)
    raw["rows"][0] = {**raw["rows"][0], "weight": weight}
    raw["rows"][1] = {**raw["rows"][1], "actual": "0"}  # a target missed: its flag is written
    data = wizard.read_step(step, wizard.as_post(step, raw))
    assert not data.errors
    saved = services.assessment_save_step(assessment=form, user=get_user_model().objects.get(username="xinzhou"),
                                          step=step, data=data)
    stored = selectors.assessment_with_rows(pk=form.pk)
    assert records.snapshot(saved, loaded=True) == records.snapshot(stored, loaded=True)
    evaluation = selectors.assessment_evaluation(assessment=stored)
    assert (saved.total_score, saved.execution_rate, saved.version) == (
        stored.total_score, stored.execution_rate, stored.version)
    assert stored.total_score == evaluation.shown_total
    assert [r.missed for r in stored.indicators.all()] == [rules.target_missed(r) for r in evaluation.indicators]
    assert stored.indicators.all()[1].missed
    assert stored.indicators.all()[0].weight == Decimal(weight).quantize(Decimal("0.01"))
    event = stored.events.filter(type=AssessmentEvent.Type.SAVED).latest("created_at")
    assert {c["path"] for c in event.data["changes"]} == {"indicators[0].weight", "indicators[1].actual"}
