"""A service's refusal is shown as a Chinese message on the page the user came from, never a 500."""
import pytest
from django.urls import reverse

from django.contrib.auth.models import User

from assessments.models import Assessment
from assessments.review import services as review_services
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def reopened(demo):
    """An approved 石家庄 project form reopened by its approver: no longer publishable."""
    form = Assessment.objects.filter(department__name__startswith="石家庄", fiscal_year__year=2023,
                                     kind=Assessment.Kind.PROJECT, status="approved").order_by("pk").first()
    return review_services.assessment_reopen(assessment=form, user=User.objects.get(username="czj_reviewer"),
                                             reason="执行数复核")


def test_publishing_a_form_not_yet_approved_says_why_on_the_form_page(reopened):
    draft = reopened
    reviewer = signed_in("czj_reviewer")
    detail = reverse("assessment_detail", args=[draft.pk])
    response = reviewer.post(reverse("assessment_publication", args=[draft.pk, "publish"]), HTTP_REFERER=
                             "http://testserver" + detail)
    assert response.status_code == 302 and response["Location"] == "http://testserver" + detail
    page = reviewer.get(detail).content.decode()
    assert "只有已审核的表可以公开" in page
    draft.refresh_from_db()
    assert draft.published_at is None and not draft.events.filter(type="published").exists()


def test_a_refusal_without_a_referer_goes_back_to_the_form(reopened):
    draft = reopened
    reviewer = signed_in("czj_reviewer")
    response = reviewer.post(reverse("assessment_publication", args=[draft.pk, "publish"]))
    assert response.status_code == 302 and response["Location"] == reverse("assessment_detail", args=[draft.pk])


def test_a_refusal_to_a_script_is_json_with_the_message(reopened):
    draft = reopened
    reviewer = signed_in("czj_reviewer")
    response = reviewer.post(reverse("assessment_publication", args=[draft.pk, "publish"]),
                             HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 409 and "只有已审核的表可以公开" in response.json()["error"]


def test_a_foreign_referer_is_not_followed(reopened):
    draft = reopened
    reviewer = signed_in("czj_reviewer")
    response = reviewer.post(reverse("assessment_publication", args=[draft.pk, "publish"]),
                             HTTP_REFERER="https://evil.example/phish")
    assert response["Location"] == reverse("assessment_detail", args=[draft.pk])
