"""Autosave and saves posted after the session expired: nothing typed is lost, nothing locked changes."""
import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from assessments.entry import services as entry_services
from assessments.review import services as review_services
from assessments.models import Assessment, AssessmentEvent
from tests.helpers import signed_in
from tests.entry.test_wizard import KUNNAN_ROWS, budget_post, indicator_post, new_project, step_url

pytestmark = pytest.mark.django_db

Event = AssessmentEvent.Type


def autosave_url(assessment, step):
    return reverse("assessment_autosave", args=[assessment.pk, step])


def current_version(assessment):
    return Assessment.objects.get(pk=assessment.pk).version


def test_an_autosave_is_saved_through_the_step_service_as_autosaved_with_its_field_changes(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    version = current_version(assessment)
    response = client.post(autosave_url(assessment, "goals"),
                           {"goal_expected": "帮扶困难职工", "goal_achieved": "", "version": version})
    assert response.status_code == 200
    answer = response.json()
    assert answer["saved"] is True and answer["version"] == version + 1 and answer["at"].count(":") == 2
    assessment.refresh_from_db()
    assert assessment.goal_expected == "帮扶困难职工"
    event = assessment.events.latest("pk")
    assert event.type == Event.AUTOSAVED and event.user.username == "xinzhou"
    assert "年度总体目标" in event.comment
    assert any(c["after"] == "帮扶困难职工" for c in event.data["changes"])


def test_consecutive_autosaves_of_one_user_on_one_step_are_one_timeline_entry(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    before = assessment.events.count()
    for text in ("帮", "帮扶", "帮扶困难职工"):
        answer = client.post(autosave_url(assessment, "goals"),
                             {"goal_expected": text, "version": current_version(assessment)}).json()
        assert answer["saved"]
    events = list(assessment.events.filter(type=Event.AUTOSAVED))
    assert assessment.events.count() == before + 1 and len(events) == 1
    changes = [c for c in events[0].data["changes"] if c["after"] == "帮扶困难职工"]
    assert changes and changes[0]["before"] in ("", None)  # first "before", latest "after"
    assert events[0].data["version"] == current_version(assessment)
    assert "连续 3 次" in events[0].comment
    # A normal save in between starts a new entry: nothing is folded into another kind of write.
    client.post(step_url(assessment, "goals"), {"goal_expected": "帮扶困难职工", "goal_achieved": "已完成",
                                                "action": "stay", "version": current_version(assessment)})
    client.post(autosave_url(assessment, "goals"), {"goal_expected": "帮扶困难职工（改）",
                                                    "version": current_version(assessment)})
    assert assessment.events.filter(type=Event.AUTOSAVED).count() == 2


def test_text_in_an_amount_is_kept_verbatim_and_the_autosave_still_says_saved(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    data = budget_post([("total", "10", "十万", "10")])
    data.pop("action")
    data["version"] = current_version(assessment)
    answer = client.post(autosave_url(assessment, "budget"), data).json()
    assert answer["saved"] is True and any("不是数字" in m for m in answer["unreadable"])
    assessment.refresh_from_db()
    assert assessment.draft_inputs["budget"]["rows"][0]["adjusted"] == "十万"
    assert 'value="十万"' in client.get(step_url(assessment, "budget")).content.decode()


def test_an_autosave_after_someone_else_saved_is_refused_in_chinese_and_overwrites_nothing(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    stale = current_version(assessment)
    client.post(step_url(assessment, "goals"), {"goal_expected": "别人的内容", "action": "stay", "version": stale})
    response = client.post(autosave_url(assessment, "goals"), {"goal_expected": "我的内容", "version": stale})
    assert response.status_code == 409
    assert "修改" in response.json()["message"] and "未写入" in response.json()["message"]
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == "别人的内容"


def test_an_autosave_of_a_foreign_form_is_404(demo):
    foreign = Assessment.objects.filter(department__name="苏州市总工会").first()
    client = signed_in("xinzhou")
    response = client.post(autosave_url(foreign, "indicators"), {"version": foreign.version})
    assert response.status_code == 404
    assert not foreign.events.filter(type=Event.AUTOSAVED).exists()


def test_an_autosave_of_a_submitted_form_is_refused_in_chinese_and_writes_nothing(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    client.post(step_url(assessment, "basic"), {"category": "部门预算项目", "action": "stay"})
    client.post(step_url(assessment, "budget"), budget_post([("total", "10", "10", "10")], action="stay"))
    client.post(step_url(assessment, "indicators"), indicator_post(KUNNAN_ROWS, action="stay"))
    client.post(step_url(assessment, "analysis"), {"deviation_reasons": "无", "improvements": "无", "action": "stay"})
    client.post(step_url(assessment, "preview"), {"action": "submit"})
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    events = assessment.events.count()
    response = client.post(autosave_url(assessment, "goals"),
                           {"goal_expected": "提交后又改", "version": assessment.version})
    assert response.status_code == 409 and "已提交" in response.json()["message"]
    after = Assessment.objects.get(pk=assessment.pk)
    assert after.goal_expected != "提交后又改" and after.version == assessment.version
    assert assessment.events.count() == events


def test_an_autosave_of_an_approved_form_is_refused_and_writes_nothing(demo):
    approved = Assessment.objects.filter(status=Assessment.Status.APPROVED,
                                         department__name="石家庄市总工会").first()
    client = signed_in("shijiazhuang")
    events = approved.events.count()
    response = client.post(autosave_url(approved, "analysis"), {"deviation_reasons": "改", "version": approved.version})
    assert response.status_code == 409 and "已审核" in response.json()["message"]
    assert Assessment.objects.get(pk=approved.pk).version == approved.version
    assert approved.events.count() == events


def test_a_signed_out_autosave_answers_401_json_not_a_redirect(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    Session.objects.all().delete()  # the session expired
    response = client.post(autosave_url(assessment, "goals"), {"goal_expected": "x", "version": 1})
    assert response.status_code == 401 and response.json()["message"] == "登录已过期"
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == ""


def test_a_step_posted_after_the_session_expired_is_saved_after_signing_in_again(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    version = current_version(assessment)
    Session.objects.all().delete()  # the session expired while the filer was typing
    response = client.post(step_url(assessment, "goals"), {"goal_expected": "帮扶困难职工", "goal_achieved": "已完成",
                                                           "action": "next", "version": version})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == ""
    page = client.get(response["Location"]).content.decode()
    assert "您刚才填写的内容已保留" in page
    response = client.post(response["Location"], {"username": "xinzhou", "password": "demo-xinzhou-2024"})
    assert response["Location"] == step_url(assessment, "goals")
    assessment.refresh_from_db()
    assert (assessment.goal_expected, assessment.goal_achieved) == ("帮扶困难职工", "已完成")
    event = assessment.events.latest("pk")
    assert event.type == Event.SAVED and event.user.username == "xinzhou"
    page = client.get(response["Location"]).content.decode()
    assert "会话已过期，您刚才填写的“年度总体目标”已在重新登录后保存" in page and "帮扶困难职工" in page


def test_a_step_kept_at_expiry_is_never_saved_into_a_form_the_next_user_may_not_fill(demo):
    xinzhou = signed_in("xinzhou")
    assessment = new_project(xinzhou)
    anonymous = Client()
    anonymous.post(step_url(assessment, "goals"), {"goal_expected": "陌生人", "action": "stay"})
    anonymous.post(reverse("login"), {"username": "suzhou", "password": "demo-suzhou-2024"})
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == ""
    assert not assessment.events.filter(user__username="suzhou").exists()


def test_a_step_kept_at_expiry_that_meets_a_later_save_shows_both_and_overwrites_nothing(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    stale = current_version(assessment)
    Session.objects.all().delete()
    response = client.post(step_url(assessment, "goals"), {"goal_expected": "我的内容", "action": "stay",
                                                           "version": stale})
    other = signed_in("xinzhou")
    other.post(step_url(assessment, "goals"), {"goal_expected": "后来的内容", "action": "stay", "version": stale})
    response = client.post(response["Location"], {"username": "xinzhou", "password": "demo-xinzhou-2024"})
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == "后来的内容"
    page = client.get(response["Location"])
    assert page.status_code == 409
    assert "我的内容" in page.content.decode() and "未写入" in page.content.decode()


def test_an_autosave_without_the_version_it_was_typed_on_is_refused(demo):
    client = signed_in("xinzhou")
    assessment = new_project(client)
    response = client.post(autosave_url(assessment, "goals"), {"goal_expected": "x"})
    assert response.status_code == 400 and "版本" in response.json()["message"]
    assert Assessment.objects.get(pk=assessment.pk).goal_expected == ""


def test_a_reply_sent_in_place_after_the_session_expired_is_401_json_not_the_sign_in_page(demo):
    assessment = Assessment.objects.get(project__name="劳模慰问")
    entry_services.assessment_submit(assessment=assessment, user=User.objects.get(username="xinzhou"))
    review_services.assessment_return(assessment=assessment, user=User.objects.get(username="czj_reviewer"), comment="请补充")
    comment = assessment.comments.get()
    client = signed_in("xinzhou")
    Session.objects.all().delete()
    url = reverse("comment_reply", args=[assessment.pk, comment.pk])
    response = client.post(url, {"reply": "已补充"}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 401 and "登录已过期" in response.json()["error"]
    assert client.post(url, {"reply": "已补充"})["Location"].startswith(reverse("login"))  # a plain form: sign in
    comment.refresh_from_db()
    assert comment.reply == ""
