"""A JSON import over a draft replaces it whole: no unreadable input the wizard kept survives it."""
import json
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.core import selectors
from assessments.models import Assessment
from tests.helpers import signed_in
from tests.entry.test_wizard import budget_post, new_project, step_url

pytestmark = pytest.mark.django_db


def test_importing_json_over_a_draft_clears_its_stale_unreadable_input(demo, tmp_path):
    client = signed_in("xinzhou")
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
