"""A person may have at most three batch exports waiting at once (issue 10)."""
import pytest
from django.urls import reverse

from assessments.models import BatchExport
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def test_one_person_may_queue_at_most_three_unfinished_batch_exports(demo, settings):
    assert settings.BATCH_EXPORT_MAX_PENDING == 3
    client = signed_in("shijiazhuang")
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
