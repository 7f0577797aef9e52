"""The review desk's counts, waiting list and charts are kept between visits and follow every write."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.entry import services as entry_services
from assessments.core import formsteps
from assessments.entry import wizard
from assessments.models import Assessment
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def desk(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review_desk"))
    assert response.status_code == 200
    # The sign-out form's CSRF token is masked anew on every page.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()), len(queries)


def figure(page, label):
    return int(re.search(rf"<span>{label}</span><strong[^>]*>(\d+)</strong>", page).group(1))


def test_the_desk_is_not_recounted_while_nothing_changes_and_shows_a_submission_and_a_save_at_once(demo):
    filler = signed_in("xinzhou", "demo-xinzhou-2024")
    reviewer = signed_in("czj_reviewer", "demo-review-czj-2024")
    first, computed = desk(reviewer)
    again, kept = desk(reviewer)
    assert again == first and kept < computed
    form = Assessment.objects.get(project__name="困难职工帮扶")
    assert form.title not in first.split('id="waiting"')[1].split("</ul>")[0]
    submitted, waiting = figure(first, "已提交"), figure(first, "待我审核")

    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    page, _ = desk(reviewer)
    assert figure(page, "已提交") == submitted + 1 and figure(page, "待我审核") == waiting + 1
    assert form.title in page.split('id="waiting"')[1].split("</ul>")[0]

    # A plain save (no change of status) changes the figures the charts count: seen at the next visit.
    reviewer.post(reverse("assessment_review", args=[form.pk, "return"]), {"comment": "请补充"})
    returned, _ = desk(reviewer)
    assert figure(returned, "退回修改") == figure(first, "退回修改") + 1
    other = Assessment.objects.get(pk=form.pk)
    step = formsteps.step_by_key(other, "budget")
    raw = wizard.current_raw(other, step)
    raw["rows"][0]["executed"] = "0"
    entry_services.assessment_save_step(assessment=other, user=other.department.memberships.first().user,
                                        step=step, data=wizard.read_step(step, wizard.as_post(step, raw)))
    after = Assessment.objects.get(pk=form.pk)
    assert after.execution_rate != form.execution_rate
    page, _ = desk(reviewer)
    table = page.split('id="execution-table"')[1].split("</table>")[0]
    assert table != returned.split('id="execution-table"')[1].split("</table>")[0]


def row_of(page, form):
    """The desk's table row of ``form``: its status and 执行率 cells as shown."""
    table = page.split('class="list lights"')[1].split("</table>")[0]
    row = table.split(f'href="/assessments/{form.pk}/"')[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)[:2]


def test_a_kept_page_of_the_desk_shows_a_save_and_a_submission_at_once(demo):
    reviewer = signed_in("czj_reviewer", "demo-review-czj-2024")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    first, computed = desk(reviewer)
    again, kept = desk(reviewer)
    assert again == first and kept < computed  # the rows too are kept, not read again
    status, rate = row_of(first, form)

    step = formsteps.step_by_key(form, "budget")
    raw = wizard.current_raw(form, step)
    raw["rows"][0]["executed"] = "0"
    entry_services.assessment_save_step(assessment=form, user=form.department.memberships.first().user,
                                        step=step, data=wizard.read_step(step, wizard.as_post(step, raw)))
    saved, _ = desk(reviewer)
    assert row_of(saved, form)[1] != rate
    # The form was written last: the first row of the table.
    assert saved.split('class="list lights"')[1].split("<tbody>")[1].startswith(
        f"<tr><td>{form.fiscal_year.year}</td><td>{form.department.name}</td><td><a href=\"/assessments/{form.pk}/\"")

    filler = signed_in("xinzhou", "demo-xinzhou-2024")
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    submitted, _ = desk(reviewer)
    assert row_of(submitted, form)[0] == "已提交" != status
