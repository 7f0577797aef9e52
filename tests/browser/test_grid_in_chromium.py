"""The entry grid behaves like the spreadsheet finance staff know, in real Chromium."""
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from assessments.entry import services as entry_services
from assessments.review import services as review_services
from assessments.models import Assessment, Department
from tests.browser.helpers import save_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Three indicator rows as Excel copies them: tab between cells, CRLF after each row.
BLOCK = ("产出指标\t数量指标\t帮扶人数\t≥50人\r\n"
         "产出指标\t质量指标\t发放对象符合要求\t100%\r\n"
         "效益指标\t社会效益指标\t\"职工\"\"满意\"\"程度\"\t满意\r\n")


def new_project_form(name):
    user = User.objects.get(username="xinzhou")
    return entry_services.assessment_create(
        user=user, kind="project_self_assessment", department=Department.objects.get(name="武汉市新洲区总工会"),
        year=2025, project_name=name)


def paste(page, selector, text):
    """Paste ``text`` into the element as Chromium does for a copy from Excel (clipboard data on the event)."""
    page.focus(selector)
    page.evaluate("""([selector, text]) => {
        const el = document.querySelector(selector);
        const data = new DataTransfer();
        data.setData("text/plain", text);
        el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""", [selector, text])


def data_rows(page):
    return page.locator("#rows tbody tr[data-row]")


def test_a_block_pasted_from_excel_fills_the_cells_from_the_focused_one_and_adds_rows(demo, live_server, browser):
    form = new_project_form("职工书屋建设")
    page = sign_in(browser, live_server.url, "xinzhou", viewport={"width": 1366, "height": 800})
    page.goto(f"{live_server.url}/assessments/{form.pk}/edit/indicators/")
    page.click("#add-row")
    paste(page, "#rows tbody tr[data-row] [name=level1]", BLOCK)

    expect(data_rows(page)).to_have_count(3)  # two rows added as needed
    third = data_rows(page).nth(2)
    expect(third.locator("[name=level2]")).to_have_value("社会效益指标")
    expect(third.locator("[name=name]")).to_have_value('职工"满意"程度')  # Excel's quoting undone
    expect(third.locator("[name=target]")).to_have_value("满意")
    expect(data_rows(page).nth(0).locator("[name=actual]")).to_have_value("")  # nothing past the block
    # The server answers which cells apply: 定性档次 only on the qualitative third row.
    expect(third.locator("td[data-col=band]")).to_be_visible()
    expect(data_rows(page).nth(0).locator("td[data-col=band] select")).to_be_hidden()
    expect(page.locator("#undo-text")).to_contain_text("已粘贴 3 行 × 4 列，新增 2 行")
    # A label copied from Excel chooses the list entry it names (one cell, with Excel's line break).
    paste(page, "#indicators-3-band select", "部分达成并具有一定效果\r\n")
    expect(third.locator("[name=band]")).to_have_value("partial")
    # Every cell keeps its name: row number and column label.
    expect(third.locator("[name=target]")).to_have_attribute("aria-label", "第 3 行 年度指标值")

    # 万元 in the amount headers of the budget step, and the page does not scroll sideways at 1,366 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    save_and_wait(page)
    assert list(Assessment.objects.get(pk=form.pk).indicators.values_list("name", flat=True)) == [
        "帮扶人数", "发放对象符合要求", '职工"满意"程度']
    page.goto(f"{live_server.url}/assessments/{form.pk}/edit/budget/")
    expect(page.locator("#rows thead")).to_contain_text("全年执行数（万元）")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_keyboard_only_entry_moves_between_cells_and_enter_never_submits(demo, live_server, browser):
    form = new_project_form("困难职工慰问")
    page = sign_in(browser, live_server.url, "xinzhou")
    url = f"{live_server.url}/assessments/{form.pk}/edit/indicators/"
    page.goto(url)
    page.click("#add-row")
    first = data_rows(page).nth(0)
    expect(first.locator("[name=level1]")).to_be_focused()
    for value in ("产出指标", "数量指标", "慰问人数", "≥100人", "105人", "30"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    # 分值 → 完成值来源: the qualitative-only cells of a quantitative row are not Tab stops.
    expect(first.locator("[name=source]")).to_be_focused()
    page.keyboard.type("台账")
    page.keyboard.press("Enter")  # moves down, adding a row; never submits the step
    assert page.url == url
    expect(data_rows(page)).to_have_count(2)
    second = data_rows(page).nth(1)
    expect(second.locator("[name=source]")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first.locator("[name=source]")).to_be_focused()
    page.keyboard.press("ArrowLeft")  # caret at the end of "台账": stays in the text
    expect(first.locator("[name=source]")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(first.locator("[name=weight]")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(second.locator("[name=weight]")).to_be_focused()
    page.keyboard.type("70")
    page.keyboard.press("ArrowLeft")  # the whole value is selected after a move, the caret is at its end
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(second.locator("[name=actual]")).to_be_focused()
    expect(page.locator('[data-figure="total"]')).not_to_have_text("—")  # live figures, from the server
    expect(first.locator('[data-out="score"]')).to_have_text("30.00")
    save_and_wait(page)
    saved = Assessment.objects.get(pk=form.pk).indicators.get(order=0)
    assert (saved.name, saved.actual_text, saved.source) == ("慰问人数", "105人", "台账")


def test_delete_a_row_and_undo(demo, live_server, browser):
    form = new_project_form("工会干部培训")
    page = sign_in(browser, live_server.url, "xinzhou")
    page.goto(f"{live_server.url}/assessments/{form.pk}/edit/indicators/")
    page.click("#add-row")
    paste(page, "#rows tbody tr[data-row] [name=level1]", BLOCK)
    expect(data_rows(page)).to_have_count(3)
    data_rows(page).nth(1).locator("button[data-op=delete]").click()
    expect(data_rows(page)).to_have_count(2)
    expect(page.locator("#undo-text")).to_contain_text("已删除第 2 行（发放对象符合要求）")
    expect(data_rows(page).nth(1).locator("th.rownum")).to_have_text("2")  # renumbered
    page.click("#undo")
    expect(data_rows(page)).to_have_count(3)
    expect(data_rows(page).nth(1).locator("[name=name]")).to_have_value("发放对象符合要求")
    expect(data_rows(page).nth(1).locator("[name=name]")).to_have_attribute("aria-label", "第 2 行 三级指标")
    # The keyboard does the same: Alt+Shift+↓ moves the row, Alt+Delete deletes it, Alt+Z undoes.
    data_rows(page).nth(0).locator("[name=name]").focus()
    page.keyboard.press("Alt+Shift+ArrowDown")
    expect(data_rows(page).nth(1).locator("[name=name]")).to_have_value("帮扶人数")
    page.keyboard.press("Alt+Delete")
    expect(data_rows(page)).to_have_count(2)
    page.keyboard.press("Alt+z")
    expect(data_rows(page)).to_have_count(3)
    save_and_wait(page)
    assert list(Assessment.objects.get(pk=form.pk).indicators.values_list("name", flat=True)) == [
        "发放对象符合要求", "帮扶人数", '职工"满意"程度']


def test_a_returned_form_opens_on_its_comments_and_the_commented_row(demo, live_server, browser):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    filler_user = User.objects.get(username="xinzhou")
    entry_services.assessment_submit(assessment=assessment, user=filler_user)
    review_services.assessment_return(assessment=Assessment.objects.get(pk=assessment.pk),
                                      user=User.objects.get(username="czj_reviewer"), comment="请核实人数",
                                      row_comments=[("indicators[1]", "请写明发放对象核查方式")])
    page = sign_in(browser, live_server.url, "xinzhou")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/edit/")
    panel = page.locator("#open-comments")
    expect(panel).to_contain_text("审核意见（2 条待处理）")
    expect(panel).to_contain_text("整张表：请核实人数")
    # The preview does not claim everything is fine while a comment is unanswered.
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/edit/preview/")
    expect(page.locator("#unanswered")).to_contain_text("请写明发放对象核查方式")
    expect(page.get_by_text("所有检查均已通过")).to_have_count(0)
    expect(page.locator("nav.steps")).to_contain_text("绩效指标 1 条意见")  # the step's badge

    page.locator("#open-comments").get_by_role("link", name="绩效指标第 2 行").click()
    row = page.locator("#indicators-2")
    expect(row).to_have_class(__import__("re").compile(r"\bcommented\b"))
    comment = page.locator('[data-comment-for="indicators-2"] .comment')
    expect(comment).to_contain_text("请写明发放对象核查方式")
    assert comment.bounding_box()["width"] > 400  # readable width, not squeezed into a column
    url = page.url
    page.locator("#rows [name=actual]").nth(1).fill("100%（已核查）")  # typed, not yet saved
    comment.locator("input[name=reply]").fill("已按花名册逐一核查")
    comment.get_by_role("button", name="答复").click()
    expect(comment.locator(".reply-text")).to_contain_text("已按花名册逐一核查")
    assert page.url == url
    expect(page.locator("#rows [name=actual]").nth(1)).to_have_value("100%（已核查）")  # nothing lost
    # ... and the typed value reaches the server too (autosave), before the test's database goes away.
    expect(page.locator("#autosave")).to_contain_text("已自动保存", timeout=15000)
    assert "已按花名册逐一核查" in assessment.comments.get(path="indicators[1]").reply


def test_report_paste_from_word_keeps_paragraphs_and_drops_hidden_characters(demo, live_server, browser):
    assessment = Assessment.objects.get(department__name="苏州市总工会", kind="department_self_assessment")
    page = sign_in(browser, live_server.url, "suzhou",
                   permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/edit/report/")
    text_area = page.locator("#rows [name=text]").first
    expect(text_area).to_be_visible()
    word = "第一段：全年完成\u200b任务。\u2029第二段：\ufeff存在问题\u00ad。\r\n第三段：改进措施。"
    text_area.fill("")
    text_area.focus()
    page.evaluate("text => navigator.clipboard.writeText(text)", word)
    page.keyboard.press("Control+V")
    expect(page.locator("#rows [data-out=words]").first).to_have_text("29")  # counted by the server
    save_and_wait(page)
    first_title = page.locator("#rows [name=title]").first.input_value()
    saved = {s.title: s.text for s in assessment.report_sections.all()}[first_title]
    assert saved == "第一段：全年完成任务。\n第二段：存在问题。\n第三段：改进措施。"
