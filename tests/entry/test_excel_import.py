"""Importing an indicator table from Excel: preview with sheet-row errors, nothing written until confirmed."""
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from assessments.output import printing
from assessments.core import selectors
from assessments.models import Assessment, AssessmentEvent
from tests.helpers import signed_in
from tests.entry.test_wizard import new_project

pytestmark = pytest.mark.django_db

HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "偏差原因分析及改进措施"]


def workbook(rows, *, header=HEADER, title_rows=(), percent_cells=()):
    wb = Workbook()
    ws = wb.active
    for title in title_rows:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    for ref in percent_cells:
        ws[ref].number_format = "0%"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, assessment, content, *, name="指标.xlsx", mode="replace"):
    return client.post(reverse("indicators_import", args=[assessment.pk]),
                       {"file": SimpleUploadedFile(name, content), "mode": mode})


def confirm(client, assessment, response):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    return client.post(reverse("indicators_import", args=[assessment.pk]), {"token": token})


def table(assessment):
    return [(i.level1, i.level2, i.name, i.target_text, i.actual_text, i.weight) for i in assessment.indicators.all()]


@pytest.fixture
def draft(filler):
    return new_project(filler, name="职工技能竞赛")


GOOD_ROWS = [
    ("产出指标", "数量指标", "竞赛项目数", "≥16个", "16个", 30, ""),
    ("", "质量指标", "获奖职工比例", "≥10%", "12%", 30, ""),
    ("效益指标", "社会效益指标", "职工技能提升", "提高", "提高", 30, ""),
    ("满意度指标", "服务对象满意度指标", "参赛职工满意度", "≥90%", "95%", 10, ""),
]


def test_a_clean_table_is_previewed_with_scores_and_written_only_on_confirmation(filler, draft):
    version = draft.version
    response = upload(filler, draft, workbook(GOOD_ROWS, title_rows=["项目支出绩效自评表", ""]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="confirm"' in page and "表头在第 3 行" in page
    assert 'id="sheet-row-5"' in page  # the second indicator is sheet row 5 (two title rows, one header)
    draft.refresh_from_db()
    assert draft.indicators.count() == 0 and draft.version == version  # the preview wrote nothing

    response = confirm(filler, draft, response)
    assert response.status_code == 302 and response.url.endswith("/edit/indicators/")
    draft = selectors.assessment_queryset().get(pk=draft.pk)
    assert [row[:5] for row in table(draft)] == [
        ("产出指标", "数量指标", "竞赛项目数", "≥16个", "16个"),
        ("产出指标", "质量指标", "获奖职工比例", "≥10%", "12%"),  # a blank 一级 means "as above"
        ("效益指标", "社会效益指标", "职工技能提升", "提高", "提高"),
        ("满意度指标", "服务对象满意度指标", "参赛职工满意度", "≥90%", "95%"),
    ]
    assert draft.total_score is not None
    event = draft.events.filter(type=AssessmentEvent.Type.EXCEL_IMPORTED).latest("pk")
    assert "从 Excel 导入指标" in event.comment and "指标.xlsx" in event.comment
    assert event.user.username == "xinzhou" and event.data["changes"]


def test_errors_name_the_sheet_row_and_column_and_nothing_is_written(filler, draft):
    rows = [
        ("产出指标", "数量指标", "竞赛项目数", "≥16个", "16个", "十", ""),       # sheet row 2: 分值 not a number
        ("产出指标", "质量指标", "", "≥10%", "12%", 30, ""),                   # row 3: no 三级指标
        ("效益指标", "社会效益指标", "职工技能提升", "提高", "提高", 30, ""),
        ("满意度指标", "服务对象满意度指标", "满" * 201, "≥90%", "95%", 10, ""),  # row 5: too long
    ]
    version = draft.version
    response = upload(filler, draft, workbook(rows))
    page = response.content.decode()
    assert 'id="confirm"' not in page and 'id="not-clean"' in page
    assert "第 2 行“分值”：分值“十”不是数字" in page
    assert "第 2 行“分值”：分值未填写" not in page  # one message per unreadable cell
    assert "第 3 行“三级指标”：三级指标不能为空" in page
    assert "第 5 行“三级指标”：三级指标不能超过 200 个字" in page
    draft.refresh_from_db()
    assert draft.indicators.count() == 0 and draft.version == version


def test_problems_for_later_do_not_block_but_are_shown(filler, draft):
    rows = [("产出指标", "数量指标", "竞赛项目数", "≥16个", "10个", 100, "")]  # missed by far, no reason given
    page = upload(filler, draft, workbook(rows)).content.decode()
    assert 'id="confirm"' in page
    assert "导入后在填报页补充" in page


def test_the_apps_own_excel_export_of_a_printed_form_imports_back_to_the_same_rows(filler, draft):
    source = selectors.assessment_queryset().get(project__name="市级困难职工及劳模帮扶救助专项资金（下达县区）")
    # The printed layout: title rows, a budget table above, merged 绩效指标 cell, 总分 row and analysis below.
    content = printing.render_xlsx(assessment=source)
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.merged_cells.ranges  # it really is the printed layout
    response = upload(filler, draft, content, name="石家庄.xlsx")
    assert 'id="confirm"' in response.content.decode()
    confirm(filler, draft, response)
    draft = selectors.assessment_queryset().get(pk=draft.pk)
    assert table(draft) == table(source)
    assert [i.target_text for i in draft.indicators.all()].count("=100%") == 3  # not read as formulas


def test_the_exported_workbook_writes_user_text_starting_with_equals_as_text_not_a_formula(demo):
    source = selectors.assessment_queryset().get(project__name="市级困难职工及劳模帮扶救助专项资金（下达县区）")
    ws = load_workbook(io.BytesIO(printing.render_xlsx(assessment=source))).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=100%"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_a_target_table_with_two_indicator_tables_is_read_whole(demo):
    source = selectors.assessment_queryset().get(kind=Assessment.Kind.TARGETS)
    from assessments.entry import excel_import

    preview = excel_import.read_indicator_workbook(
        SimpleUploadedFile("wuxi.xlsx", printing.render_xlsx(assessment=source)), assessment=source)
    assert preview.is_clean
    # The print groups the 共性 rows before the 履职 rows, so compare the rows, not their order.
    assert sorted((r["name"], r["target"], r.get("half_year_target", ""), r.get("key_work", ""))
                  for r in preview.raw_rows) == sorted(
        (i.name, i.target_text, i.half_year_target, i.key_work) for i in source.indicators.all())


def test_percent_cells_read_as_the_user_sees_them_and_append_keeps_existing_rows(filler, draft):
    upload_response = upload(filler, draft, workbook(GOOD_ROWS[:1]))
    confirm(filler, draft, upload_response)
    rows = [("满意度指标", "服务对象满意度指标", "参赛职工满意度", 0.9, 0.95, 10, "")]
    response = upload(filler, draft, workbook(rows, percent_cells=["D2", "E2"]), mode="append")
    page = response.content.decode()
    assert "90%" in page and "95%" in page
    confirm(filler, draft, response)
    draft = selectors.assessment_queryset().get(pk=draft.pk)
    assert [(i.name, i.target_text, i.actual_text) for i in draft.indicators.all()] == [
        ("竞赛项目数", "≥16个", "16个"), ("参赛职工满意度", "90%", "95%")]


def test_a_preview_confirmed_after_someone_else_saved_is_refused(filler, draft):
    response = upload(filler, draft, workbook(GOOD_ROWS))
    other = signed_in("xinzhou")
    other.post(reverse("assessment_step", args=[draft.pk, "goals"]),
               {"goal_expected": "举办竞赛", "goal_achieved": "", "action": "stay", "version": draft.version})
    result = confirm(filler, draft, response)
    assert result.status_code == 302 and result.url.endswith("/import/indicators/")
    assert draft.indicators.count() == 0


def test_a_tampered_token_is_refused(filler, draft):
    response = upload(filler, draft, workbook(GOOD_ROWS))
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    filler.post(reverse("indicators_import", args=[draft.pk]), {"token": token[:-3] + "abc"})
    assert draft.indicators.count() == 0


@pytest.mark.parametrize("name,content,message", [
    ("指标.xls", b"\xd0\xcf\x11\xe0 old excel", "只能导入 .xlsx 格式"),
    ("指标.xlsx", b"not a workbook at all", "不是有效的 .xlsx 文件"),
    ("指标.xlsx", b"PK\x03\x04 broken zip", "已损坏"),
    ("指标.xlsx", None, "找不到表头"),
])
def test_files_that_are_not_indicator_workbooks_get_a_chinese_message_and_nothing_is_written(
        filler, draft, name, content, message):
    if content is None:
        content = workbook([("a", "b")], header=["名称", "金额"])
    response = upload(filler, draft, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft.indicators.count() == 0


def test_uploads_over_the_size_limit_are_refused(filler, draft, settings):
    settings.EXCEL_IMPORT_MAX_BYTES = 1024
    response = upload(filler, draft, workbook(GOOD_ROWS * 20))
    assert response.status_code == 400 and "文件过大" in response.content.decode()


def test_a_zip_bomb_is_refused_before_it_is_expanded(filler, draft, settings):
    settings.EXCEL_IMPORT_MAX_EXPANDED_BYTES = 100_000
    big = workbook([("产出指标", "数量指标", f"指标{i}", "≥1个" + "x" * 150, "1个", 1, "") for i in range(900)])
    response = upload(filler, draft, big)
    assert response.status_code == 400 and "解压后过大" in response.content.decode()


def test_someone_elses_form_is_a_404(demo):
    czj = signed_in("czj_reviewer")
    xinzhou_form = Assessment.objects.filter(department__name="武汉市新洲区总工会").first()
    assert czj.get(reverse("indicators_import", args=[xinzhou_form.pk])).status_code == 404
    assert czj.get(reverse("indicators_import_template", args=[xinzhou_form.pk])).status_code == 404


def test_the_template_has_the_header_the_import_reads(filler, draft):
    response = filler.get(reverse("indicators_import_template", args=[draft.pk]))
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"]
    ws.append(list(GOOD_ROWS[0][:5]) + [100])
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    assert 'id="confirm"' in upload(filler, draft, buffer.getvalue()).content.decode()


cell_values = st.one_of(
    st.none(), st.text(max_size=30), st.integers(-10**20, 10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.sampled_from(["≥", "=100%", "总分", "好", "一级指标", "三级指标", "十", "1e400", "\x00"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell_values, min_size=1, max_size=9), max_size=8),
       st.permutations(HEADER))
def test_fuzzed_workbooks_get_a_page_never_a_server_error_and_write_nothing(filler, draft, rows, header):
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        content = workbook(rows, header=list(header))
    except (IllegalCharacterError, ValueError):
        return  # openpyxl itself cannot write such a sheet, so no user can upload it
    response = upload(filler, draft, content)
    assert response.status_code in (200, 400)
    draft.refresh_from_db()
    assert draft.indicators.count() == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_fuzzed_bytes_named_xlsx_get_a_message_never_a_server_error(filler, draft, content):
    response = upload(filler, draft, content)
    assert response.status_code in (200, 400)
    assert draft.indicators.count() == 0
