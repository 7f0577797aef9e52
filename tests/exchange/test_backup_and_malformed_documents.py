"""A year's backup and restore through the JSON commands, and documents no import can be broken by:
random JSON, texts and figures too large for their columns, a NUL character."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.domain import interchange
from assessments.core import selectors
from assessments.exchange import services as exchange_services
from assessments.models import Assessment, Department, FiscalYear, Indicator, Project
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db




def export_year(year):
    out = StringIO()
    call_command("assessment_export", all=True, year=year, format="json", stdout=out)
    return json.loads(out.getvalue())


def test_a_year_exported_restored_into_an_empty_database_and_exported_again_is_identical(demo, tmp_path):
    first = export_year(2023)
    assert len(first) == 12  # 苏州, 石家庄 (7), 新洲 (4)
    backup = tmp_path / "2023.json"
    backup.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    Assessment.objects.all().delete()
    Project.objects.all().delete()
    Department.objects.exclude(memberships__isnull=False).delete()
    call_command("assessment_import", str(backup), stdout=StringIO())
    assert export_year(2023) == first


def test_a_backup_with_one_bad_document_restores_nothing(demo, tmp_path):
    documents = export_year(2023)
    documents[3]["budget"][0]["executed"] = "-1"
    backup = tmp_path / "bad.json"
    backup.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    Assessment.objects.all().delete()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("assessment_import", str(backup), stdout=StringIO(), stderr=err)
    assert "[3].budget[0].executed" in err.getvalue()
    assert Assessment.objects.count() == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
keys = st.sampled_from(sorted(interchange.TOP_KEYS) + ["extra"])


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(keys, json_values, max_size=8))
def test_malformed_documents_never_crash_and_never_write(data):
    before = (Assessment.objects.count(), Indicator.objects.count(), FiscalYear.objects.count())
    document, errors = interchange.parse_document({"format": "assessment/1", **data}, schemes=selectors.scheme_map())
    assert document is None or errors == []
    assert all(e.message for e in errors)
    assert (Assessment.objects.count(), Indicator.objects.count(), FiscalYear.objects.count()) == before


def test_texts_and_figures_too_large_for_their_columns_are_messages_not_database_errors(db, examples_dir):
    data = interchange.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    data["indicators"][0]["name"] = "人" * 201
    data["indicators"][1]["weight"] = "12345"
    data["budget"][0]["initial"] = "1" + "0" * 15
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert document is None
    assert {e.path: e.message for e in errors} == {
        "indicators[0].name": "三级指标不能超过 200 个字（现有 201 个）",
        "indicators[1].weight": "分值过大（应小于 10,000）",
        "budget[0].initial": "年初预算数过大（应小于 100,000,000,000,000）",
    }
    # A huge figure in a target is a message at that cell (it could never be stored or scored) …
    data = interchange.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    data["indicators"][0]["target"] = data["indicators"][0]["actual"] = "≥3个具有代表性的重点职工服务阵地建设项目"
    data["indicators"][1]["target"] = "≤" + "9" * 20 + "%"
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert [e.path for e in errors] == ["indicators[1].target"] and "数值过大" in errors[0].message
    # … while a long unit is legal text, kept and scored as printed.
    data["indicators"][1]["target"] = "≤99%"
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert errors == []
    assessment = exchange_services.assessment_import(document=document)
    saved = assessment.indicators.all()
    assert saved[0].target_text == "≥3个具有代表性的重点职工服务阵地建设项目" and saved[0].target_value == 3


def test_a_nul_character_is_refused_on_import_and_dropped_in_the_wizard(demo, examples_dir):
    data = interchange.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    data["indicators"][0]["name"] = "人数\x00"
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert document is None and [e.path for e in errors] == ["indicators[0].name"]
    client = signed_in("xinzhou")
    assessment = Assessment.objects.get(project__name="劳模经费")
    url = reverse("assessment_step", args=[assessment.pk, "goals"])
    assert client.post(url, {"goal_expected": "帮扶\x00劳模", "action": "stay"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.goal_expected == "帮扶劳模"
