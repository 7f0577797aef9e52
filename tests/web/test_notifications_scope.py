"""通知 lists only what concerns the user: forms of their scope, returns and approvals of their own."""
import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def lines(client):
    page = client.get(reverse("notifications")).content.decode()
    return page.split('<ul class="timeline">')[1].split("</ul>")[0]


def test_a_submission_and_a_return_reach_their_reviewer_and_filler_and_nobody_outside(demo):
    filler, reviewer = signed_in("xinzhou"), signed_in("czj_reviewer")
    outside_filler, outside_reviewer, admin = signed_in("suzhou"), signed_in("jiangmen_reviewer"), signed_in("admin")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    reviewer.post(reverse("assessment_review", args=[form.pk, "return"]), {"comment": "请补充说明"})
    link = f'href="{reverse("assessment_detail", args=[form.pk])}"'
    seen = lines(filler)
    assert link in seen and "退回修改" in seen and "请补充说明" in seen and "提交" in seen
    assert link in lines(reviewer) and "提交" in lines(reviewer)
    assert link in lines(admin)
    for outsider in (outside_filler, outside_reviewer):
        assert link not in lines(outsider)
