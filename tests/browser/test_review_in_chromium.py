"""The review cycle in a real browser: two people, two browser contexts."""
import pytest
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submit_return_on_a_row_fix_resubmit_see_the_difference_and_approve(demo, live_server, browser):
    base = live_server.url
    assessment = Assessment.objects.get(project__name="劳模慰问")
    filler = sign_in(browser, base, "xinzhou")
    filler.goto(f"{base}/assessments/{assessment.pk}/edit/preview/")
    filler.click("button[value=submit]")
    expect(filler.locator(".success")).to_have_text("已提交。")

    reviewer = sign_in(browser, base, "czj_reviewer")
    reviewer.click("text=审核工作台")
    reviewer.locator("#waiting").get_by_role("link", name="劳模慰问", exact=False).click()
    reviewer.fill('textarea[name="comment:indicators[0]"]', "慰问人数请按实际填写")
    reviewer.click("text=退回修改")
    expect(reviewer.locator(".success")).to_have_text("已退回修改。")

    filler.goto(f"{base}/assessments/{assessment.pk}/edit/indicators/")
    expect(filler.locator('[data-comment-for="indicators-1"] .comment')).to_contain_text("慰问人数请按实际填写")
    first = filler.locator("#rows tbody tr").first
    first.locator("[name=actual]").fill("105人")
    first.locator("[name=reason]").fill("实际慰问 105 人")
    filler.click("text=保存并下一步")
    filler.goto(f"{base}/assessments/{assessment.pk}/edit/preview/")
    filler.click("button[value=submit]")

    reviewer.goto(f"{base}/assessments/{assessment.pk}/")
    # The change is marked inside the text: the old figure struck out, the new one inserted.
    actual = reviewer.locator("#changes li").first  # 实际完成值 of row 1, then its reason
    expect(actual.locator("del")).to_have_text("100")
    expect(actual.locator("ins")).to_have_text("105")
    expect(reviewer.locator("#changes li").nth(1).locator("ins")).to_have_text("实际慰问 105 人")
    reviewer.click("text=审核通过")
    expect(reviewer.locator(".success")).to_have_text("已审核通过。")

    # The approved form cannot be changed: no edit link, and the URL sends the filler back.
    filler.goto(f"{base}/")
    expect(filler.locator("tr", has_text="劳模慰问").get_by_role("link", name="填报", exact=True)).to_have_count(0)
    filler.goto(f"{base}/assessments/{assessment.pk}/edit/goals/")
    filler.fill("textarea[name=goal_expected]", "审核后再改")
    filler.click("text=保存并下一步")
    expect(filler.locator(".error")).to_contain_text("不能修改")
    assessment.refresh_from_db()
    assert (assessment.status, assessment.goal_expected) == ("approved", "")
    expect(reviewer.locator(".timeline")).to_contain_text("审核通过")
