"""A form's page reads only the row tables the form has rows in (selectors.with_row_flags), and still
shows every row it has, whatever its kind."""
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.core import access, selectors
from assessments.domain import interchange
from assessments.exchange import services as exchange_services
from assessments.models import Assessment, Comment, Department, ReviewLevel
from tests.helpers import signed_in


def test_a_project_form_with_key_tasks_brought_by_an_import_shows_them(demo):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    document = selectors.assessment_document(assessment=selectors.assessment_with_rows(pk=form.pk))
    assert not document.key_tasks
    document.project = interchange.ProjectInfo(name="带重点任务的项目")
    document.key_tasks = [interchange.KeyTask(duty="职责甲", task="建成帮扶台账", result="已建成")]
    copy = exchange_services.assessment_import(document=document)

    page = signed_in("xinzhou").get(reverse("assessment_detail", args=[copy.pk])).content.decode()
    assert "建成帮扶台账" in page and "已建成" in page
    # And the form without them reads no key-task table at all.
    with CaptureQueriesContext(connection) as queries:
        read = selectors.assessment_with_rows(pk=form.pk)
        assert list(read.key_tasks.all()) == [] and len(read.indicators.all()) == 3
    # (the form's own query asks whether there are any; no query reads them)
    assert not any('"assessments_keytask"."assessment_id" IN' in q["sql"] for q in queries.captured_queries)
    assert len(queries) == 3  # the form, its budget lines, its indicators


def test_comments_and_review_chains_are_read_only_when_the_form_has_them(demo):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    reviewer = get_user_model().objects.get(username="czj_reviewer")
    client = signed_in("xinzhou")
    url = reverse("assessment_detail", args=[form.pk])
    assert "请补充佐证" not in client.get(url).content.decode()
    Comment.objects.create(assessment=form, path="indicators[0]", text="请补充佐证", author=reviewer)
    assert "请补充佐证" in client.get(url).content.decode()

    # A review chain on the form's department: its levels decide who reviews (read, not assumed empty).
    read = selectors.assessment_with_rows(pk=form.pk)
    assert access.for_form(reviewer, read).is_current_reviewer()
    level = ReviewLevel.objects.create(department=Department.objects.get(pk=form.department_id), order=0, name="主管部门")
    read = selectors.assessment_with_rows(pk=form.pk)
    assert not access.for_form(reviewer, read).is_current_reviewer()
    level.reviewers.add(reviewer)
    read = selectors.assessment_with_rows(pk=form.pk)
    assert access.for_form(reviewer, read).is_current_reviewer()


def test_rows_just_written_are_taken_as_read_only_when_reading_them_back_could_give_nothing_else(demo):
    """records.rows_as_stored: a row without its id, or a figure the database would round, leaves the form
    as it was (the save then reads its rows back)."""
    from decimal import Decimal

    from assessments.core import records
    from assessments.models import BudgetLine

    form = selectors.assessment_with_rows(pk=Assessment.objects.get(project__name="困难职工帮扶").pk)
    before = list(form.budget_lines.all())
    rounded = BudgetLine(pk=10**9, assessment=form, order=0, line="total", initial=Decimal("1.0000005"))  # 6 places kept
    unsaved = BudgetLine(assessment=form, order=0, line="total", initial=Decimal("1"))
    for rows in ([rounded], [unsaved]):
        assert not records.rows_as_stored(assessment=form, table="budget_lines", rows=rows)
        assert list(form.budget_lines.all()) == before
    exact = BudgetLine(pk=10**9, assessment=form, order=0, line="total", initial=Decimal("1.5"))
    with CaptureQueriesContext(connection) as queries:
        assert records.rows_as_stored(assessment=form, table="budget_lines", rows=[exact])
        assert [str(r.initial) for r in form.budget_lines.all()] == ["1.500000"]
    assert len(queries) == 0
