"""A new 填报人 builds the 新洲 困难职工帮扶 table in a real browser, leaves, and comes back."""

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.browser.helpers import save_and_wait, sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_row(row, values):
    for name, value in values.items():
        row.locator(f"[name={name}]").fill(value)


def test_build_the_xinzhou_table_leave_and_continue(demo, live_server, browser):
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    sign_in_page(page, base, "xinzhou")
    page.click("text=新建自评表")
    page.select_option("select[name=kind]", "project_self_assessment")
    page.fill("input[name=year]", "2024")
    page.fill("input[name=project_name]", "困难职工帮扶")
    page.click("text=新建并开始填报")
    expect(page.locator("h2")).to_have_text("基本信息")
    page.select_option("select[name=category]", "部门预算项目")
    page.click("text=保存并下一步")

    expect(page.locator("h2")).to_have_text("项目资金")
    total = page.locator("#rows tbody tr").first
    fill_row(total, {"initial": "10", "adjusted": "10", "executed": "10"})
    expect(total.locator('[data-out="rate"]')).to_have_text("100.00%")  # live, from the server
    page.click("text=保存并下一步")
    page.click("text=保存并下一步")  # 年度总体目标

    expect(page.locator("h2")).to_have_text("绩效指标")
    rows = [
        {"level1": "产出指标", "level2": "数量指标", "name": "每年困难职工帮扶人数", "target": "≥50人", "actual": "≥50人", "weight": "20"},
        {"level1": "产出指标", "level2": "质量指标", "name": "被发放对象符合要求", "target": "100%", "actual": "100%", "weight": "20"},
    ]
    for values in rows:
        page.click("#add-row")
        fill_row(page.locator("#rows tbody tr").last, values)
    expect(page.locator("#total")).to_have_text("60.00")

    # The browser is closed in the middle of the indicator table: the rows are saved only by
    # leaving the step, so save first as a user would, then walk away.
    save_and_wait(page)
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in_page(page, base, "xinzhou")
    row = page.locator("tr", has_text="困难职工帮扶").filter(has_text="2024")
    row.get_by_role("link", name="填报", exact=True).click()
    expect(page.locator("h2")).to_have_text("绩效指标")
    expect(page.locator("#rows tbody tr")).to_have_count(2)
    page.click("#add-row")
    fill_row(page.locator("#rows tbody tr").last, {
        "level1": "效益指标", "level2": "服务对象满意度指标", "name": "被帮扶对象满意度", "target": "满意", "actual": "满意", "weight": "40"})
    expect(page.locator("#total")).to_have_text("100.00")
    expect(page.locator('[data-figure="grade"]')).to_have_text("优")
    page.click("text=保存并下一步")
    page.fill("textarea[name=deviation_reasons]", "无")
    page.click("text=保存并下一步")
    expect(page.locator("text=所有检查均已通过")).to_be_visible()
    page.click("button[value=submit]")
    expect(page.locator("h1")).to_contain_text("困难职工帮扶")
    assessment = Assessment.objects.get(project__name="困难职工帮扶", fiscal_year__year=2024)
    assert (assessment.status, str(assessment.total_score)) == ("submitted", "100.00")

    foreign = Assessment.objects.get(project__name="专项业务培训费")
    response = page.goto(f"{base}/assessments/{foreign.pk}/edit/")
    assert response.status == 404
    context.close()
