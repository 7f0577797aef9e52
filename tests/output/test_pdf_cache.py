"""An approved revision's PDF is rendered once and then served from its file; drafts every time."""
import pytest
from django.urls import reverse

from assessments.output import printing
from assessments.models import Assessment
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def download(client, assessment):
    response = client.get(reverse("assessment_download", args=[assessment.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_an_approved_forms_pdf_is_kept_and_served_from_its_file(demo, media):
    reviewer = signed_in("czj_reviewer")
    approved = Assessment.objects.get(project__name="专项业务培训费")
    first = download(reviewer, approved)
    kept = printing.approved_pdf_path(assessment=approved)
    assert kept.parent.parent == media and kept.read_bytes() == first
    assert str(approved.pk) in kept.name and f"v{approved.version}" in kept.name
    # Served from the file: what is in the file is what the next person gets.
    kept.write_bytes(first.replace(b"%%EOF", b"%%EOF\n% kept copy"))
    assert b"% kept copy" in download(reviewer, approved)
    assert list(kept.parent.glob("*.tmp")) == []  # written under a temporary name, then renamed


def test_a_draft_is_rendered_each_time_and_never_kept(demo, media):
    draft = Assessment.objects.get(project__name="困难职工帮扶")
    assert draft.status == Assessment.Status.DRAFT and printing.approved_pdf_path(assessment=draft) is None
    assert printing.render_pdf(assessment=draft).startswith(b"%PDF")
    assert not (media / "approved-pdf").exists()


def test_a_new_version_of_a_form_gets_a_new_file(demo, media):
    approved = Assessment.objects.get(project__name="专项业务培训费")
    before = printing.approved_pdf_path(assessment=approved)
    approved.version += 1  # what reopening and approving again does (each write adds one)
    assert printing.approved_pdf_path(assessment=approved) != before


def test_an_unwritable_media_folder_costs_a_render_not_the_download(demo, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked
    reviewer = signed_in("czj_reviewer")
    assert download(reviewer, Assessment.objects.get(project__name="专项业务培训费")).startswith(b"%PDF")


def test_downloads_can_render_in_a_renderer_process(demo, media, settings):
    settings.PDF_RENDERER_PROCESSES = 1
    reviewer = signed_in("czj_reviewer")
    try:
        assert download(reviewer, Assessment.objects.get(project__name="专项业务培训费")).startswith(b"%PDF")
        pool = printing._pool
        assert pool is not None and len(pool._processes) == 1  # laid out in the renderer, not here
    finally:
        if printing._pool is not None:
            printing._pool.shutdown()
            printing._pool = None


def test_a_department_forms_kept_pdf_follows_the_project_forms_it_prints(demo, media):
    """An F2 prints its year's project results too: a change to one of them makes a new file."""
    department_form = Assessment.objects.get(department__name="石家庄市总工会", kind=Assessment.Kind.DEPARTMENT)
    assert department_form.status == Assessment.Status.APPROVED
    before = printing.approved_pdf_path(assessment=department_form)
    project = Assessment.objects.get(project__name="专项业务培训费")
    Assessment.objects.filter(pk=project.pk).update(version=project.version + 1)  # as any write does
    assert printing.approved_pdf_path(assessment=department_form) != before
