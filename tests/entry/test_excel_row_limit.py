"""The Excel import's row limit is checked before the workbook is loaded: a sheet past the limit is
refused while its XML is streamed, without building its cells (a 4.9 MB file used to take 12.9 s and
415 MB before the refusal came)."""
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from assessments.models import Indicator
from tests.helpers import signed_in
from tests.entry.test_excel_import import HEADER
from tests.entry.test_wizard import new_project

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"


def _big_workbook(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("指标表")
    ws.append(HEADER)
    for i in range(rows):
        ws.append(["产出指标", "数量指标", f"指标{i}", "≥50人", "60人", 1, "说明文字" * 3])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(content, change):
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, change(data.decode()).encode() if item.filename == SHEET else data)
    return out.getvalue()


def _upload(client, assessment, content):
    return client.post(reverse("indicators_import", args=[assessment.pk]),
                       {"file": SimpleUploadedFile("指标.xlsx", content), "mode": "replace"})


@pytest.fixture
def draft(demo):
    client = signed_in("xinzhou")
    return client, new_project(client, name="大文件导入")


@pytest.mark.slow
def test_a_large_workbook_is_refused_by_its_row_count_before_its_rows_are_loaded(draft):
    client, assessment = draft
    content = _big_workbook(40_000)
    assert len(content) > 1_000_000

    # Everything after row 5,002 is cut off mid-cell: loading the whole sheet would fail on it
    # ("damaged file"), so the row-limit message proves the reading stopped at the limit.
    def break_tail(xml):
        cut = xml.index('<row r="5003"')
        return xml[:cut] + '<row r="5003"><c r="A5003" t="inlineStr"><is><t>截断'

    response = _upload(client, assessment, _rewrite_sheet(content, break_tail))
    assert response.status_code == 400
    text = response.content.decode()
    assert "超过 5000 行的上限" in text and "指标表" in text
    assert "已损坏" not in text
    assert not Indicator.objects.filter(assessment=assessment).exists()


def test_a_sheet_that_understates_its_size_is_still_refused(draft):
    client, assessment = draft
    content = _rewrite_sheet(_big_workbook(6_000),
                             lambda xml: re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:G10"/>', xml))
    response = _upload(client, assessment, content)
    assert response.status_code == 400 and "超过 5000 行的上限" in response.content.decode()


def test_one_cell_far_below_the_table_counts_as_rows(draft):
    client, assessment = draft
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["产出指标", "数量指标", "指标", "≥50人", "60人", 10, ""])
    ws["A100000"] = "x"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _upload(client, assessment, buffer.getvalue())
    assert response.status_code == 400 and "超过 5000 行的上限" in response.content.decode()


@pytest.mark.slow
def test_a_table_just_under_the_limit_is_read(draft):
    client, assessment = draft
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["产出指标", "数量指标", "指标", "≥50人", "60人", 10, ""])
    ws["A5000"] = ""
    ws["B4999"] = "备注"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _upload(client, assessment, buffer.getvalue())
    assert "超过 5000 行的上限" not in response.content.decode()
