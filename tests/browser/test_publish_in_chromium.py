"""信息公开 and 汇总表 in a real browser: a reviewer publishes from the form's page, a visitor with
no account finds it by year and name and opens its PDF; the bureau builds the year's summary."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, Region
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name):
    """Refresh the README's screenshot when asked (UPDATE_SCREENSHOTS=1)."""
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_publish_then_a_visitor_finds_it_and_opens_the_pdf(demo, live_server, browser):
    base = live_server.url
    form = Assessment.objects.get(project__name="专项业务培训费", fiscal_year__year=2023)
    reviewer = sign_in(browser, base, "czj_reviewer")
    reviewer.goto(f"{base}/assessments/{form.pk}/")
    reviewer.click("text=在信息公开页面公开")
    expect(reviewer.locator(".success")).to_have_text("已在信息公开页面公开。")
    expect(reviewer.locator(".publication")).to_contain_text("已在信息公开页面公开")

    visitor = browser.new_context().new_page()  # no account, no cookies
    region = Region.objects.get(name="河北省石家庄市")
    visitor.goto(f"{base}/gongkai/")
    visitor.click("text=河北省石家庄市")
    expect(visitor.locator("h1")).to_have_text("河北省石家庄市预算绩效自评结果公开")
    rows = visitor.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    visitor.select_option("select[name=year]", "2023")
    visitor.fill("input[name=q]", "培训")
    visitor.click("text=查询")
    expect(rows.first).to_contain_text("专项业务培训费")
    shot(visitor, "public.png")
    visitor.fill("input[name=q]", "不存在")
    visitor.click("text=查询")
    expect(rows.first).to_contain_text("没有符合条件的公开自评表")
    pdf = visitor.request.get(f"{base}/gongkai/{region.pk}/{form.pk}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert visitor.context.cookies() == []


def test_the_bureau_builds_the_years_summary(demo, live_server, browser):
    base = live_server.url
    reviewer = sign_in(browser, base, "czj_reviewer")
    reviewer.click("text=汇总表")
    reviewer.select_option("select[name=year]", "2023")
    reviewer.click("text=生成")
    expect(reviewer.locator("h1")).to_have_text("2023年度项目支出绩效自评结果汇总表")
    expect(reviewer.locator("table.list").last.locator("tbody tr")).to_have_count(6)
    expect(reviewer.locator("table.list").last.locator("tfoot")).to_contain_text("542.33")
    shot(reviewer, "summary.png")
    with reviewer.expect_download() as download:
        reviewer.click("text=下载 Excel")
    assert download.value.suggested_filename == "summary-2023-project_self_assessment.xlsx"
