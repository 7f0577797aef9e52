"""Drafts are never lost, in a real browser: autosave, replies with unsaved edits, an expired session."""
import re
import time

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from assessments.entry import services as entry_services
from assessments.review import services as review_services
from django.contrib.auth.models import User

from assessments.models import Assessment, AssessmentEvent, Membership
from tests.browser.helpers import fill_sign_in, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = re.compile(r"已自动保存 \d\d:\d\d:\d\d")


def open_signed_in(browser, base, path, username="xinzhou", password=None):
    page = sign_in(browser, base, username, password)
    page.goto(f"{base}{path}")
    return page


def kunnan():
    return Assessment.objects.get(project__name="劳模慰问")


def test_typed_text_survives_closing_the_tab_without_pressing_anything(demo, live_server, browser):
    assessment = kunnan()
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    page.fill("textarea[name=goal_expected]", "保障劳模慰问资金及时足额发放")
    expect(page.locator("#autosave")).to_have_text(SAVED)
    page.context.close()  # no button pressed, nothing else done

    # A new browser context: no cookies, no local storage — what appears comes from the server.
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/")
    expect(page.locator("h2")).to_have_text("年度总体目标")
    expect(page.locator("textarea[name=goal_expected]")).to_have_value("保障劳模慰问资金及时足额发放")
    event = kunnan().events.select_related("user").latest("pk")
    assert event.type == AssessmentEvent.Type.AUTOSAVED and event.user.username == "xinzhou"


def test_the_last_second_is_sent_when_the_tab_closes_before_the_autosave(demo, live_server, browser):
    assessment = kunnan()
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    page.fill("textarea[name=goal_achieved]", "已全部发放")
    page.close()  # within the second: the page sends what is pending as it goes
    for _attempt in range(50):  # the beacon reaches the server after the page is gone
        time.sleep(0.1)
        if kunnan().goal_achieved == "已全部发放":
            break
    assert kunnan().goal_achieved == "已全部发放"


def test_replying_to_a_comment_with_unsaved_edits_loses_nothing(demo, live_server, browser):
    assessment = kunnan()
    filler, reviewer = User.objects.get(username="xinzhou"), User.objects.get(username="czj_reviewer")
    entry_services.assessment_submit(assessment=assessment, user=filler)
    review_services.assessment_return(assessment=assessment, user=reviewer, comment="请补充年度总体目标")
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    page.fill("textarea[name=goal_expected]", "按时慰问全部劳模")
    # Straight to the reply, inside the second before the autosave would have run.
    page.fill("input[name=reply]", "已补充")
    page.locator(".comments").get_by_role("button", name="答复").click()
    expect(page.locator(".comments")).to_contain_text("已补充")
    expect(page.locator("textarea[name=goal_expected]")).to_have_value("按时慰问全部劳模")
    expect(page.locator("#autosave")).to_have_text(SAVED)
    page.reload()  # what the server holds
    expect(page.locator("textarea[name=goal_expected]")).to_have_value("按时慰问全部劳模")
    assert kunnan().goal_expected == "按时慰问全部劳模"
    assert "已补充" in kunnan().comments.get().reply


def test_after_the_session_expired_typing_then_saving_then_signing_in_loses_nothing(demo, live_server, browser):
    assessment = kunnan()
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    Session.objects.all().delete()  # the session expired while the page was open
    page.fill("textarea[name=goal_expected]", "会话过期后填写的目标")
    expect(page.locator("#autosave")).to_contain_text("登录已过期")
    page.click("button[value=stay]")  # 保存: the sign-in page, with what was typed kept
    expect(page.locator("h1")).to_have_text("登录")
    expect(page.locator("main")).to_contain_text("您刚才填写的内容已保留")
    fill_sign_in(page)
    expect(page.locator("h2")).to_have_text("年度总体目标")
    expect(page.locator("main")).to_contain_text("已在重新登录后保存")
    expect(page.locator("textarea[name=goal_expected]")).to_have_value("会话过期后填写的目标")
    assert kunnan().goal_expected == "会话过期后填写的目标"


def test_after_the_session_expired_signing_in_in_a_new_tab_saves_the_page_in_place(demo, live_server, browser):
    assessment = kunnan()
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    warnings = []
    page.on("dialog", lambda dialog: (warnings.append(dialog.type), dialog.accept()))
    Session.objects.all().delete()
    page.fill("textarea[name=goal_expected]", "在原页面保存")
    status = page.locator("#autosave")
    expect(status).to_contain_text("登录已过期")
    with page.expect_popup() as popup:
        status.get_by_role("button", name="重新登录").click()
    fill_sign_in(popup.value)
    expect(status).to_have_text(SAVED)  # the sign-in tab told the page, which saved at once
    assert kunnan().goal_expected == "在原页面保存"
    # Saved: leaving raises no warning.
    page.reload()
    assert warnings == []
    expect(page.locator("textarea[name=goal_expected]")).to_have_value("在原页面保存")


def test_values_left_in_the_browser_by_a_failed_save_come_back_and_are_saved(demo, live_server, browser):
    assessment = kunnan()
    page = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    warnings = []
    page.on("dialog", lambda dialog: (warnings.append(dialog.type), dialog.accept()))
    Session.objects.all().delete()
    page.fill("textarea[name=goal_achieved]", "只在本机的内容")
    expect(page.locator("#autosave")).to_contain_text("登录已过期")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/edit/goals/")  # e.g. the browser restarted
    assert warnings == ["beforeunload"]  # a failed save warns on leaving
    fill_sign_in(page)
    expect(page.locator("textarea[name=goal_achieved]")).to_have_value("只在本机的内容")
    expect(page.locator("#autosave")).to_have_text(SAVED)
    assert kunnan().goal_achieved == "只在本机的内容"


def test_an_autosave_after_someone_else_saved_says_so_and_overwrites_nothing(demo, live_server, browser):
    assessment = kunnan()
    colleague = User.objects.create_user("xinzhou2", password="colleague-pass-1", first_name="新洲同事")
    Membership.objects.create(user=colleague, department=assessment.department, role=Membership.Role.FILLER)
    first = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/",
                           "xinzhou2", "colleague-pass-1")
    second = open_signed_in(browser, live_server.url, f"/assessments/{assessment.pk}/edit/goals/")
    first.fill("textarea[name=goal_expected]", "第一个页面的内容")
    expect(first.locator("#autosave")).to_have_text(SAVED)
    second.fill("textarea[name=goal_expected]", "第二个页面的内容")
    status = second.locator("#autosave")
    expect(status).to_contain_text("未能保存：此表已被新洲同事修改")
    expect(status).to_contain_text("您的保存未写入")
    assert kunnan().goal_expected == "第一个页面的内容"
    # Autosave stops there; the 保存 button shows the other person's changes beside what was typed.
    second.click("button[value=stay]")
    expect(second.locator("#conflict")).to_contain_text("第一个页面的内容")
    expect(second.locator("textarea[name=goal_expected]")).to_have_value("第二个页面的内容")
    assert kunnan().goal_expected == "第一个页面的内容"
