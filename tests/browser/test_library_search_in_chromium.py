"""The indicator library can be searched while filling the indicator step."""
import pytest
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_in_the_library_search_narrows_the_list_and_picking_adds_the_row(demo, live_server, browser):
    base = live_server.url
    department_form = Assessment.objects.get(department__name="苏州市总工会")
    page = sign_in(browser, base, "suzhou")
    page.goto(f"{base}/assessments/{department_form.pk}/edit/indicators/")
    rows_before = page.locator("#rows tbody tr").count()
    total = page.locator("#library option:not([hidden])").count()
    page.fill("#library-filter", "满意度")
    shown = page.locator("#library option:not([hidden])")
    expect(shown).not_to_have_count(total)
    texts = [t for t in shown.all_text_contents()[1:]]
    assert texts and all("满意度" in t for t in texts)
    expect(page.locator("#library option").first).to_contain_text(f"（{len(texts)} 项）")
    page.select_option("#library", label=texts[-1])
    expect(page.locator("#rows tbody tr")).to_have_count(rows_before + 1)
    assert page.locator("#rows tbody tr").last.locator("[name=name]").input_value() in texts[-1]
