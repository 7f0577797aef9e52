"""The load benchmark's data: a province-sized year that the app treats like real forms."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.core import selectors
from assessments.core import records
from assessments.models import Assessment, Department, Indicator

pytestmark = pytest.mark.django_db


def test_fill_province_makes_departments_users_and_forms_whose_cached_figures_are_the_apps_own(django_user_model):
    call_command("fill_province", "--supervisors", "2", "--units", "3", "--assessments", "40", stdout=StringIO())
    assert Department.objects.filter(name__startswith="基准").count() == 8
    forms = Assessment.objects.filter(department__name__startswith="基准")
    assert forms.count() == 40 and Indicator.objects.filter(assessment__in=forms).count() == 800
    assert {s for s in forms.values_list("status", flat=True)} >= {"draft", "approved"}
    reviewer = django_user_model.objects.get(username="r01")
    assert set(selectors.departments_visible_to(user=reviewer).values_list("name", flat=True)) == {
        "基准第01厅", "基准第01厅第1单位", "基准第01厅第2单位", "基准第01厅第3单位"}
    for form in forms.filter(kind=Assessment.Kind.PROJECT)[:5]:
        cached = (form.execution_rate, form.total_score, form.grade, form.problem_count)
        fresh = records.assessment_recompute(assessment=form)
        assert cached == (fresh.execution_rate, fresh.total_score, fresh.grade, fresh.problem_count)
    with pytest.raises(CommandError):
        call_command("fill_province", "--supervisors", "1", "--units", "1", "--assessments", "2", stdout=StringIO())
