"""What the form's page and the list show, now read narrowly: the timeline without the events'
JSON, the list's years and totals from one grouped count, the scope's units from one tree query."""
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.core import access, selectors
from assessments.exchange import services as exchange_services
from assessments.domain import interchange
from assessments.models import Assessment, AssessmentEvent, Department
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def test_the_timeline_links_each_approved_revision_and_names_the_step_of_each_change(demo):
    filler = signed_in("xinzhou")
    reviewer = signed_in("czj_reviewer")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    detail = reverse("assessment_detail", args=[form.pk])
    filler.post(reverse("assessment_step", args=[form.pk, "goals"]), {"goal_expected": "年度目标已改", "action": "next"})
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    page = reviewer.get(detail).content.decode()
    timeline = page.split('class="timeline"')[1]
    assert "提交" in timeline and "查看此版本" not in timeline
    assert "年度总体目标" in timeline and "年度目标已改" in timeline  # the saved change, named as printed

    reviewer.post(reverse("assessment_review", args=[form.pk, "approve"]))
    approval = form.events.get(type=AssessmentEvent.Type.APPROVED)
    timeline = reviewer.get(detail).content.decode().split('class="timeline"')[1]
    revision = reverse("assessment_revision", args=[form.pk, approval.pk])
    assert f'href="{revision}"' in timeline and "审核通过" in timeline
    # Each line: the time in the site's time zone (Beijing), what happened, who.
    line = next(li for li in timeline.split("<li>") if f'href="{revision}"' in li)
    when = timezone.localtime(approval.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert line.startswith(f"{when} · 审核通过 · ") and str(timezone.get_current_timezone()) == "Asia/Shanghai"
    assert (approval.user.first_name or approval.user.username) in line
    assert reviewer.get(revision).status_code == 200


def test_the_list_counts_forms_per_year_and_pages_them(demo):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    document = selectors.assessment_document(assessment=form)
    for i in range(55):
        document.project = interchange.ProjectInfo(name=f"复制项目{i}")
        exchange_services.assessment_import(document=document)
    year = form.fiscal_year.year
    in_year = Assessment.objects.filter(department=form.department, fiscal_year__year=year).count()
    everything = Assessment.objects.filter(department=form.department).count()
    filler = signed_in("xinzhou")
    page = filler.get(reverse("home")).content.decode()
    assert f"第 1 / 2 页，共 {everything} 张表" in page and f'href="?year={year}"' in page
    page = filler.get(reverse("home"), {"year": year, "page": 2}).content.decode()
    assert f"第 2 / 2 页，共 {in_year} 张表" in page
    assert "暂无自评表。" in filler.get(reverse("home"), {"year": 2001}).content.decode()


def test_a_reviewers_scope_reaches_every_level_of_units_below_their_department(demo):
    top = Department.objects.create(name="测试主管部门")
    middle = Department.objects.create(name="测试二级单位", parent=top)
    bottom = Department.objects.create(name="测试三级单位", parent=middle)
    Department.objects.create(name="测试无关单位")
    assert Department.objects.descendant_ids([top]) == {top.pk, middle.pk, bottom.pk}
    assert Department.objects.descendant_ids([middle.pk]) == {middle.pk, bottom.pk}
    assert Department.objects.descendant_ids([]) == set()
    assert set(Department.objects.descendants_of([top]).values_list("pk", flat=True)) == {top.pk, middle.pk, bottom.pk}
    from django.contrib.auth.models import User
    from assessments.models import Membership
    user = User.objects.create_user("tree_reviewer", password="x" * 12)
    Membership.objects.create(user=user, department=top, role=Membership.Role.REVIEWER)
    assert access.scope_for(user).reviewed == {top.pk, middle.pk, bottom.pk}


def test_a_notification_names_the_form_by_its_title_and_the_person_who_acted(demo):
    filler, reviewer = signed_in("xinzhou"), signed_in("czj_reviewer")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    reviewer.post(reverse("assessment_review", args=[form.pk, "return"]), {"comment": "请补充说明"})
    page = filler.get(reverse("notifications")).content.decode()
    lines = page.split('<ul class="timeline">')[1].split("</ul>")[0]
    link = reverse("assessment_detail", args=[form.pk])
    returned = next(line for line in lines.split("<li>") if "退回修改" in line)
    assert f'<a href="{link}">{form.title}</a>' in returned and "项目支出绩效自评表" in form.title
    reviewer_user = form.events.get(type=AssessmentEvent.Type.RETURNED).user
    assert (reviewer_user.first_name or reviewer_user.username) in returned and "请补充说明" in returned


def test_a_long_timeline_shows_its_newest_lines_and_links_the_whole_record(demo):
    form = Assessment.objects.get(project__name="困难职工帮扶")
    before = form.events.count()
    AssessmentEvent.objects.bulk_create([
        AssessmentEvent(assessment=form, type=AssessmentEvent.Type.SAVED, comment=f"第{i:03d}次保存")
        for i in range(70)])
    total = before + 70
    client = signed_in("xinzhou")
    url = reverse("assessment_detail", args=[form.pk])

    page = client.get(url).content.decode()
    shown = page.split('<ul class="timeline">')[1]
    assert "第069次保存" in shown and "第020次保存" in shown and "第019次保存" not in shown
    assert shown.index("第020次保存") < shown.index("第069次保存")  # oldest of those shown first
    assert f"较早的 {total - 50} 条记录未显示" in page and "?timeline=all#timeline" in page

    everything = client.get(url + "?timeline=all").content.decode()
    assert "第000次保存" in everything and "第069次保存" in everything and "未显示" not in everything
