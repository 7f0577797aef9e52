"""The printed forms beside the published tables (issue 12): PDF, Excel and Word read back."""
import io
import subprocess
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from docx import Document as WordDocument
from openpyxl import load_workbook

from assessments.domain import interchange
from assessments.output import layouts, pdfworker, printing
from assessments.core import selectors
from assessments.exchange import services as exchange_services
from assessments.models import Assessment
from tests.output.stress import stress_document

pytestmark = pytest.mark.django_db


def tool(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_file(assessment, tmp_path, name="out.pdf"):
    path = tmp_path / name
    path.write_bytes(printing.render(assessment=assessment, fmt="pdf"))
    return path


def pages(path):
    return tool("pdftotext", "-layout", str(path), "-").split("\f")[:-1]


def flat(path):
    return "".join(tool("pdftotext", str(path), "-").split())


def workbook(assessment):
    return load_workbook(io.BytesIO(printing.render(assessment=assessment, fmt="xlsx")))


# --- PDF ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_stress_form_fits_twelve_pages_with_the_column_header_on_every_page(tmp_path):
    document, evaluation, scheme = stress_document(60)
    html = printing.render_html(layout=layouts.build_layout(document, evaluation, scheme))
    path = tmp_path / "stress.pdf"
    path.write_bytes(pdfworker.render(html, static_url=settings.STATIC_URL, roots=printing.static_roots()))
    printed = pages(path)
    assert 2 <= len(printed) <= 12
    assert all("三级指标" in page and "偏差原因分析及改进措施" in page for page in printed)
    # The merged 一级/二级 labels are cut at each page start and repeated: no page without them.
    raw = ["".join(p.split()) for p in tool("pdftotext", str(path), "-").split("\f")[:-1]]
    with_rows = [p for p in raw if "≥100人" in p]
    assert len(with_rows) >= len(printed) - 1
    assert all(any(label in page for label in ("产出指标", "效益指标", "满意度指标")) for page in with_rows)
    # (a wrapped 二级 label is matched by its first line: "服务对象满意/度指标")
    assert all(any(label in page for label in ("数量指标", "质量指标", "时效指标", "社会效益", "服务对象"))
               for page in with_rows)
    # Every row is printed, none lost at a page break.
    text = flat(path)
    assert all(f"{i:02d}服务对象满意度" in text for i in range(1, 61))


def test_the_draft_mark_is_a_picture_not_text_and_the_metadata_name_the_form(demo, tmp_path):
    draft = Assessment.objects.get(project__name="困难职工帮扶")
    path = pdf_file(draft, tmp_path)
    text = tool("pdftotext", str(path), "-")
    assert "草" not in text and "稿" not in text
    info = tool("pdfinfo", str(path))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert "困难职工帮扶" in fields["Title"] and "项目支出绩效自评表" in fields["Title"]
    assert fields["Author"].strip() == "武汉市新洲区总工会"
    assert "2023年度困难职工帮扶项目自评表" in fields["Subject"]
    assert fields["CreationDate"].strip()


def test_downloads_are_named_after_the_form(demo, client):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    client.post(reverse("login"), {"username": "xinzhou", "password": "demo-xinzhou-2024"})
    for fmt in ("pdf", "xlsx", "docx"):
        response = client.get(reverse("assessment_download", args=[assessment.pk, fmt]))
        assert response.status_code == 200
        header = response["Content-Disposition"]
        assert "filename*=utf-8''" in header.lower()
        assert unquote(header.split("''", 1)[1]) == f"2023年度_困难职工帮扶_项目支出绩效自评表.{fmt}"


def test_hubei_table_prints_the_official_labels_and_notes_verbatim(demo, tmp_path):
    text = flat(pdf_file(Assessment.objects.get(project__name="困难职工帮扶"), tmp_path))
    assert text.startswith("2023年度困难职工帮扶项目自评表单位名称")  # no "（2023年度）" subtitle
    assert "年度财政资金总额" in text and "年度绩效目标1（80分）" in text
    for note in layouts.HUBEI_NOTES:
        assert "".join(note.split()) in text


def test_national_project_table_has_no_deviation_column_and_a_labelled_grade(demo, tmp_path):
    printed = pages(pdf_file(Assessment.objects.get(project__name="专项业务培训费"), tmp_path))
    assert len(printed) == 1
    header = next(line for line in printed[0].splitlines() if "三级指标" in line)
    assert "偏差" not in header.replace("偏差原因分析及改进措施", "")
    total = next(line for line in printed[0].splitlines() if "总分" in line)
    assert "评价等级：优秀" in total.replace(" ", "")


def test_shijiazhuang_report_quotes_its_projects_and_lists_the_working_group(demo, tmp_path):
    department = Assessment.objects.get(department__name="石家庄市总工会", project=None)
    path = pdf_file(department, tmp_path)
    text = flat(path)
    assert text.startswith("石家庄市总工会部门2023年度整体支出绩效自评报告")
    for figure in ("扣1.65", "扣1.84", "98.35", "99.97", "98.16", "83.47%", "81.58%"):
        assert figure in text, figure
    # The working group is a table of people, one per row, with room to sign.
    layout = printing.layout_for(department)
    signature = next(b for b in layout.blocks if isinstance(b, layouts.Table) and "评价工作组" in b.caption)
    names = [row[0].text for row in signature.rows[1:]]
    assert names[:2] == ["张宝山", "郟建军"] and signature.rows[1][1].text == "副主席、党组成员"
    assert all(cell.kind == "sign" for row in signature.rows[1:] for cell in row)


def test_suzhou_prints_its_sections_then_tables_seven_to_nine(demo, tmp_path):
    suzhou = Assessment.objects.get(department__name="苏州市总工会")
    text = flat(pdf_file(suzhou, tmp_path))
    assert text.startswith("苏州市市级预算部门（单位）整体支出预算绩效自评报告（2023年度）")
    order = ["一、预算部门名称", "六、绩效自评结果拟应用和公开情况", "七、预算信息", "八、年度重点任务", "九、部门整体自评表"]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "分解目标" in text and "年初预算数（万元）" in text
    nine = text[text.index("九、部门整体自评表"):]
    assert "二级指标" not in nine
    assert "人员管理制度执行有效性" in nine and "执行规范性行" not in nine


def test_xinzhou_score_table_has_its_overall_row_and_sums_in_excel(demo, tmp_path):
    xinzhou = Assessment.objects.get(department__name="武汉市新洲区总工会", project=None)
    text = tool("pdftotext", "-layout", str(pdf_file(xinzhou, tmp_path)), "-")
    overall = next(line for line in text.splitlines() if "综合绩效" in line)
    assert overall.split() == ["综合绩效", "100%", "100", "90", "90%", "优"]
    effect = next(line for line in text.splitlines() if line.split()[:1] == ["效果"])
    assert effect.split() == ["效果", "20%", "20", "19", "95%", "优"]
    assert "96.58%" in text and "3.42%" in text  # the base data's expenditure shares
    wb = workbook(xinzhou)
    ws = next(ws for ws in wb.worksheets if any(c.value == "综合绩效" for row in ws.iter_rows() for c in row))
    rows = [[c for c in row] for row in ws.iter_rows()]
    head = next(r for r in rows if any(c.value == "得分" for c in r))
    score_col = next(c.column for c in head if c.value == "得分")
    components = [r for r in rows if r[0].value in ("投入", "过程", "产出", "效果")]
    scores = [ws.cell(row=r[0].row, column=score_col).value for r in components]
    assert all(isinstance(s, (int, float)) for s in scores) and sum(scores) == 90
    rate = ws.cell(row=components[-1][0].row, column=score_col + 1)
    assert rate.value == pytest.approx(0.95) and rate.number_format == "0%"


def test_wuxi_target_table_keeps_decimals_empty_rows_and_merged_labels(demo, tmp_path):
    wuxi = Assessment.objects.get(department__name="无锡市总工会（本级）")
    text = flat(pdf_file(wuxi, tmp_path))
    assert text.startswith("江苏省省级部门整体预算绩效目标表2022年度")
    assert "897.334" in text and "226.124" in text and "897.33%" not in text
    assert "经济效益" in text and "生态效益" in text
    assert text.index("履职") < text.index("社会效益")
    layout = printing.layout_for(wuxi)
    cells = [c for b in layout.blocks if isinstance(b, layouts.Table) for row in b.rows for c in row]
    assert next(c for c in cells if c.text == "财政拨款").rowspan == 4
    key_work = next(c for c in cells if c.text == "开展创业就业，普惠职工工作")
    assert key_work.rowspan == 3
    assert sum(1 for c in cells if c.text == "开展创业就业，普惠职工工作") == 1


def test_filler_and_phone_and_base_figures_are_printed(demo, tmp_path):
    jiangmen = Assessment.objects.get(department__name="江门市总工会", project=None)
    text = flat(pdf_file(jiangmen, tmp_path))
    assert "填报人：甘宝玲" in text and "联系电话：0750-3276289" in text
    assert "73.50%" in text and "26.50%" in text
    assert "≥10个" in text and "≥20000人次" in text and "≥90%" in text


# --- Excel ----------------------------------------------------------------------------------
def test_excel_prints_to_page_width_with_titles_footer_and_draft_mark(demo):
    ws = workbook(Assessment.objects.get(project__name="困难职工帮扶")).active
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0 and ws.page_setup.orientation == "portrait"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.oddHeader.right.text == "草稿"
    # The 备注 are printed, in a row tall enough for their wrapped text.
    notes = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("备注"))
    assert ws.row_dimensions[notes.row].height >= 100
    suzhou = workbook(Assessment.objects.get(department__name="苏州市总工会"))
    table = next(ws for ws in suzhou.worksheets if ws.title.startswith("九"))
    assert table.print_title_rows and table.sheet_properties.pageSetUpPr.fitToPage


def test_excel_numbers_are_numbers_with_the_printed_format(demo):
    ws = workbook(Assessment.objects.get(project__name="专项业务培训费")).active
    values = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    rate = next(c for c in values.values() if c.value == pytest.approx(0.8347))
    assert rate.number_format == "0.00%"
    assert not any(isinstance(c.value, str) and c.value.replace(".", "").replace("%", "").isdigit()
                   for c in values.values())
    approved = Assessment.objects.get(project__name="专项业务培训费")
    assert approved.status == Assessment.Status.APPROVED
    assert ws.oddHeader.right.text in (None, "")


def test_sheet_titles_and_cells_survive_unsafe_characters(examples_dir, client, django_user_model):
    data = interchange.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    data["project"]["name"] = "帮扶/救助[一期]:*?项目\x07"
    data["analysis"]["deviation_reasons"] = "从 Word 粘贴\x0b的文字\x0c和\x1f控制字符"
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors
    assessment = exchange_services.assessment_import(document=document)
    wb = load_workbook(io.BytesIO(printing.render(assessment=assessment, fmt="xlsx")))
    assert wb.active.title.startswith("2023年度帮扶_救助_一期_")
    values = [c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert "从 Word 粘贴的文字和控制字符" in values
    word = WordDocument(io.BytesIO(printing.render(assessment=assessment, fmt="docx")))
    assert any("从 Word 粘贴的文字和控制字符" in c.text for t in word.tables for row in t.rows for c in row.cells)
    assert printing.render(assessment=assessment, fmt="pdf").startswith(b"%PDF")
    user = django_user_model.objects.create_superuser("root", "", "pw")
    client.force_login(user)
    response = client.get(reverse("assessment_download", args=[assessment.pk, "xlsx"]))
    assert response.status_code == 200


# --- Word -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_word_report_has_the_sections_and_tables_of_the_layout(demo):
    suzhou = Assessment.objects.get(department__name="苏州市总工会")
    word = WordDocument(io.BytesIO(printing.render(assessment=suzhou, fmt="docx")))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == "苏州市市级预算部门（单位）整体支出预算绩效自评报告"
    assert paragraphs.index("一、预算部门名称") < paragraphs.index("七、预算信息") < paragraphs.index("九、部门整体自评表")
    layout = printing.layout_for(suzhou)
    tables = [b for b in layout.blocks if isinstance(b, layouts.Table)]
    assert len(word.tables) == len(tables)
    budget = word.tables[[t.caption for t in tables].index("七、预算信息")]
    assert budget.rows[1].cells[0].text == "预算总金额" and budget.rows[1].cells[1].text == "1363.41"
    header = budget.rows[0]._tr.trPr
    assert header is not None and header.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    assert word.core_properties.author == "苏州市总工会"
    assert word.sections[0].page_width < word.sections[0].page_height  # portrait, as published


def test_the_export_command_writes_word(demo, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    assessment = Assessment.objects.get(department__name="江门市总工会", project=None)
    path = tmp_path / "report.docx"
    call_command("assessment_export", str(assessment.pk), format="docx", output=str(path), stdout=StringIO())
    word = WordDocument(str(path))
    assert word.paragraphs[0].text == "部门整体支出绩效自评报告"
    assert any("填报人：甘宝玲" in p.text for p in word.paragraphs)


@pytest.mark.slow
def test_every_demo_form_exports_to_word(demo):
    for assessment in selectors.assessment_queryset():
        word = WordDocument(io.BytesIO(printing.render(assessment=assessment, fmt="docx")))
        assert word.paragraphs[0].text == printing.layout_for(assessment).title


def test_a_span_crossing_a_page_start_is_cut_there_with_its_label_repeated():
    from assessments.output import pagination

    Cell, Table = layouts.Cell, layouts.Table
    table = Table(widths=[1, 1, 1], header_rows=1)
    table.rows = [[Cell("一级", kind="head"), Cell("二级", kind="head"), Cell("三级", kind="head")],
                  [Cell("产出指标", rowspan=4), Cell("数量指标", rowspan=2), Cell("a")],
                  [Cell("b")],
                  [Cell("质量指标", rowspan=2), Cell("c")],
                  [Cell("d")]]
    # Row 2 starts page 2 and row 4 is split over pages 2 and 3.
    pages = {"0-1": [0], "0-2": [1], "0-3": [1], "0-4": [1, 2]}
    starts = pagination.page_starts(0, table, pages)
    assert starts == [2]
    pagination.split_spans(table, starts)
    assert [c.text for c in table.rows[2]] == ["产出指标", "数量指标", "b"]
    assert table.rows[1][0].rowspan == 1 and table.rows[1][1].rowspan == 1
    assert table.rows[2][0].rowspan == 3 and table.rows[2][1].rowspan == 1
    assert [c.text for c in table.rows[3]] == ["质量指标", "c"]
