"""佐证材料: the filer uploads and deletes while the form is open; reviewers list and download them."""
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment, AssessmentEvent, Attachment
from tests.helpers import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def kunnan():
    return Assessment.objects.get(project__name="困难职工帮扶")


def filer():
    return signed_in("xinzhou")


def reviewer():
    return signed_in("czj_reviewer")


def upload(client, assessment, name, content, **extra):
    return client.post(reverse("attachment_upload", args=[assessment.pk]),
                       {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream"), **extra})


def detail(client, assessment):
    return client.get(reverse("assessment_detail", args=[assessment.pk])).content.decode()


def test_the_filer_uploads_a_pdf_the_reviewer_downloads_it_and_the_timeline_says_so(demo, media):
    form = kunnan()
    response = upload(filer(), form, "验收单.pdf", PDF)
    assert response.status_code == 302 and response.url.endswith("#attachments")
    item = Attachment.objects.get(assessment=form)
    assert (item.original_name, item.content_type, item.size, item.row) == ("验收单.pdf", "application/pdf", len(PDF), None)
    # Stored under MEDIA_ROOT with a generated name: nothing the uploader typed reaches the disk.
    stored = media / item.file.name
    assert stored.read_bytes() == PDF and "验收单" not in item.file.name and item.file.name.endswith(".pdf")
    event = AssessmentEvent.objects.filter(assessment=form).latest("pk")
    assert event.type == AssessmentEvent.Type.ATTACHED and "验收单.pdf" in event.comment and "整张表" in event.comment

    page = detail(reviewer(), form)
    assert "验收单.pdf" in page and reverse("attachment_download", args=[form.pk, item.pk]) in page
    download = reviewer().get(reverse("attachment_download", args=[form.pk, item.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert "%E9%AA%8C%E6%94%B6%E5%8D%95.pdf" in download["Content-Disposition"]  # 验收单.pdf, encoded
    assert download["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_on_an_indicator_row_is_listed_beside_that_row(demo):
    form = kunnan()
    first = form.indicators.order_by("order").first()
    upload(filer(), form, "现场照片.png", PNG, row="0")
    item = Attachment.objects.get(assessment=form)
    assert (item.row, item.row_name, item.content_type) == (0, first.name, "image/png")
    page = detail(reviewer(), form)
    row_html = page.split(f"<td>{first.name}</td>", 1)[1].split("</tr>", 1)[0]
    assert "现场照片.png" in row_html
    assert f"绩效指标第 1 行“{first.name}”" in page
    assert "绩效指标第 1 行" in AssessmentEvent.objects.filter(assessment=form).latest("pk").comment


@pytest.mark.parametrize("name, content, kind", [
    ("报告.docx", None, "docx"), ("明细.xlsx", None, "xlsx"), ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "jpg"),
])
def test_office_files_and_images_are_accepted_by_what_they_are(demo, name, content, kind):
    content = content or (docx_bytes() if kind == "docx" else xlsx_bytes())
    upload(filer(), kunnan(), name, content)
    item = Attachment.objects.get()
    assert item.file.name.endswith("." + kind)


@pytest.mark.parametrize("name, content", [
    ("验收单.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),       # a program renamed to .pdf
    ("报告.docx", b"<html><script>alert(1)</script></html>"),            # a web page renamed
    ("明细.xlsx", b"PK\x03\x04" + b"\x00" * 100),                         # not a real zip
    ("照片.png", None),                                                  # a zip that is no Office file
])
def test_a_file_whose_content_is_not_an_accepted_type_is_refused_whatever_its_name(demo, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", b"MZ")
        content = buffer.getvalue()
    form = kunnan()
    client = filer()
    response = upload(client, form, name, content)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert f"“{name}”的内容不是可接受的文件类型" in page
    assert not Attachment.objects.exists()
    assert not AssessmentEvent.objects.filter(type=AssessmentEvent.Type.ATTACHED).exists()


def test_a_file_over_the_limit_is_refused_with_the_limit_named(demo, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = filer()
    response = upload(client, kunnan(), "大文件.pdf", PDF + b"0" * 2048)
    page = client.get(response.url).content.decode()
    assert "“大文件.pdf”过大（2.1\xa0KB）：上限为 1.0\xa0KB。" in page
    assert not Attachment.objects.exists()
    # A body far over the limit is refused before it is read at all.
    response = upload(client, kunnan(), "很大.pdf", PDF + b"0" * 200_000)
    assert "文件过大：上限为 1.0\xa0KB。" in client.get(response.url).content.decode()
    assert not Attachment.objects.exists()


def test_the_filer_deletes_an_attachment_while_open_and_the_file_goes_with_it(
        demo, media, django_capture_on_commit_callbacks):
    form = kunnan()
    client = filer()
    upload(client, form, "验收单.pdf", PDF)
    item = Attachment.objects.get()
    stored = media / item.file.name
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        response = client.post(reverse("attachment_delete", args=[form.pk, item.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists() and not stored.exists()
    event = AssessmentEvent.objects.filter(assessment=form).latest("pk")
    assert event.type == AssessmentEvent.Type.DETACHED and "验收单.pdf" in event.comment


def test_a_submitted_or_approved_form_takes_no_upload_and_loses_no_attachment(demo):
    form = kunnan()
    client = filer()
    upload(client, form, "验收单.pdf", PDF)
    item = Attachment.objects.get()
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.SUBMITTED)
    page = detail(client, form)
    assert 'name="file"' not in page and reverse("attachment_delete", args=[form.pk, item.pk]) not in page
    response = upload(client, form, "补充.pdf", PDF)
    assert "不能上传或删除佐证材料" in client.get(response.url).content.decode()
    client.post(reverse("attachment_delete", args=[form.pk, item.pk]))
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["验收单.pdf"]

    approved = Assessment.objects.filter(status=Assessment.Status.APPROVED).first()
    response = upload(signed_in("czj_reviewer"), approved, "x.pdf", PDF)
    assert response.status_code == 404  # a reviewer is no filer of the form
    assert Attachment.objects.count() == 1


def test_a_foreign_attachment_is_a_404(demo):
    form = kunnan()
    upload(filer(), form, "验收单.pdf", PDF)
    item = Attachment.objects.get()
    outsider = signed_in("suzhou")
    assert outsider.get(reverse("attachment_download", args=[form.pk, item.pk])).status_code == 404
    assert outsider.post(reverse("attachment_delete", args=[form.pk, item.pk])).status_code == 404
    assert upload(outsider, form, "x.pdf", PDF).status_code == 404
    # The attachment's id under another form the outsider may see is a 404 too.
    own = Assessment.objects.filter(department__name="苏州市总工会").first()
    assert outsider.get(reverse("attachment_download", args=[own.pk, item.pk])).status_code == 404
    # A reviewer's delete of a filer's attachment is a 404 as well.
    assert reviewer().post(reverse("attachment_delete", args=[form.pk, item.pk])).status_code == 404
    assert Attachment.objects.count() == 1


def test_a_row_is_named_as_its_form_prints_it_and_a_missing_row_is_refused(demo):
    suzhou = signed_in("suzhou")
    form = Assessment.objects.get(department__name="苏州市总工会", kind=Assessment.Kind.DEPARTMENT)
    first = form.indicators.order_by("order").first()
    page = detail(suzhou, form)
    assert f"部门整体自评表第 1 行“{first.name}”" in page  # the row choice in the upload form
    upload(suzhou, form, "说明.pdf", PDF, row="0")
    assert f"部门整体自评表第 1 行“{first.name}”：说明.pdf" in AssessmentEvent.objects.latest("pk").comment
    response = upload(suzhou, form, "说明.pdf", PDF, row="999")
    assert "部门整体自评表第 1000 行不存在" in suzhou.get(response.url).content.decode()
    assert Attachment.objects.count() == 1
