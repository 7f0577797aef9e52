"""Smaller defects of issue 10: stale unreadable input after a JSON import, a GET that created a
fiscal year, an Excel row limit checked only after loading the workbook, unlimited batch exports."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.core import selectors
from assessments.models import Assessment, FiscalYear
from tests.helpers import signed_in
from tests.web.test_wizard import budget_post, new_project, step_url

pytestmark = pytest.mark.django_db


def test_importing_json_over_a_draft_clears_its_stale_unreadable_input(demo, tmp_path):
    client = signed_in("xinzhou", "demo-xinzhou-2024")
    assessment = new_project(client, name="导入覆盖测试")
    client.post(step_url(assessment, "budget"), budget_post([("total", "十万", "10", "10")]))
    assessment.refresh_from_db()
    assert "budget" in assessment.draft_inputs
    data = selectors.assessment_export_json(
        assessment=Assessment.objects.filter(kind="project_self_assessment").exclude(pk=assessment.pk).first())
    data.update({"department": assessment.department.name, "fiscal_year": assessment.fiscal_year.year})
    data["project"]["name"] = "导入覆盖测试"
    data["scheme"] = assessment.scheme.key
    data.pop("computed", None)
    path = tmp_path / "over.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("assessment_import", str(path), stdout=StringIO(), stderr=StringIO())
    assessment.refresh_from_db()
    assert assessment.draft_inputs == {}
    page = client.get(step_url(assessment, "budget")).content.decode()
    assert "十万" not in page


def test_viewing_the_base_data_of_a_future_year_writes_nothing(demo):
    from assessments.models import Department

    client = signed_in("suzhou", "demo-suzhou-2024")
    department = Department.objects.filter(name__contains="苏州").first()
    assert not FiscalYear.objects.filter(year=2099).exists()
    response = client.get(reverse("base_data_edit", args=[department.pk, 2099]))
    assert response.status_code == 200
    assert not FiscalYear.objects.filter(year=2099).exists()
    # Saving the page is what creates the year.
    response = client.post(reverse("base_data_edit", args=[department.pk, 2099]), {"initial_budget": "120"})
    assert response.status_code == 302
    assert FiscalYear.objects.filter(year=2099).exists()


def test_one_person_may_queue_at_most_three_unfinished_batch_exports(demo, settings):
    from assessments.models import BatchExport

    assert settings.BATCH_EXPORT_MAX_PENDING == 3
    client = signed_in("shijiazhuang", "demo-sjz-2024")
    for _ in range(3):
        assert client.post(reverse("batch_exports"), {"year": "2023", "format": "pdf"}).status_code == 302
    response = client.post(reverse("batch_exports"), {"year": "2023", "format": "zip"})
    assert response.status_code == 400
    assert "尚未完成" in response.content.decode() and "3" in response.content.decode()
    assert BatchExport.objects.filter(requested_by__username="shijiazhuang").count() == 3
    # Once one has finished, another may be queued.
    first = BatchExport.objects.filter(requested_by__username="shijiazhuang").order_by("pk").first()
    first.status = BatchExport.Status.DONE
    first.save(update_fields=["status"])
    assert client.post(reverse("batch_exports"), {"year": "2023", "format": "zip"}).status_code == 302
