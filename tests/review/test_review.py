"""Review and approval: submit, return with a row comment, fix, resubmit, see the diff, approve."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from assessments.entry import services as entry_services
from assessments.core import errors
from assessments.review import services as review_services
from assessments.core import formsteps
from assessments.entry import wizard
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Comment,
    Department,
    ReviewLevel,
)
from tests.helpers import signed_in  # noqa: E402

pytestmark = pytest.mark.django_db






def kunnan():
    return Assessment.objects.get(project__name="困难职工帮扶")


def submit(client, assessment):
    client.post(reverse("assessment_step", args=[assessment.pk, "preview"]), {"action": "submit"})
    assessment.refresh_from_db()
    assert assessment.status == "submitted"


def test_return_with_a_row_comment_fix_resubmit_see_the_difference_and_approve(demo):
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    assessment = kunnan()
    submit(filler, assessment)
    assert "困难职工帮扶" in reviewer.get(reverse("review_desk")).content.decode().split('id="waiting"')[1]

    detail = reverse("assessment_detail", args=[assessment.pk])
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "return"]), {
        "comment": "请核实人数", "comment:indicators[0]": "帮扶人数请写实际人数"})
    assessment.refresh_from_db()
    assert assessment.status == "returned"
    assert list(Comment.objects.values_list("path", "text")) == [("", "请核实人数"), ("indicators[0]", "帮扶人数请写实际人数")]

    page = filler.get(reverse("assessment_step", args=[assessment.pk, "indicators"])).content.decode()
    # Beside the row, in a full-width line under it, naming the row in people's words.
    row_comment = page.split('data-comment-for="indicators-1"')[1].split("</tr>")[0]
    assert "帮扶人数请写实际人数" in row_comment and "绩效指标第 1 行" in row_comment
    step = formsteps.step_by_key(assessment, "indicators")
    post = {c.name: [] for c in step.columns}
    for row in assessment.indicators.all():
        values = {"level1": row.level1, "level2": row.level2, "name": row.name, "target": row.target_text,
                  "actual": "62人" if row.order == 0 else row.actual_text, "weight": str(row.weight),
                  "band": row.band, "share": "" if row.share is None else str(row.share),
                  "reason": "实际帮扶人数多于计划" if row.order == 0 else ""}
        for c in step.columns:
            post[c.name].append(values.get(c.name, ""))
    filler.post(reverse("assessment_step", args=[assessment.pk, "indicators"]), {**post, "action": "next"})
    comment = Comment.objects.get(path="indicators[0]")
    filler.post(reverse("comment_reply", args=[assessment.pk, comment.pk]), {"reply": "已改为实际 62 人"})
    submit(filler, assessment)

    page = reviewer.get(detail).content.decode()
    changes = page.split('id="changes"')[1].split("</section>")[0]
    # Named as printed, with the changed characters marked inside the text.
    assert "绩效指标第 1 行“实际完成值”" in changes and "<del>≥50</del><ins>62</ins>人" in changes
    assert "indicators[0]" not in changes
    assert "已改为实际 62 人" in page
    reviewer.post(reverse("comment_resolve", args=[assessment.pk, comment.pk]))
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "approve"]))
    assessment.refresh_from_db()
    assert assessment.status == "approved"
    assert Comment.objects.get(pk=comment.pk).resolved_by.username == "czj_reviewer"

    # An approved form cannot be changed, by page or by URL.
    before = assessment.version
    filler.post(reverse("assessment_step", args=[assessment.pk, "goals"]), {"goal_expected": "改", "action": "next"})
    goals = formsteps.step_by_key(assessment, "goals")
    with pytest.raises(errors.AssessmentLocked):
        entry_services.assessment_save_step(assessment=assessment, user=None, step=goals,
                                            data=wizard.read_step(goals, {"goal_expected": "x"}))
    assessment.refresh_from_db()
    assert assessment.version == before

    timeline = [e.type for e in assessment.events.all()]
    for expected in ("imported", "submitted", "returned", "saved", "approved"):
        assert expected in timeline
    page = reviewer.get(detail).content.decode()
    assert "≥50人 → 62人" in page  # the field change is in the timeline, with who and when


def test_reopening_an_approved_form_needs_a_reason_and_starts_a_new_revision(demo):
    filler = signed_in("xinzhou")
    reviewer_user = User.objects.get(username="czj_reviewer")
    assessment = kunnan()
    submit(filler, assessment)
    review_services.assessment_approve(assessment=assessment, user=reviewer_user)
    with pytest.raises(errors.IllegalTransition):
        review_services.assessment_reopen(assessment=assessment, user=reviewer_user, reason=" ")
    review_services.assessment_reopen(assessment=assessment, user=reviewer_user, reason="数据有误")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.revision) == ("returned", 2)
    approved = assessment.events.get(type=AssessmentEvent.Type.APPROVED)
    assert approved.data["snapshot"]["indicators"][0]["actual"] == "≥50人"  # the approved revision stays readable


def test_illegal_transitions_raise(demo):
    reviewer = User.objects.get(username="czj_reviewer")
    assessment = kunnan()
    with pytest.raises(errors.IllegalTransition):
        review_services.assessment_approve(assessment=assessment, user=reviewer)  # still a draft
    with pytest.raises(errors.IllegalTransition):
        review_services.assessment_reopen(assessment=assessment, user=reviewer, reason="x")


def test_a_chain_of_levels_is_approved_level_by_level_by_its_own_reviewers(demo):
    department = Department.objects.get(name="武汉市新洲区总工会")
    first = User.objects.create_user("zhuguan", password="chain-pass-1")
    last = User.objects.get(username="czj_reviewer")
    ReviewLevel.objects.create(department=department, order=0, name="主管部门").reviewers.add(first)
    ReviewLevel.objects.create(department=department, order=1, name="财政局").reviewers.add(last)
    assessment = kunnan()
    submit(signed_in("xinzhou"), assessment)
    with pytest.raises(errors.NotAReviewer):
        review_services.assessment_approve(assessment=assessment, user=last)
    review_services.assessment_approve(assessment=assessment, user=first)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.review_level) == ("submitted", 1)
    with pytest.raises(errors.NotAReviewer):
        review_services.assessment_approve(assessment=assessment, user=first)
    review_services.assessment_approve(assessment=assessment, user=last)
    assessment.refresh_from_db()
    assert assessment.status == "approved"


def test_two_people_editing_at_once_the_later_save_is_refused_and_shows_the_other_change(demo):
    department = Department.objects.get(name="武汉市新洲区总工会")
    colleague = User.objects.create_user("xinzhou2", password="colleague-pass-1", first_name="同事")
    colleague.memberships.create(department=department, role="filler")
    assessment = kunnan()
    url = reverse("assessment_step", args=[assessment.pk, "goals"])
    one, two = signed_in("xinzhou"), signed_in("xinzhou2", "colleague-pass-1")
    version = str(Assessment.objects.get(pk=assessment.pk).version)  # both open the form now
    one.post(url, {"goal_expected": "甲写的目标", "goal_achieved": "", "version": version, "action": "stay"})
    response = two.post(url, {"goal_expected": "乙写的目标", "goal_achieved": "", "version": version, "action": "stay"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "年度总体目标“预期目标”" in page and "甲写的目标" in page  # what the other changed
    assert "乙写的目标" in page  # and what this user typed is still in the form
    assessment.refresh_from_db()
    assert assessment.goal_expected == "甲写的目标"


URLS = [
    ("get", "assessment_detail", {}), ("get", "assessment_export_json", {}), ("get", "assessment_print_preview", {}),
    ("get", "assessment_download", {"fmt": "pdf"}), ("get", "assessment_edit", {}),
    ("get", "assessment_step", {"step": "goals"}), ("post", "assessment_step", {"step": "goals"}),
    ("post", "assessment_live", {"step": "indicators"}), ("post", "assessment_reuse", {"action": "copy_previous_year"}),
    ("post", "assessment_review", {"action": "approve"}), ("post", "assessment_review", {"action": "return"}),
]


@pytest.mark.parametrize("method,name,kwargs", URLS, ids=[f"{m} {n} {k}" for m, n, k in URLS])
@pytest.mark.parametrize("who", ["filler", "reviewer", "admin"])
def test_permission_matrix_on_another_departments_form(demo, method, name, kwargs, who):
    """Every URL × every role × a form of a department outside the user's scope → 404."""
    logins = {"filler": ("suzhou", "demo-suzhou-2024"), "reviewer": ("jiangmen_reviewer", "demo-review-jm-2024")}
    foreign = kunnan()
    before = (foreign.status, foreign.version, foreign.goal_expected)
    if who == "admin":
        # An administrator sees everything: the matrix checks they get the page, not a 404.
        client = signed_in("admin")
    else:
        client = signed_in(*logins[who])
    response = getattr(client, method)(reverse(name, kwargs={"pk": foreign.pk, **kwargs}), {"goal_expected": "x"}
                                       if method == "post" else None)
    if who == "admin":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert (foreign.status, foreign.version, foreign.goal_expected) == before


def test_notifications_show_a_return_to_the_filler_and_a_submission_to_the_reviewer(demo):
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    assessment = kunnan()
    submit(filler, assessment)
    page = reviewer.get(reverse("notifications")).content.decode()
    assert "困难职工帮扶" in page and "提交" in page and "通知（1）" in page
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "return"]), {"comment": "请补充说明"})
    page = filler.get(reverse("notifications")).content.decode()
    assert "退回修改" in page and "请补充说明" in page and "通知（1）" in page
    assert "通知（" not in reviewer.get(reverse("notifications")).content.decode()


def test_section_comments_reach_the_step_and_the_approved_revision_stays_readable(demo):
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    assessment = kunnan()
    submit(filler, assessment)
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "return"]),
                  {"comment:step:budget": "请补全当年财政拨款行"})
    page = filler.get(reverse("assessment_step", args=[assessment.pk, "budget"])).content.decode()
    assert "请补全当年财政拨款行" in page
    # Every step lists the open comments so the filer cannot miss them; each links to its own step.
    goals = filler.get(reverse("assessment_step", args=[assessment.pk, "goals"])).content.decode()
    panel = goals.split('id="open-comments"')[1].split("</section>")[0]
    budget_url = reverse("assessment_step", args=[assessment.pk, "budget"])
    assert f'<a href="{budget_url}#step-content">项目资金</a>：请补全当年财政拨款行' in panel
    submit(filler, assessment)
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "approve"]))
    reviewer_user = User.objects.get(username="czj_reviewer")
    review_services.assessment_reopen(assessment=assessment, user=reviewer_user, reason="重新核对")
    event = assessment.events.get(type=AssessmentEvent.Type.APPROVED)
    page = reviewer.get(reverse("assessment_revision", args=[assessment.pk, event.pk])).content.decode()
    assert "审核通过时的版本" in page and "100.00" in page and "每年困难职工帮扶人数" in page
    other = signed_in("suzhou")
    assert other.get(reverse("assessment_revision", args=[assessment.pk, event.pk])).status_code == 404


def test_the_desk_shows_the_distribution_of_totals(demo):
    # Each scheme on its own scale (no fixed 90/80/60 bands): every published total is in the top
    # grade — 石家庄's seven forms 优秀 (≥ 85), 新洲's three projects 优 (≥ 90) and its department 优.
    page = signed_in("czj_reviewer").get(reverse("review_desk")).content.decode()
    shijiazhuang = page.split('data-scheme="hebei-shijiazhuang"')[1].split("</table>")[0]
    assert '<td>优秀</td><td>≥ 85</td><td class="num">7</td>' in shijiazhuang
    hubei = page.split('data-scheme="hubei-project"')[1].split("</table>")[0]
    assert '<td>优</td><td>≥ 90</td><td class="num">3</td>' in hubei
