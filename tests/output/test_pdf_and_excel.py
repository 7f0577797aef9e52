"""Printed output a finance bureau would file: fonts embedded, text in order, layout, safety."""
import io
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from assessments.domain import interchange
from assessments.output import printing
from assessments.core import selectors
from assessments.exchange import services as exchange_services
from assessments.models import Assessment

pytestmark = pytest.mark.django_db




def pdf_of(assessment, tmp_path, name="out.pdf"):
    path = tmp_path / name
    call_command("assessment_export", str(assessment.pk), format="pdf", output=str(path), stdout=StringIO())
    return path


def tool(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def test_the_pdf_embeds_the_cjk_fonts_and_reads_in_order(demo, tmp_path):
    assessment = Assessment.objects.get(project__name="专项业务培训费")
    path = pdf_of(assessment, tmp_path)
    fonts = tool("pdffonts", str(path))
    embedded = [line for line in fonts.splitlines() if "CJK" in line]
    assert any("Serif-CJK-SC" in line for line in embedded) and any("Sans-CJK-SC" in line for line in embedded)
    assert all(line.split()[-5] == "yes" for line in embedded), fonts  # the "emb" column
    text = tool("pdftotext", "-layout", str(path), "-")
    assert "项目支出绩效自评表" in text and "（2023年度）" in text and "单位名称：石家庄市总工会" in text
    lines = text.splitlines()
    total_line = next(line for line in lines if "总分" in line and "98.35" in line)
    assert "优秀" in total_line
    budget_line = next(line for line in lines if "年度资金总额" in line)
    assert budget_line.split()[1:] == ["10.42", "10.42", "8.70", "10", "83.47%", "8.35"]
    assert "第1页共1页" in text.replace(" ", "")


def test_page_size_and_orientation_follow_the_table(demo, tmp_path):
    national = pdf_of(Assessment.objects.get(project__name="专项业务培训费"), tmp_path, "n.pdf")
    hubei = pdf_of(Assessment.objects.get(project__name="困难职工帮扶"), tmp_path, "h.pdf")
    assert "841.89 x 595.276 pts (A4)" in tool("pdfinfo", str(national))  # landscape
    info = tool("pdfinfo", str(hubei))
    assert "595.276 x 841.89 pts (A4)" in info and "Pages:           1" in info
    text = "".join(tool("pdftotext", str(hubei), "-").split())
    assert "预算执行情况（万元）（20分）" in text and "部门预算项目☑" in text and "区直专项☐" in text
    # As 新洲 附件2 prints it: "年度绩效目标1（80分）" and the 年度财政资金总额 row label (changed on purpose).
    assert "年度绩效目标1（80分）" in text and "年度财政资金总额" in text


def test_a_long_table_repeats_its_header_on_every_page_and_numbers_the_pages(demo, tmp_path):
    suzhou = Assessment.objects.get(department__name="苏州市总工会")
    text = tool("pdftotext", "-layout", str(pdf_of(suzhou, tmp_path)), "-")
    pages = text.split("\f")[:-1]
    assert len(pages) >= 3
    table_pages = [p for p in pages if "中长期规划制定健全性" in p or "帮扶发放标准符合度" in p or "满意度调查" in p]
    assert len(table_pages) >= 2
    assert all("指标完成值" in p for p in table_pages)
    assert f"第{len(pages)}页共{len(pages)}页" in pages[-1].replace(" ", "")


def reddish_pixels(pdf, tmp_path):
    """Count the watermark's pinkish pixels on page 1 (the table itself is black on white)."""
    from PIL import Image

    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    image = Image.open(next(tmp_path.glob(f"{pdf.stem}*.png"))).convert("RGB")
    return sum(1 for r, g, b in getattr(image, "get_flattened_data", image.getdata)() if r - g > 12 and r - b > 12)


def test_draft_watermark_until_approved(demo, tmp_path):
    assessment = Assessment.objects.get(project__name="劳模经费")
    assert reddish_pixels(pdf_of(assessment, tmp_path, "draft.pdf"), tmp_path) > 500
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.APPROVED)
    assessment.refresh_from_db()
    assert reddish_pixels(pdf_of(assessment, tmp_path, "approved.pdf"), tmp_path) == 0


def test_user_text_is_escaped_and_nothing_outside_static_is_fetched(examples_dir, tmp_path):
    data = interchange.loads((examples_dir / "xinzhou-kunnan-2023.json").read_text(encoding="utf-8"))
    data["analysis"]["deviation_reasons"] = (
        '<img src="http://198.51.100.7/x.png"><img src="file:///etc/passwd"><b>加粗</b>')
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors
    assessment = exchange_services.assessment_import(document=document)
    html = printing.render_html(assessment=assessment)
    assert "<img" not in html and "&lt;img src=&quot;http://198.51.100.7/x.png&quot;&gt;" in html
    for url in ("http://198.51.100.7/x.png", "file:///etc/passwd", "/static/../../config/env.py"):
        with pytest.raises(printing.FetchRefused):
            printing.allowed_static_path(url)
    assert printing.allowed_static_path("/static/css/app.css").name == "app.css"
    text = tool("pdftotext", "-layout", str(pdf_of(assessment, tmp_path)), "-")
    assert "<b>加粗</b>" in text.replace("\n", "")


def test_excel_has_the_same_layout_with_merged_cells_and_exact_figures(demo):
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    wb = load_workbook(io.BytesIO(printing.render(assessment=assessment, fmt="xlsx")))
    ws = wb.active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "2023年度困难职工帮扶项目自评表" in values
    assert "≥50人" in values and "满意" in values
    numbers = [v for v in values if not isinstance(v, str)]
    assert sum(1 for v in numbers if v == 20) >= 3 and 100 in numbers and 40 in numbers
    # The Hubei table prints whole scores ("100", "20") as the published form does (changed on purpose).
    figure = next(c for row in ws.iter_rows() for c in row if c.value == 100)
    assert figure.number_format == "0"
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert len(merged) >= 8
    # 一级 "产出指标" is merged down over its two rows, as printed.
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "产出指标")
    assert any(r.min_row == cell.row and r.max_row == cell.row + 1 and r.min_col == cell.column
               for r in ws.merged_cells.ranges)


@pytest.mark.slow
def test_every_demo_form_prints(demo, tmp_path):
    for assessment in selectors.assessment_queryset():
        pdf = printing.render(assessment=assessment, fmt="pdf")
        assert pdf.startswith(b"%PDF")
        assert printing.render(assessment=assessment, fmt="xlsx")[:2] == b"PK"


REFERENCE = Path(__file__).resolve().parent / "reference" / "hubei-kunnan-page1.png"


def page_one(pdf_bytes, tmp_path, name):
    from PIL import Image

    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / name)], check=True)
    return Image.open(tmp_path / f"{name}.png").convert("L")


def mean_difference(a, b):
    from PIL import ImageChops, ImageStat

    if a.size != b.size:
        return 255.0
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def test_page_one_matches_the_reviewed_reference_image(demo, tmp_path):
    """Page 1 of the Hubei 困难职工帮扶 table, reviewed against the published 新洲 附件2 layout."""
    from weasyprint import HTML

    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    reference = grayscale(REFERENCE)
    rendered = page_one(printing.render(assessment=assessment, fmt="pdf"), tmp_path, "now")
    difference = mean_difference(rendered, reference)
    print(f"page 1 vs reference: {difference:.3f}")
    assert difference < 1.0
    # The comparison is sharp enough to catch a broken print: no borders, or no CJK font.
    html = printing.render_html(assessment=assessment)
    no_borders = html.replace("border: 0.6pt solid #000", "border: 0 none")
    no_cjk = html.replace('"Noto Serif CJK SC"', '"DejaVu Serif"').replace('"Noto Sans CJK SC"', '"DejaVu Serif"')
    for name, variant in (("no-borders", no_borders), ("no-cjk", no_cjk)):
        broken = page_one(HTML(string=variant).write_pdf(), tmp_path, name)
        print(f"{name} vs reference: {mean_difference(broken, reference):.3f}")
        assert mean_difference(broken, reference) > 2.0, name


def grayscale(path):
    from PIL import Image

    return Image.open(path).convert("L")
