"""The admin works in Chinese for every model, and the audit trail cannot be edited there."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from assessments.models import Assessment, AssessmentEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.invalid", "secret-pass-123")
    client.force_login(user)
    return client


@pytest.mark.slow
def test_every_model_has_a_working_changelist_add_and_change_page_in_chinese(admin_client, import_example):
    assessment = import_example("suzhou-department-2023")
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "assessments":
            continue
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.model_name
        assert "预算绩效自评" in response.content.decode()
        obj = model.objects.first()
        if obj is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert admin_client.get(url).status_code == 200, opts.model_name
    page = admin_client.get(reverse("admin:assessments_assessment_change", args=[assessment.pk])).content.decode()
    assert "绩效指标" in page and "中长期规划制定健全性" in page


def test_audit_events_are_read_only_in_the_admin(admin_client, import_example):
    assessment = import_example("xinzhou-kunnan-2023")
    event = AssessmentEvent.objects.get(assessment=assessment)
    url = reverse("admin:assessments_assessmentevent_change", args=[event.pk])
    admin_client.post(url, {"type": "approved", "comment": "forged"})
    event.refresh_from_db()
    assert event.type == AssessmentEvent.Type.IMPORTED
    delete = reverse("admin:assessments_assessmentevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AssessmentEvent.objects.filter(pk=event.pk).exists()


def test_fixing_a_row_in_the_admin_refreshes_the_total(admin_client, import_example):
    assessment = import_example("xinzhou-kunnan-2023")
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, (list, dict))}
    data.update({"department": assessment.department_id, "fiscal_year": assessment.fiscal_year_id,
                 "project": assessment.project_id, "scheme": assessment.scheme_id, "fill_date": "2024-03-10"})
    response = admin_client.get(url)
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data[f"{fs.prefix}-TOTAL_FORMS"] = fs.total_form_count()
        data[f"{fs.prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        data[f"{fs.prefix}-MIN_NUM_FORMS"] = 0
        data[f"{fs.prefix}-MAX_NUM_FORMS"] = 1000
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                data[f"{fs.prefix}-{i}-{name}"] = "" if value is None else value
    # The first indicator (≥50人, weight 20) now reaches only 40 people: 20 × 40/50 = 16.
    data["indicators-0-actual_text"] = "40人"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assessment.refresh_from_db()
    assert assessment.total_score == 96
    assert assessment.indicators.get(order=0).actual_value == 40
    assert assessment.events.filter(type=AssessmentEvent.Type.ADMIN_EDITED).exists()
    assert Assessment.objects.count() == 1
