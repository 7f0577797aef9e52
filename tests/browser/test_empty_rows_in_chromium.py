"""A row added and left empty is empty to the page exactly when it is to the server (domain/rows.py)."""
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from assessments.entry import services as entry_services
from assessments.models import Assessment, Department
from tests.browser.helpers import save_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_live_figures_land_on_their_own_rows_around_an_empty_one(demo, live_server, browser):
    form = entry_services.assessment_create(
        user=User.objects.get(username="xinzhou"), kind="project_self_assessment",
        department=Department.objects.get(name="武汉市新洲区总工会"), year=2025, project_name="空行")
    page = sign_in(browser, live_server.url, "xinzhou")
    page.goto(f"{live_server.url}/assessments/{form.pk}/edit/indicators/")
    rows = page.locator("#rows tbody tr[data-row]")
    for _ in range(3 - rows.count()):
        page.click("#add-row")
    expect(rows).to_have_count(3)

    def fill(row, values):
        for name, value in values.items():
            rows.nth(row).locator(f"[name={name}]").fill(value)

    fill(0, {"level1": "产出指标", "level2": "数量指标", "name": "帮扶人数", "target": "≥50人", "actual": "40人",
             "weight": "40"})
    fill(1, {"name": "　 ", "reason": " "})  # spaces only (an ideographic one too): nothing typed
    fill(2, {"level1": "产出指标", "level2": "质量指标", "name": "发放对象符合要求", "target": "≥10人",
             "actual": "10人", "weight": "40"})

    # Each row shows its own score, the empty one none: the server said which row is which.
    expect(rows.nth(0).locator('[data-out="score"]')).to_have_text("32.00")
    expect(rows.nth(2).locator('[data-out="score"]')).to_have_text("40.00")
    expect(rows.nth(1).locator('[data-out="score"]')).to_have_text("")
    expect(rows.nth(1).locator(".error")).to_have_count(0)

    save_and_wait(page)
    saved = Assessment.objects.get(pk=form.pk).indicators.order_by("order")
    assert [i.name for i in saved] == ["帮扶人数", "发放对象符合要求"]
