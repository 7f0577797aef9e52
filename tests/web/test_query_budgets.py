"""Query budgets: every list, wizard and review page costs the same number of queries however
many forms, rows, events and comments there are (a province holds 10,000 forms)."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.domain import interchange
from assessments.core import selectors
from assessments.entry import services as entry_services
from assessments.exchange import services as exchange_services
from assessments.core import formsteps
from assessments.entry import wizard
from assessments.models import Assessment, Comment, Department, ReviewLevel
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

# The pinned budgets (queries per page). A page that needs more has grown a query per row.
# The 通知 count is kept in the session (assessments/web/context_processors.py): only a user's first page
# after a change pays for it (here each role's "home": counting, and writing the session, 3 queries in a
# test's transaction, where the per-user cache entry it replaces cost none with the tests' in-memory cache
# and several with production's database cache); every later page reads it for nothing.
BUDGETS = {
    # home: the years and the list's total in one grouped count; a reviewer's scope (memberships and
    # every level of units below) in one query; a form's page reads only the row tables it has rows in,
    # its comments and 佐证材料 only when it has any, and the review chain only of a department with one
    # (selectors.with_row_flags): here a project form with budget and indicator rows and comments.
    "home": 11, "notifications": 4, "exports": 9, "desk": 13, "detail": 8, "print": 12,
    "import": 9, "base_data": 6, "step:basic": 7, "step:budget": 7, "step:goals": 7,
    "step:indicators": 7, "step:analysis": 7, "step:preview": 7,
}


def pages(form):
    urls = {
        "home": reverse("home"), "notifications": reverse("notifications"), "exports": reverse("batch_exports"),
        "desk": reverse("review_desk"), "detail": reverse("assessment_detail", args=[form.pk]),
        "print": reverse("assessment_print_preview", args=[form.pk]),
        "import": reverse("indicators_import", args=[form.pk]),
        "base_data": reverse("base_data_edit", args=[form.department_id, form.fiscal_year.year]),
    }
    for step in formsteps.steps_for(form):
        urls[f"step:{step.key}"] = reverse("assessment_step", args=[form.pk, step.key])
    return urls


def measure(client, urls, names):
    counts = {}
    for name in names:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(urls[name]).status_code == 200, name
        counts[name] = len(queries)
    return counts


def grow(form, copies):
    """Many more forms in the department (some submitted, one under a review chain), and many more
    rows, saves and comments on the measured form."""
    User = get_user_model()
    filler, reviewer = User.objects.get(username="xinzhou"), User.objects.get(username="czj_reviewer")
    document = selectors.assessment_document(assessment=form)
    for i in range(copies):
        document.project = interchange.ProjectInfo(name=f"复制项目{i}")
        copy = exchange_services.assessment_import(document=document)
        if i % 2:
            Assessment.objects.filter(pk=copy.pk).update(status=Assessment.Status.SUBMITTED)
    level = ReviewLevel.objects.create(department=Department.objects.get(name="石家庄市人民会堂"), order=0, name="主管部门")
    level.reviewers.add(reviewer)
    step = formsteps.step_by_key(form, "indicators")
    raw = wizard.current_raw(form, step)["rows"] * 20
    for i in range(5):
        form = Assessment.objects.get(pk=form.pk)
        raw[0] = {**raw[0], "source": f"第{i}次核实"}  # each save a change (an unchanged one writes nothing)
        entry_services.assessment_save_step(assessment=form, user=filler, step=step,
                                            data=wizard.read_step(step, wizard.as_post(step, {"rows": raw})))
    for i in range(8):
        Comment.objects.create(assessment=form, path=f"indicators[{i}]", text="请补充说明", author=reviewer)
    return Assessment.objects.get(pk=form.pk)


@pytest.mark.slow
def test_every_page_costs_the_same_queries_with_many_more_forms_rows_events_and_comments(demo):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    # One comment already: a form with none skips reading them (selectors.with_row_flags), and the
    # budget is that a form's page costs the same with one comment as with many.
    Comment.objects.create(assessment=form, path="indicators[0]", text="请核实",
                           author=get_user_model().objects.get(username="czj_reviewer"))
    urls = pages(form)
    filler_pages = [n for n in urls if n != "desk"]
    reviewer_pages = ["home", "notifications", "exports", "desk", "detail", "print"]
    small = {"filler": measure(filler, urls, filler_pages), "reviewer": measure(reviewer, urls, reviewer_pages)}
    assert form.indicators.count() == 3

    form = grow(form, copies=30)
    assert form.indicators.count() == 60 and form.events.count() > 5
    large = {"filler": measure(filler, urls, filler_pages), "reviewer": measure(reviewer, urls, reviewer_pages)}
    print("queries per page (small → large):", small, large)
    assert large == small
    for role in large.values():
        for name, count in role.items():
            assert count <= BUDGETS[name], (name, count)


def test_the_health_check_touches_no_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok" and len(queries) == 0


def test_the_benchmarks_trivial_view_needs_a_session_and_costs_only_the_session_and_the_user(demo):
    """/ping is the floor bench/bench_pages.py compares every page with."""
    from django.test import Client

    assert Client().get("/ping").status_code == 302  # signed in only
    filler = signed_in("xinzhou")
    with CaptureQueriesContext(connection) as queries:
        response = filler.get("/ping")
    assert response.status_code == 200 and response.content == b"xinzhou" and len(queries) == 2


SAVE_BUDGET = 14  # session, user, scope, the form; under the lock the form, which row tables have rows and
# those (budget lines, indicators: 4), the rows rewritten (2), the form with its figures and the step moved to
# (1: the rows just inserted are taken as read, records.rows_as_stored), the event (1); 2 savepoints


def test_saving_a_step_reads_the_form_once_and_writes_it_once_whatever_its_size(demo):
    filler = signed_in("xinzhou", "demo-xinzhou-2024")

    def save(form):
        step = formsteps.step_by_key(form, "indicators")
        raw = wizard.current_raw(form, step)
        raw["rows"][0]["source"] += "（复核）"  # a change: an unchanged step is not written (below)
        posted = wizard.as_post(step, raw)
        body = {**{key: posted.getlist(key) for key in posted}, "version": str(form.version), "action": "stay"}
        with CaptureQueriesContext(connection) as queries:
            response = filler.post(reverse("assessment_step", args=[form.pk, "indicators"]), body)
        assert response.status_code == 302, response.status_code
        assert Assessment.objects.get(pk=form.pk).version == form.version + 1
        # SQLite splits a bulk insert into batches of its variable limit (60 rows: two); PostgreSQL writes one.
        inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "assessments_indicator"')]
        return len(queries) - len(inserts) + 1

    form = Assessment.objects.get(project__name="困难职工帮扶")
    small = save(form)
    large = save(grow(form, copies=2))
    assert Assessment.objects.get(pk=form.pk).indicators.count() == 60
    assert small == large <= SAVE_BUDGET, (small, large)


UNCHANGED_SAVE_BUDGET = 11  # session, user, scope, the form; under the lock the form, which row tables have
# rows and those (budget lines, indicators: 4); the step moved to (1); 2 savepoints


def test_posting_a_step_unchanged_writes_nothing_but_the_step_moved_to(demo):
    """Clicking 下一步 through a step without changing it is no change of the form: no new version (another
    person's open page stays current), no timeline entry, no rewrite of its rows."""
    filler = signed_in("xinzhou", "demo-xinzhou-2024")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    events, ids = form.events.count(), sorted(form.indicators.values_list("pk", flat=True))
    step = formsteps.step_by_key(form, "indicators")
    posted = wizard.as_post(step, wizard.current_raw(form, step))
    body = {**{key: posted.getlist(key) for key in posted}, "version": str(form.version), "action": "next"}
    with CaptureQueriesContext(connection) as queries:
        response = filler.post(reverse("assessment_step", args=[form.pk, "indicators"]), body)
    assert response.status_code == 302 and response.url.endswith("/edit/analysis/")
    after = Assessment.objects.get(pk=form.pk)
    assert (after.version, after.updated_at, after.wizard_step) == (form.version, form.updated_at, "analysis")
    assert after.events.count() == events
    assert sorted(after.indicators.values_list("pk", flat=True)) == ids
    assert not [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "DELETE"))]
    assert len(queries) <= UNCHANGED_SAVE_BUDGET, len(queries)

    # One character changed is a save like any other.
    raw = wizard.current_raw(after, step)
    raw["rows"][0]["source"] += "。"
    posted = wizard.as_post(step, raw)
    body = {**{key: posted.getlist(key) for key in posted}, "version": str(after.version), "action": "next"}
    assert filler.post(reverse("assessment_step", args=[form.pk, "indicators"]), body).status_code == 302
    saved = Assessment.objects.get(pk=form.pk)
    assert saved.version == form.version + 1 and saved.events.count() == events + 1
    assert saved.indicators.order_by("order").first().source.endswith("。")


# The review desk after a save (figures kept, review/views.py _desk_entry): session, user, the forms written
# since (as ids, then the saved one's row), the scope, the count of the saved form's department, the years.
# With the production database cache also the read (1) and the write (3) of the kept desk; the tests' cache
# is in memory.
DESK_AFTER_A_SAVE = 7


def test_the_desk_after_a_save_counts_only_the_saved_forms_department_however_many_forms_it_covers(demo):
    reviewer = signed_in("czj_reviewer")

    def after_a_save(form):
        assert reviewer.get(reverse("review_desk")).status_code == 200  # kept from here
        form = Assessment.objects.get(pk=form.pk)
        step = formsteps.step_by_key(form, "budget")
        raw = wizard.current_raw(form, step)
        raw["rows"][0]["executed"] = "0" if raw["rows"][0]["executed"] != "0" else "1"
        entry_services.assessment_save_step(assessment=form, user=get_user_model().objects.get(username="xinzhou"),
                                            step=step, data=wizard.read_step(step, wizard.as_post(step, raw)))
        with CaptureQueriesContext(connection) as queries:
            assert reviewer.get(reverse("review_desk")).status_code == 200
        return len(queries)

    form = Assessment.objects.get(project__name="困难职工帮扶")
    small = after_a_save(form)
    large = after_a_save(grow(form, copies=30))
    print("desk after a save (small, large):", small, large)
    assert small == large <= DESK_AFTER_A_SAVE, (small, large)
