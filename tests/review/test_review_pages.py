"""What the reviewer reads: the whole form on the detail page, changes marked inside the text, the
desk's grade groups per scheme, warning lights in words and shapes, and navigation per role."""
import pytest
from django.urls import reverse
from django.utils.html import escape

from assessments.entry import services as entry_services
from assessments.models import Assessment, AssessmentEvent
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def reviewer():
    return signed_in("czj_reviewer")


def page_of(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_the_detail_page_shows_particulars_goals_analysis_and_everything_the_print_has(demo):
    form = Assessment.objects.get(project__name="省级困难职工及劳模帮扶救助专项资金")
    page = page_of(reviewer(), "assessment_detail", form.pk)
    for heading in ("基本信息", "年度总体目标", "偏差分析", "预算资金", "绩效指标", "佐证材料", "操作记录"):
        assert f">{heading}" in page, heading
    basic = page.split('id="basic"')[1].split("</dl>")[0]
    for label in ("项目名称", "主管部门", "实施单位", "项目类别", "填报人", "联系电话", "填报日期"):
        assert f"<dt>{label}</dt>" in basic, label
    assert form.project.name in basic and "石家庄市总工会" in basic
    for text in (form.goal_expected, form.goal_achieved, form.deviation_reasons, form.improvements):
        assert text and escape(text) in page

    suzhou = Assessment.objects.get(department__name="苏州市总工会", kind=Assessment.Kind.DEPARTMENT)
    page = page_of(reviewer(), "assessment_detail", suzhou.pk)
    assert ">年度重点任务" in page and ">自评报告" in page
    for section in suzhou.report_sections.all():
        assert f"<h3>{escape(section.title)}</h3>" in page and escape(section.text[:40]) in page
    for task in suzhou.key_tasks.all():
        assert escape(task.task) in page

    jiangmen = Assessment.objects.get(department__name="江门市总工会", kind=Assessment.Kind.DEPARTMENT)
    basic = page_of(reviewer(), "assessment_detail", jiangmen.pk).split('id="basic"')[1].split("</dl>")[0]
    assert "甘宝玲" in basic and "0750-3276289" in basic and "2023-03-31" in basic


def test_changes_since_return_are_marked_inside_the_text_and_escaped(demo):
    filler = signed_in("xinzhou")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    form.refresh_from_db()
    filler.post(reverse("assessment_step", args=[form.pk, "analysis"]),
                {"deviation_reasons": "帮扶资金按计划拨付。", "improvements": form.improvements, "action": "stay"})
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    reviewer().post(reverse("assessment_review", args=[form.pk, "return"]), {"comment": "请写明原因"})
    filler.post(reverse("assessment_step", args=[form.pk, "analysis"]),
                {"deviation_reasons": "帮扶资金按季度拨付<b>到位</b>。", "improvements": form.improvements,
                 "action": "stay"})
    filler.post(reverse("assessment_step", args=[form.pk, "preview"]), {"action": "submit"})
    form.refresh_from_db()
    assert form.status == Assessment.Status.SUBMITTED

    page = page_of(reviewer(), "assessment_detail", form.pk)
    changes = page.split('id="changes"')[1].split("</section>")[0]
    # Only the changed words are marked: 计划 deleted, 季度 and the new words inserted, the rest as it was.
    assert "帮扶资金按<del>计划</del><ins>季度</ins>拨付<ins>&lt;b&gt;到位&lt;/b&gt;</ins>。" in changes
    assert "<b>" not in changes


def test_the_desk_groups_grades_by_scheme_and_counts_no_draft_without_a_budget(demo):
    from django.contrib.auth.models import User

    from assessments.models import Department

    before = page_of(reviewer(), "review_desk")
    # A new project form has no 预算资金 yet; whatever its cached figures, it is counted as no grade.
    filler = User.objects.get(username="xinzhou")
    draft = entry_services.assessment_create(user=filler, kind=Assessment.Kind.PROJECT, year=2023, project_name="新项目",
                                             department=Department.objects.get(name="武汉市新洲区总工会"))
    Assessment.objects.filter(pk=draft.pk).update(grade="优", total_score=100)  # as a stale cache could say
    after = page_of(reviewer(), "review_desk")

    def group(page, key):
        return page.split(f'data-scheme="{key}"')[1].split("</table>")[0]

    assert group(before, "hubei-project") == group(after, "hubei-project")
    shijiazhuang = group(after, "hebei-shijiazhuang")
    rows = [("优秀", "≥ 85", 7), ("良好", "75–85", 0), ("一般", "60–75", 0), ("较差", "&lt; 60", 0)]
    for grade, band, n in rows:
        assert f'<td>{grade}</td><td>{band}</td><td class="num">{n}</td>' in shijiazhuang
    assert "<td>优</td>" not in shijiazhuang  # 优 belongs to another scale
    # The charts are drawn by the app's own ECharts, with their data beside them.
    assert '/static/vendor/echarts/echarts.common.min.js' in after and 'id="desk-chart-data"' in after
    assert 'id="execution-table"' in after and "武汉市新洲区总工会" in after.split('id="execution-table"')[1]


def test_warning_lights_say_what_they_mean_in_words_and_shapes_with_a_legend(demo):
    page = page_of(reviewer(), "review_desk")
    assert 'id="lights-legend"' in page
    legend = page.split('id="lights-legend"')[1].split("</p>")[0]
    for words in ("▲ 执行率偏低", "◆ 未满 100%", "● 正常", "— 未填预算"):
        assert words in legend
    lights = page.split('class="list lights"')[1]
    assert "● 正常" in lights  # the 100 % forms of the demo


def test_each_role_sees_only_the_navigation_it_can_use(demo):
    filler_home = page_of(signed_in("xinzhou"), "home")
    assert "审核工作台" not in filler_home and reverse("review_desk") not in filler_home
    assert reverse("assessment_new") in filler_home

    reviewer_home = page_of(reviewer(), "home")
    assert reverse("review_desk") in reviewer_home and "审核工作台" in reviewer_home
    assert reverse("assessment_new") not in reviewer_home and "新建自评表" not in reviewer_home
    # Nor does the address lead to a form that dead-ends at 请选择部门: it says why there is none.
    assert "您没有可以填报的部门" in reviewer().get(reverse("assessment_new")).content.decode()


def test_the_timeline_names_each_upload_and_deletion(demo, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    filler = signed_in("xinzhou")
    form = Assessment.objects.get(project__name="困难职工帮扶")
    filler.post(reverse("attachment_upload", args=[form.pk]),
                {"file": SimpleUploadedFile("验收单.pdf", b"%PDF-1.4 x")})
    item = form.attachments.get()
    with django_capture_on_commit_callbacks(execute=True):
        filler.post(reverse("attachment_delete", args=[form.pk, item.pk]))
    timeline = page_of(reviewer(), "assessment_detail", form.pk).split("操作记录")[-1]
    assert "上传佐证材料" in timeline and "删除佐证材料" in timeline and timeline.count("验收单.pdf") == 2
    assert list(form.events.filter(type__in=["attached", "detached"]).values_list("type", flat=True)) == [
        AssessmentEvent.Type.ATTACHED, AssessmentEvent.Type.DETACHED]
