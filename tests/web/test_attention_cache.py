"""The 通知 count is kept per user and follows every change that can alter it, at the next page."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, Department, Membership
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return page, len(queries)


def test_the_count_is_kept_between_pages_and_follows_a_submission_and_a_return(demo):
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    first, computed = queries_for(reviewer, reverse("batch_exports"))
    again, kept = queries_for(reviewer, reverse("batch_exports"))
    assert "通知（" not in first and "通知（" not in again and kept < computed  # no count while nothing changed
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("assessment_step", args=[assessment.pk, "preview"]), {"action": "submit"})
    assert "通知（1）" in reviewer.get(reverse("batch_exports")).content.decode()  # seen at the next page
    assert "通知（" not in filler.get(reverse("home")).content.decode()
    reviewer.post(reverse("assessment_review", args=[assessment.pk, "return"]), {"comment": "请补充说明"})
    assert "通知（1）" in filler.get(reverse("home")).content.decode()
    assert "通知（" not in reviewer.get(reverse("batch_exports")).content.decode()


def test_a_new_membership_changes_the_count_at_the_next_page(demo, django_user_model):
    filler = signed_in("xinzhou")
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("assessment_step", args=[assessment.pk, "preview"]), {"action": "submit"})
    newcomer = django_user_model.objects.create_user("newcomer", password="x-newcomer-2024")
    client = signed_in("newcomer", "x-newcomer-2024")
    assert "通知（" not in client.get(reverse("home")).content.decode()
    Membership.objects.create(user=newcomer, department=Department.objects.get(pk=assessment.department.parent_id
                                                                               or assessment.department_id),
                              role=Membership.Role.REVIEWER)
    assert "通知（1）" in client.get(reverse("home")).content.decode()
