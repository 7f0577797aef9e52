"""Batch export in a real browser: request it, watch the bar move as the worker runs, download."""
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_reaches_the_end_when_the_worker_has_printed_and_the_download_appears(demo, live_server, browser,
                                                                                  settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    reviewer = sign_in(browser, base, "czj_reviewer")
    reviewer.click("text=批量导出")
    reviewer.select_option("select[name=year]", "2023")
    reviewer.check("input[name=format][value=zip]")
    reviewer.click("text=开始导出")
    expect(reviewer.locator("#export-status")).to_have_text("排队中")
    expect(reviewer.locator("#export-download")).to_be_hidden()

    # The queue worker, as `python manage.py db_worker` runs it; the page polls while it works.
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-reload", verbosity=0,
                 stdout=StringIO())

    expect(reviewer.locator("#export-status")).to_have_text("已完成", timeout=15_000)
    expect(reviewer.locator("#export-count")).to_have_text("7/7")
    assert reviewer.locator("#export-progress").get_attribute("value") == "100"
    with reviewer.expect_download() as download:
        reviewer.locator("#export-download a").click()
    assert download.value.suggested_filename.endswith(".zip")
    download.value.save_as(tmp_path / "downloaded.zip")
    assert (tmp_path / "downloaded.zip").stat().st_size > 10_000
