"""Issue 10: one guard for every write. Each test here failed before the access module existed.

Covered: an approved form unchanged by another year's edits and imports of its project, by
"用部门基础数据填写", by an administrator's scheme change; reopen only by the approving level; admin
edits bump the version and log field changes, never set a status, never touch approved forms;
replies never land on approved forms nor overwrite earlier ones; report sections of the same title;
a save that loses the race against submission keeps what was typed.
"""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from assessments.core import access, selectors
from assessments.domain import interchange
from assessments.entry import services as entry_services
from assessments.core import errors
from assessments.exchange import services as exchange_services
from assessments.review import services as review_services
from assessments.core import formsteps
from assessments.entry import wizard
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Comment,
    Department,
    ReviewLevel,
    ScoringScheme,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db
Event = AssessmentEvent.Type


def kunnan():
    return Assessment.objects.get(project__name="困难职工帮扶")


def approve(assessment, reviewer="czj_reviewer"):
    """Submit (problems or not) and approve through the real approve service, which freezes the form."""
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assessment.refresh_from_db()
    review_services.assessment_approve(assessment=assessment, user=User.objects.get(username=reviewer))
    assessment.refresh_from_db()
    return assessment


def step_post(assessment, key, **changes):
    """The POST a browser sends for a field step, with the saved values and ``changes``."""
    step = formsteps.step_by_key(assessment, key)
    values = wizard.saved_raw(assessment, selectors.assessment_document(assessment=assessment), step)
    return {**values, **changes, "version": str(assessment.version), "action": "stay"}


def test_an_approved_form_keeps_its_project_particulars_when_next_years_form_changes_them(demo):
    approved = approve(kunnan())
    exported = selectors.assessment_export_json(assessment=approved)
    preview = signed_in("czj_reviewer").get(
        reverse("assessment_print_preview", args=[approved.pk])).content.decode()
    filler = signed_in("xinzhou")
    filler.post(reverse("assessment_new"), {"kind": "project_self_assessment", "department": approved.department_id,
                                            "year": "2024", "project_name": "困难职工帮扶"})
    next_year = Assessment.objects.get(project=approved.project, fiscal_year__year=2024)
    assert next_year.implementing_unit == approved.implementing_unit  # carried over as a start
    filler.post(reverse("assessment_step", args=[next_year.pk, "basic"]),
                step_post(next_year, "basic", implementing_unit="另一个实施单位", category="区直专项",
                          attribute="新增性项目", type="一次性项目"))
    next_year.refresh_from_db()
    assert (next_year.implementing_unit, next_year.project_category) == ("另一个实施单位", "区直专项")
    # And through the JSON import of a 2024 document of the same project.
    data = dict(exported)
    data.pop("computed")
    data["fiscal_year"] = 2024
    data["project"] = {**data["project"], "implementing_unit": "导入的实施单位", "category": "区直专项"}
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors
    exchange_services.assessment_import(document=document)

    approved.refresh_from_db()
    assert selectors.assessment_export_json(assessment=approved) == exported
    again = signed_in("czj_reviewer").get(
        reverse("assessment_print_preview", args=[approved.pk])).content.decode()
    assert again == preview and "另一个实施单位" not in again and "导入的实施单位" not in again


def test_filling_from_base_data_never_changes_an_approved_form(demo):
    suzhou = Department.objects.get(name="苏州市总工会")
    form = approve(Assessment.objects.get(department=suzhou, kind="department_self_assessment"))
    before = list(form.indicators.values_list("name", "actual_text"))
    exported = selectors.assessment_export_json(assessment=form)
    client = signed_in("suzhou")
    client.post(reverse("base_data_edit", args=[suzhou.pk, 2023]),
                {"adjusted_budget": "1000", "actual_expense": "250", "initial_budget": "900"})
    response = client.post(reverse("assessment_reuse", args=[form.pk, "fill_from_base_data"]), follow=True)
    assert "不能修改" in response.content.decode()
    assert list(form.indicators.values_list("name", "actual_text")) == before
    assert selectors.assessment_export_json(assessment=form) == exported
    with pytest.raises(errors.AssessmentLocked):
        entry_services.assessment_fill_from_base_data(assessment=form, user=None)


def test_only_the_level_that_approved_a_form_may_reopen_it_and_never_its_own_filler(demo):
    department = Department.objects.get(name="武汉市新洲区总工会")
    first = User.objects.create_user("zhuguan", password="chain-pass-1")
    ReviewLevel.objects.create(department=department, order=0, name="主管部门").reviewers.add(first)
    ReviewLevel.objects.create(department=department, order=1, name="财政局").reviewers.add(
        User.objects.get(username="czj_reviewer"))
    form = kunnan()
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.SUBMITTED)
    form.refresh_from_db()
    review_services.assessment_approve(assessment=form, user=first)
    review_services.assessment_approve(assessment=form, user=User.objects.get(username="czj_reviewer"))
    form.refresh_from_db()
    assert form.status == "approved"

    with pytest.raises(errors.NotAReviewer):
        review_services.assessment_reopen(assessment=form, user=first, reason="想改")
    page = signed_in("zhuguan", "chain-pass-1").get(reverse("assessment_detail", args=[form.pk])).content.decode()
    assert "重新打开" not in page

    # A filler of the department who reviews somewhere else.
    both = User.objects.create_user("both", password="both-pass-1")
    both.memberships.create(department=department, role="filler")
    both.memberships.create(department=Department.objects.get(name="江门市总工会"), role="reviewer")
    with pytest.raises(errors.NotAReviewer):
        review_services.assessment_reopen(assessment=form, user=both, reason="自己的表")
    client = signed_in("both", "both-pass-1")
    assert "重新打开" not in client.get(reverse("assessment_detail", args=[form.pk])).content.decode()
    client.post(reverse("assessment_review", args=[form.pk, "reopen"]), {"reason": "自己的表"})
    form.refresh_from_db()
    assert form.status == "approved"

    with pytest.raises(errors.IllegalTransition):
        review_services.assessment_reopen(assessment=form, user=User.objects.get(username="czj_reviewer"), reason=" ")
    review_services.assessment_reopen(assessment=form, user=User.objects.get(username="czj_reviewer"), reason="数据有误")
    form.refresh_from_db()
    assert (form.status, form.approved_document) == ("returned", {})


def test_a_filler_who_reviews_elsewhere_cannot_approve_their_own_form(demo):
    department = Department.objects.get(name="武汉市新洲区总工会")
    both = User.objects.create_user("both", password="both-pass-1")
    both.memberships.create(department=department, role="filler")
    both.memberships.create(department=Department.objects.get(name="江门市总工会"), role="reviewer")
    form = kunnan()
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.SUBMITTED)
    form.refresh_from_db()
    assert not access.for_form(both, form).can_approve()
    with pytest.raises(errors.NotAReviewer):
        review_services.assessment_approve(assessment=form, user=both)


def admin_post_data(client, url):
    """Everything the admin's change form would post, as it stands."""
    response = client.get(url)
    form = response.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, (list, dict))}
    for name in ("department", "fiscal_year", "project", "scheme"):
        value = form.initial.get(name)
        data[name] = getattr(value, "pk", value) or ""
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-TOTAL_FORMS": fs.total_form_count(), f"{fs.prefix}-INITIAL_FORMS":
                     fs.initial_form_count(), f"{fs.prefix}-MIN_NUM_FORMS": 0, f"{fs.prefix}-MAX_NUM_FORMS": 1000})
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                data[f"{fs.prefix}-{i}-{name}"] = "" if value is None else getattr(value, "pk", value)
    return data


def test_an_admin_fix_bumps_the_version_logs_its_changes_and_a_stale_save_cannot_erase_it(demo, client):
    client.force_login(User.objects.create_superuser("root", "root@example.invalid", "secret-pass-123"))
    form = kunnan()
    stale = step_post(form, "goals")  # the filler loaded the page before the fix
    url = reverse("admin:assessments_assessment_change", args=[form.pk])
    data = admin_post_data(client, url)
    data.update({"goal_expected": "管理员修正的目标", "status": "approved"})
    response = client.post(url, data)
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.goal_expected == "管理员修正的目标"
    assert form.status == "draft"  # a status is never a field
    assert form.version == int(stale["version"]) + 1
    event = form.events.get(type=Event.ADMIN_EDITED)
    assert any(c["after"] == "管理员修正的目标" for c in event.data["changes"])

    filler = signed_in("xinzhou")
    response = filler.post(reverse("assessment_step", args=[form.pk, "goals"]),
                           {**stale, "goal_expected": "填报人的旧页面"})
    assert response.status_code == 409
    form.refresh_from_db()
    assert form.goal_expected == "管理员修正的目标"


def test_an_approved_form_is_read_only_in_the_admin_and_keeps_its_grade_when_the_scheme_changes(demo, client):
    client.force_login(User.objects.create_superuser("root", "root@example.invalid", "secret-pass-123"))
    form = approve(kunnan())
    grade, total = form.grade, form.total_score
    assert grade
    detail = signed_in("czj_reviewer").get(reverse("assessment_detail", args=[form.pk]))
    url = reverse("admin:assessments_assessment_change", args=[form.pk])
    data = admin_post_data(client, url)
    data.update({"goal_expected": "想在后台改已审核的表"})
    assert client.post(url, data).status_code == 403
    assert client.post(reverse("admin:assessments_assessment_delete", args=[form.pk]), {"post": "yes"}).status_code == 403
    form.refresh_from_db()
    assert form.goal_expected != "想在后台改已审核的表" and form.status == "approved"

    # The administrator raises every grade threshold of the scheme above 100: no form can be 优 now.
    scheme = ScoringScheme.objects.get(pk=form.scheme_id)
    scheme_url = reverse("admin:assessments_scoringscheme_change", args=[scheme.pk])
    response = client.get(scheme_url)
    scheme_data = {k: ("" if v is None else v) for k, v in response.context["adminform"].form.initial.items()}
    import json
    for key in ("level1_weights", "components", "manual_level1"):
        scheme_data[key] = json.dumps(scheme_data[key] or [])
    scheme_data["print_outline"] = json.dumps(scheme_data.get("print_outline") or {})
    scheme_data["grade_scale"] = json.dumps([[200, "优"], [150, "良"], [120, "中"], [0, "差"]])
    assert client.post(scheme_url, scheme_data).status_code == 302
    form.refresh_from_db()
    assert (form.grade, form.total_score) == (grade, total)
    again = signed_in("czj_reviewer").get(reverse("assessment_detail", args=[form.pk]))
    assert again.context["evaluation"].grade == detail.context["evaluation"].grade == grade
    assert selectors.assessment_evaluation(assessment=form).grade == grade


def test_replies_never_land_on_an_approved_form_and_never_overwrite_an_earlier_one(demo):
    form = kunnan()
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.SUBMITTED)
    form.refresh_from_db()
    reviewer = User.objects.get(username="czj_reviewer")
    review_services.assessment_return(assessment=form, user=reviewer, comment="请核实人数")
    comment = Comment.objects.get(assessment=form)
    filler = signed_in("xinzhou")
    url = reverse("comment_reply", args=[form.pk, comment.pk])
    filler.post(url, {"reply": "第一次答复"})
    filler.post(url, {"reply": "第二次答复"})
    comment.refresh_from_db()
    assert "第一次答复" in comment.reply and "第二次答复" in comment.reply
    assert form.events.filter(type=Event.REPLIED).count() == 2

    approve(form)
    response = filler.post(url, {"reply": "审核通过后再答复"}, follow=True)
    assert "不能答复意见" in response.content.decode()
    comment.refresh_from_db()
    assert "审核通过后再答复" not in comment.reply


def test_two_report_sections_of_the_same_title_are_refused_and_neither_is_lost(demo):
    suzhou = Department.objects.get(name="苏州市总工会")
    form = Assessment.objects.get(department=suzhou, kind="department_self_assessment")
    sections = list(form.report_sections.values_list("title", "text"))
    assert len(sections) >= 2
    client = signed_in("suzhou")
    titles = [sections[0][0], sections[0][0]] + [t for t, _x in sections[2:]]
    texts = [sections[0][1], "第二节的正文"] + [x for _t, x in sections[2:]]
    response = client.post(reverse("assessment_step", args=[form.pk, "report"]),
                           {"title": titles, "text": texts, "action": "stay", "version": str(form.version)},
                           follow=True)
    page = response.content.decode()
    assert "与第 1 节标题相同" in page
    assert "第二节的正文" in page  # kept as typed
    form.refresh_from_db()
    assert list(form.report_sections.values_list("title", "text")) == sections  # nothing deleted


def test_a_save_that_loses_the_race_against_submission_keeps_what_was_typed(demo):
    form = kunnan()
    post = step_post(form, "goals", goal_expected="提交后才到的修改")
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.SUBMITTED)  # submitted meanwhile
    response = signed_in("xinzhou").post(
        reverse("assessment_step", args=[form.pk, "goals"]), post)
    page = response.content.decode()
    assert response.status_code == 409
    assert "不能修改" in page and "提交后才到的修改" in page
    form.refresh_from_db()
    assert form.goal_expected != "提交后才到的修改"


def test_every_kind_of_write_is_its_own_event(demo):
    form = kunnan()
    filler = User.objects.get(username="xinzhou")
    step = formsteps.step_by_key(form, "goals")
    entry_services.assessment_save_step(assessment=form, user=filler, step=step,
                                        data=wizard.read_step(step, {"goal_expected": "新目标"}))
    with pytest.raises(entry_services.NothingToCopy):
        entry_services.assessment_copy_previous_year(assessment=form, user=filler)
    types = set(form.events.values_list("type", flat=True))
    assert {Event.IMPORTED, Event.SAVED} <= types
    saved = form.events.filter(type=Event.SAVED).latest("pk")
    assert saved.user == filler and any(c["after"] == "新目标" for c in saved.data["changes"])
    # Base data: a department-level event with the printed labels of the fields.
    department = form.department
    fiscal_year = form.fiscal_year
    entry_services.base_data_upsert(department=department, fiscal_year=fiscal_year, values={"staff_quota": 50},
                                    user=filler)
    event = AssessmentEvent.objects.get(department=department, type=Event.BASE_SAVED, user=filler)
    assert event.data["changes"] == [{"path": "staff_quota", "label": "编制数", "before": 19, "after": 50}]
    reviewer = User.objects.get(username="czj_reviewer")
    with pytest.raises(errors.AccessDenied):
        entry_services.base_data_upsert(department=department, fiscal_year=fiscal_year, values={"staff_quota": 1},
                                        user=reviewer)


def test_the_timeline_names_each_change_by_step_row_and_column_as_printed(demo):
    form = kunnan()
    filler = User.objects.get(username="xinzhou")
    step = formsteps.step_by_key(form, "indicators")
    raw = wizard.saved_raw(form, selectors.assessment_document(assessment=form), step)
    raw["rows"][0]["actual"] = "61人"
    entry_services.assessment_save_step(assessment=form, user=filler, step=step,
                                        data=wizard.read_step(step, wizard.as_post(step, raw)))
    goals = formsteps.step_by_key(form, "goals")
    entry_services.assessment_save_step(assessment=form, user=filler, step=goals,
                                        data=wizard.read_step(goals, {"goal_expected": "新的预期目标"}))
    page = signed_in("xinzhou").get(reverse("assessment_detail", args=[form.pk])).content.decode()
    timeline = page.split("操作记录")[-1]
    assert "绩效指标第 1 行“实际完成值”" in timeline and "→ 61人" in timeline
    assert "年度总体目标“预期目标”" in timeline
    assert "indicators[" not in timeline and "goals.expected" not in timeline
