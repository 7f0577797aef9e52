"""The review desk kept between visits follows every write: after saves, submissions, approvals,
returns, new forms, deletions, moves and review chains, each kept desk (figures, waiting list,
charts, rows, pager, filters) is the page a desk counted from nothing shows."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.core import formsteps, records, selectors
from assessments.entry import services as entry_services
from assessments.entry import wizard
from assessments.exchange import services as exchange_services
from assessments.domain import interchange
from assessments.models import Assessment, Department, ReviewLevel
from assessments.review import services as review_services
from assessments.review import views as review_views
from assessments.web.context_processors import count_attention
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

User = get_user_model()


def desk(client, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review_desk"), query)
    assert response.status_code == 200
    # The sign-out form's CSRF token is masked anew on every page.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()), len(queries)


def kept_key(username, query):
    filters = {k: query.get(k, "") for k in ("year", "status", "department", "kind")}
    return review_views._desk_key(User.objects.get(username=username).pk, filters)


def counted_from_nothing(views):
    """Each desk of ``views`` as counted with nothing kept; the kept entries are put back after
    (the tests' cache is in memory: its entries are copied aside as they are, pickled)."""
    aside = dict(cache._cache), dict(cache._expire_info)
    cache.clear()
    pages = {name: desk(client, query)[0] for name, (client, _user, query) in views.items()}
    cache.clear()
    cache._cache.update(aside[0])
    cache._expire_info.update(aside[1])
    return pages


def copy_of(form, *, department=None, name):
    """A new draft copied from ``form`` through the JSON import (optionally into another department)."""
    document = selectors.assessment_document(assessment=form)
    document.project = interchange.ProjectInfo(name=name)
    if department is not None:
        document.department = department.name
    return exchange_services.assessment_import(document=document)


def save_with_a_new_rate(form, executed):
    form = Assessment.objects.get(pk=form.pk)
    step = formsteps.step_by_key(form, "budget")
    raw = wizard.current_raw(form, step)
    raw["rows"][0]["executed"] = executed
    return entry_services.assessment_save_step(assessment=form, user=form.department.memberships.get(role="filler").user,
                                               step=step, data=wizard.read_step(step, wizard.as_post(step, raw)))


def submit(form):
    form = Assessment.objects.get(pk=form.pk)
    return entry_services.assessment_submit(assessment=form, user=form.department.memberships.get(role="filler").user)


@pytest.mark.parametrize("small", [False, True], ids=["as-shipped", "short-lists"])
def test_a_kept_desk_shows_what_a_desk_counted_from_nothing_shows_after_every_kind_of_write(demo, monkeypatch, small):
    if small:  # lists shorter than the forms: what was kept runs out and is read again
        monkeypatch.setattr(review_views, "DESK_PAGE_SIZE", 3)
        monkeypatch.setattr(review_views, "WAITING_SHOWN", 2)
        monkeypatch.setattr(review_views, "WAITING_SPARE", 1)
        monkeypatch.setattr(review_views, "DESK_FOLLOWED_WRITES", 2)
        monkeypatch.setattr(review_views, "DESK_COMMIT_LAG", timedelta(0))  # else the setup's writes are too many
    d = {d.name: d for d in Department.objects.all()}
    kunnan = Assessment.objects.get(project__name="困难职工帮扶")
    approved = Assessment.objects.filter(department=d["石家庄市总工会"], status="approved", kind="project_self_assessment")
    copies = [copy_of(form, name=f"副本{i}") for i, form in enumerate(approved[:3])]
    copies += [copy_of(approved[0], department=d["石家庄市人民会堂"], name="会堂副本"),
               copy_of(approved[1], department=d["江门市工人文化宫"], name="文化宫副本"),
               copy_of(kunnan, name="新洲副本")]
    copies += [copy_of(approved[2], name=f"副本{i}") for i in range(6, 8)]
    for form in (copies[1], copies[2], copies[6], copies[7]):
        submit(form)
    reviewer, jiangmen, admin = signed_in("czj_reviewer"), signed_in("jiangmen_reviewer"), signed_in("admin")
    views = {
        "all": (reviewer, "czj_reviewer", {}),
        "submitted": (reviewer, "czj_reviewer", {"status": "submitted"}),
        "2023": (reviewer, "czj_reviewer", {"year": "2023"}),
        "projects": (reviewer, "czj_reviewer", {"kind": "project_self_assessment"}),
        "新洲": (reviewer, "czj_reviewer", {"department": str(d["武汉市新洲区总工会"].pk)}),
        "page 2": (reviewer, "czj_reviewer", {"page": "2"}),
        "江门": (jiangmen, "jiangmen_reviewer", {}),
        "admin": (admin, "admin", {}),
        # A 填报人's desk: its own forms; its 通知 count is the forms returned to it.
        "石家庄填报人": (signed_in("shijiazhuang"), "shijiazhuang", {}),
    }
    for name, (client, _user, query) in views.items():
        desk(client, query)  # kept from here on

    def born(view):
        return review_views._kept(kept_key(view[1], view[2]))["born"]

    def check(step):
        kept = {name: desk(client, query)[0] for name, (client, _user, query) in views.items()}
        fresh = counted_from_nothing(views)
        for name, (_client, username, query) in views.items():
            assert kept[name] == fresh[name], (step, name)
            # The unfiltered desk also gives the 通知 count it shows: the count of the 通知 page.
            badge = re.search(r"通知(?:（(\d+)）)?</a>", kept[name]).group(1)
            assert int(badge or 0) == count_attention(User.objects.get(username=username)), (step, name)
        return kept

    before = born(views["all"])
    page = check("nothing written")["all"]
    after = save_with_a_new_rate(kunnan, "0")
    assert after.execution_rate != kunnan.execution_rate
    assert check("a save with a new rate")["all"] != page
    assert born(views["all"]) == before  # followed, not counted again

    submit(kunnan)
    check("a submission")
    review_services.assessment_approve(assessment=Assessment.objects.get(pk=kunnan.pk),
                                       user=User.objects.get(username="czj_reviewer"))
    check("an approval (out of the 已提交 filter)")
    submit(copies[0])
    review_services.assessment_return(assessment=Assessment.objects.get(pk=copies[0].pk),
                                      user=User.objects.get(username="czj_reviewer"), comment="请补充")
    check("a submission and a return")
    for form in (copies[6], copies[7]):
        review_services.assessment_return(assessment=Assessment.objects.get(pk=form.pk),
                                          user=User.objects.get(username="czj_reviewer"), comment="请补充")
    check("two returns (the waiting list's first two)")
    entry_services.assessment_create(user=User.objects.get(username="xinzhou"), kind="project_self_assessment",
                                     department=d["武汉市新洲区总工会"], year=2023, project_name="新建项目")
    check("a new form")
    save_with_a_new_rate(copies[4], "1")  # in 江门's scope, not in the others' filters
    check("a save in another reviewer's scope")

    Assessment.objects.get(pk=copies[2].pk).delete()
    check("a deletion")
    assert born(views["all"]) != before  # counted again from nothing

    moved = Assessment.objects.get(pk=copies[5].pk)
    moved.department = d["苏州市总工会"]
    records.assessment_admin_save(assessment=moved, user=User.objects.get(username="admin"), write=moved.save)
    check("a form moved to another department")

    level = ReviewLevel.objects.create(department=d["石家庄市人民会堂"], order=0, name="主管部门审核")
    level.reviewers.add(User.objects.get(username="czj_reviewer"))
    check("a review chain set")
    submit(copies[3])
    check("a submission under a review chain")
    review_services.assessment_approve(assessment=Assessment.objects.get(pk=copies[3].pk),
                                       user=User.objects.get(username="czj_reviewer"))
    check("an approval under a review chain")

    for i, form in enumerate([copies[0], copies[4]]):  # several writes in a row, more than the desk follows when small
        save_with_a_new_rate(form, str(i + 2))
    save_with_a_new_rate(Assessment.objects.get(project__name="新建项目"), "3")
    check("several saves in a row")


def test_a_save_recounts_only_its_department_and_renders_only_its_row(demo):
    """After a save the desk reads the forms written since and counts their department, not the scope."""
    reviewer = signed_in("czj_reviewer")
    kunnan = Assessment.objects.get(project__name="困难职工帮扶")
    _page, counted = desk(reviewer, {})
    _page, kept = desk(reviewer, {})
    save_with_a_new_rate(kunnan, "0")
    with CaptureQueriesContext(connection) as queries:
        page, followed = desk(reviewer, {})
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1 and f"IN ({kunnan.department_id})" in grouped[0].replace("%s", "")
    assert kept < followed < counted
    # The saved form was written last: the first row of the table, as a fresh desk has it.
    assert page.split('class="list lights"')[1].split("<tbody>")[1].startswith(f"<tr><td>{kunnan.fiscal_year.year}</td>")


def test_a_write_committed_after_a_later_one_is_followed_too(demo):
    """A save takes its updated_at before it commits: one committing after a later save, and after the
    desk's visit in between, has an older time than the newest the desk followed; it is shown all the same."""
    reviewer = signed_in("czj_reviewer")
    kunnan = Assessment.objects.get(project__name="困难职工帮扶")
    first, _ = desk(reviewer, {})
    newest = Assessment.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    Assessment.objects.filter(pk=kunnan.pk).update(status="submitted", updated_at=newest - timedelta(seconds=1))
    page, _ = desk(reviewer, {})
    submitted = re.compile(r"<span>已提交</span><strong[^>]*>(\d+)</strong>")
    assert int(submitted.search(page).group(1)) == int(submitted.search(first).group(1)) + 1
    assert page == counted_from_nothing({"all": (reviewer, "czj_reviewer", {})})["all"]


def test_the_desk_gives_no_通知_count_older_than_a_deletion_another_process_made(demo):
    """Each process reads the shared versions at most every few seconds: a desk kept in a process that
    has not yet seen another one's deletion does not pass its count on to the 通知 badge."""
    from assessments.core import versions

    reviewer = signed_in("czj_reviewer")
    form = copy_of(Assessment.objects.get(project__name="困难职工帮扶"), name="待删除")
    submit(form)
    page, _ = desk(reviewer, {})
    czj = User.objects.get(username="czj_reviewer")
    assert re.search(r"通知（(\d+)）</a>", page).group(1) == str(count_attention(czj))
    seen = versions.RECOUNT._known
    Assessment.objects.get(pk=form.pk).delete()  # "in another process": this one still knows the old version
    versions.RECOUNT._known = seen
    page, _ = desk(reviewer, {})
    badge = re.search(r"通知(?:（(\d+)）)?</a>", page).group(1)
    assert int(badge or 0) == count_attention(czj)
