"""Batch export through the real queue: requested in the page, run by `db_worker`, downloaded.

These tests commit (the worker reads what the page queued, as in production), so they use a
transactional database (the demo fixture puts back what the flush after each removes).
"""
import io
import re
import shutil
import subprocess
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from assessments.entry import services as entry_services
from assessments.output import printing
from assessments.review import services as review_services
from assessments.models import Assessment, BatchExport, Department
from tests.helpers import signed_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(media):
    """The exports' files and the forms' attachments in this test's own folder."""


def run_worker():
    """What `python manage.py db_worker` does in production, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-reload", verbosity=0,
                 stdout=StringIO())


def request_export(client, **fields):
    return client.post(reverse("batch_exports"), {"year": "2023", "format": "pdf", **fields})


def approved_2023():
    return list(Assessment.objects.filter(fiscal_year__year=2023, status=Assessment.Status.APPROVED)
                .order_by("department__name", "kind", "project__name", "pk"))


def test_a_years_approved_forms_become_one_pdf_with_a_bookmark_per_form(demo):
    reviewer = signed_in("czj_reviewer")
    response = request_export(reviewer)
    assert response.status_code == 302
    export = BatchExport.objects.get()
    assert export.status == BatchExport.Status.QUEUED and export.task_id
    page = reviewer.get(response.url).content.decode()
    assert 'id="export-progress"' in page and "排队中" in page
    assert reviewer.get(reverse("batch_export_download", args=[export.pk])).status_code == 404  # not yet

    run_worker()

    export.refresh_from_db()
    forms = approved_2023()
    assert len(forms) == 7  # the 石家庄 department and its six projects
    assert (export.status, export.done, export.total) == (BatchExport.Status.DONE, 7, 7)
    status = reviewer.get(reverse("batch_export_status", args=[export.pk])).json()
    assert status["percent"] == 100 and status["download"]
    download = reviewer.get(status["download"])
    content = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(content))
    # Top-level bookmarks, one per form; each form's own headings are nested below its bookmark.
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [a.title for a in forms]
    single = [len(PdfReader(io.BytesIO(printing.render_pdf(assessment=a))).pages) for a in forms]
    assert len(reader.pages) == sum(single)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout
        text = text.decode()
        assert all(a.project.name in text for a in forms if a.project)
        assert "草稿" not in text  # approved forms carry no draft watermark


def test_a_zip_holds_one_pdf_per_form_filed_by_department(demo):
    reviewer = signed_in("czj_reviewer")
    request_export(reviewer, format="zip")
    run_worker()
    export = BatchExport.objects.get()
    with zipfile.ZipFile(export.file.path) as archive:
        names = archive.namelist()
        assert len(names) == 7 and all(n.startswith("石家庄市总工会/") and n.endswith(".pdf") for n in names)
        assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_a_zip_carries_each_forms_attachments_in_a_folder_beside_its_pdf(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile


    form = approved_2023()[1]
    # Uploaded while the form was open (the state is set back and forth here only to stage that).
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.RETURNED)
    for name, content in (("验收单.pdf", b"%PDF-1.4 acceptance"), ("验收单.pdf", b"%PDF-1.4 second"),
                          ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)):
        review_services.attachment_add(assessment=form, user=None, upload=SimpleUploadedFile(name, content))
    Assessment.objects.filter(pk=form.pk).update(status=Assessment.Status.APPROVED)

    reviewer = signed_in("czj_reviewer")
    request_export(reviewer, format="zip")
    run_worker()
    export = BatchExport.objects.get()
    assert export.status == BatchExport.Status.DONE, export.error
    with zipfile.ZipFile(export.file.path) as archive:
        names = archive.namelist()
        pdfs = [n for n in names if n.endswith(".pdf") and "佐证材料" not in n]
        assert len(pdfs) == 7
        folder = pdfs[1][: -len(".pdf")] + "-佐证材料/"
        assert sorted(n for n in names if "佐证材料" in n) == sorted(
            [folder + "验收单.pdf", folder + "验收单（2）.pdf", folder + "照片.png"])
        assert archive.read(folder + "验收单.pdf") == b"%PDF-1.4 acceptance"
        assert archive.read(folder + "验收单（2）.pdf") == b"%PDF-1.4 second"


def test_the_worker_renders_in_child_processes_that_are_replaced_so_memory_stays_bounded(demo, settings):
    settings.BATCH_EXPORT_RECYCLE_EVERY = 3
    reviewer = signed_in("czj_reviewer")
    request_export(reviewer)
    run_worker()
    export = BatchExport.objects.get()
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.get(id=export.task_id)
    assert result.return_value["forms"] == 7
    assert result.return_value["processes"] == 3  # 7 forms, a fresh child every 3


def test_one_department_and_its_units_only(demo):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    jiangmen = Department.objects.get(name="江门市总工会")
    for assessment in Assessment.objects.filter(department__name__startswith="江门"):
        entry_services.assessment_submit(assessment=assessment, user=User.objects.get(username="jiangmen"))
        review_services.assessment_approve(assessment=assessment, user=User.objects.get(username="jiangmen_reviewer"))
    admin = signed_in("admin")
    request_export(admin, year="2022", department=str(jiangmen.pk), format="zip")
    run_worker()
    export = BatchExport.objects.get()
    with zipfile.ZipFile(export.file.path) as archive:
        assert {n.split("/")[0] for n in archive.namelist()} <= {"江门市总工会", "江门市工人文化宫"}
        assert len(archive.namelist()) == Assessment.objects.filter(
            department__name__startswith="江门", status=Assessment.Status.APPROVED).count()


def test_scope_nothing_to_export_and_foreign_exports(demo):
    filler = signed_in("xinzhou")
    response = request_export(filler)
    assert response.status_code == 400 and "没有已审核的表可以导出" in response.content.decode()
    suzhou = Department.objects.get(name="苏州市总工会")
    assert request_export(filler, department=str(suzhou.pk)).status_code == 404  # not in the filler's scope
    reviewer = signed_in("czj_reviewer")
    request_export(reviewer)
    export = BatchExport.objects.get()
    for name in ("batch_export_detail", "batch_export_status", "batch_export_download"):
        assert filler.get(reverse(name, args=[export.pk])).status_code == 404
    assert not BatchExport.objects.filter(requested_by__username="xinzhou").exists()


def test_the_exports_page_lists_my_exports_and_the_years_i_can_export(demo):
    reviewer = signed_in("czj_reviewer")
    page = reviewer.get(reverse("batch_exports")).content.decode()
    assert re.search(r'<option value="2023">2023</option>', page)
    request_export(reviewer)
    run_worker()
    page = reviewer.get(reverse("batch_exports")).content.decode()
    assert "已完成 7/7" in page and "下载" in page


def test_a_failed_export_says_so_in_chinese_and_the_page_offers_no_download(demo, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    settings.MEDIA_ROOT = blocked  # the finished file cannot be stored (a full or read-only disk)
    reviewer = signed_in("czj_reviewer")
    request_export(reviewer)
    run_worker()
    export = BatchExport.objects.get()
    assert export.status == BatchExport.Status.FAILED and export.finished_at is not None
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=export.task_id).status == "FAILED"  # the queue's own record agrees
    status = reviewer.get(reverse("batch_export_status", args=[export.pk])).json()
    assert status["status_label"] == "失败" and status["error"].startswith("生成失败") and not status["download"]
    assert reviewer.get(reverse("batch_export_download", args=[export.pk])).status_code == 404



def test_old_exports_are_pruned_with_their_files(demo):
    from django.utils import timezone

    reviewer = signed_in("czj_reviewer")
    request_export(reviewer, format="zip")
    request_export(reviewer, format="zip")
    run_worker()
    old, recent = BatchExport.objects.order_by("pk")
    BatchExport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timezone.timedelta(days=40))
    old_path, recent_path = old.file.path, recent.file.path
    call_command("prune_exports", "--days", "30", stdout=StringIO())
    assert list(BatchExport.objects.values_list("pk", flat=True)) == [recent.pk]
    import os

    assert not os.path.exists(old_path) and os.path.exists(recent_path)
