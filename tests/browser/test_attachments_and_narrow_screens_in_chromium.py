"""佐证材料 uploaded and downloaded in a real browser, and the reading pages at phone and laptop widths."""
import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, Attachment
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def overflow(page):
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_filer_uploads_evidence_and_the_reviewer_downloads_it(demo, live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    form = Assessment.objects.get(project__name="劳模慰问")
    first_row = form.indicators.order_by("order").first().name
    filler = sign_in(browser, base, "xinzhou")
    filler.goto(f"{base}/assessments/{form.pk}/")

    # A program renamed to .pdf is refused by its content, with the file named.
    filler.set_input_files("input[name=file]", files=[{"name": "验收单.pdf", "mimeType": "application/pdf",
                                                        "buffer": b"MZ\x90\x00" + b"\x00" * 200}])
    filler.click("form.upload button[type=submit]")
    expect(filler.locator(".error")).to_contain_text("“验收单.pdf”的内容不是可接受的文件类型")

    filler.set_input_files("input[name=file]", files=[{"name": "验收单.pdf", "mimeType": "application/pdf",
                                                        "buffer": PDF}])
    filler.select_option("select[name=row]", index=1)
    filler.click("form.upload button[type=submit]")
    expect(filler.locator(".success")).to_have_text("已上传“验收单.pdf”。")
    table = filler.locator("#attachments + .scroll table")
    expect(table).to_contain_text("验收单.pdf")
    expect(table).to_contain_text(f"绩效指标第 1 行“{first_row}”")
    assert Attachment.objects.get().row == 0

    reviewer = sign_in(browser, base, "czj_reviewer")
    reviewer.goto(f"{base}/assessments/{form.pk}/")
    expect(reviewer.locator("input[name=file]")).to_have_count(0)  # reviewers read, they do not upload
    row = reviewer.locator("table.list tr", has_text=first_row).first
    with reviewer.expect_download() as info:
        row.get_by_role("link", name="验收单.pdf").click()
    download = info.value
    assert download.suggested_filename == "验收单.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF
    expect(reviewer.locator(".timeline")).to_contain_text("上传佐证材料")


@pytest.mark.parametrize("width", [390, 1024])
def test_home_detail_and_desk_fit_the_window_and_the_navigation_never_breaks_a_word(demo, live_server, browser,
                                                                                    width):
    base = live_server.url
    form = Assessment.objects.get(project__name="省级困难职工及劳模帮扶救助专项资金")
    page = sign_in(browser, base, "czj_reviewer",
                   viewport={"width": width, "height": 844})
    for path in ("/", f"/assessments/{form.pk}/", "/review/"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        assert overflow(page) <= 0, (path, width, overflow(page))
        # Each navigation item stays on one line ("审核工作台", never "审核工/作台").
        for name in ("审核工作台", "批量导出"):
            link = page.locator("header nav").get_by_role("link", name=name)
            lines = link.evaluate("el => el.getClientRects().length")
            box = link.bounding_box()
            assert lines == 1 and box["height"] < 32, (path, name, lines, box)
    # The wide indicator table scrolls inside its own box, not the page.
    page.goto(f"{base}/assessments/{form.pk}/")
    boxed = page.locator(".scroll", has=page.locator("th", has_text="三级指标"))
    assert boxed.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    # The desk's charts are drawn by the app's own ECharts, beside their tables.
    page.goto(f"{base}/review/")
    expect(page.locator("#grade-chart-0 canvas")).to_have_count(1)
    expect(page.locator("#execution-chart canvas")).to_have_count(1)
    assert overflow(page) <= 0
