"""Downloads: print preview, PDF/Excel/Word of a form, and batch exports of a year.
"""
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.urls import reverse

from assessments.core import selectors
from assessments.output import printing
from assessments.core.errors import AppError
from assessments.core.params import int_param, year_param
from assessments.output import services
from assessments.models import Assessment, BatchExport, FiscalYear


@login_required
def assessment_print_preview(request, pk):
    """Show the official layout exactly as the PDF prints it."""
    return HttpResponse(printing.render_html(assessment=selectors.assessment_visible_or_404(user=request.user, pk=pk), paginate=False))


DOWNLOADS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
def assessment_download(request, pk, fmt):
    if fmt not in DOWNLOADS:
        raise Http404
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    response = HttpResponse(printing.render(assessment=assessment, fmt=fmt), content_type=DOWNLOADS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, printing.download_name(assessment=assessment, fmt=fmt))
    return response


@login_required
def batch_exports(request):
    """Ask for a year's approved forms as one PDF or a ZIP; list this user's exports."""
    departments = selectors.departments_visible_to(user=request.user).order_by("name")
    years = list(FiscalYear.objects.filter(
        assessments__status=Assessment.Status.APPROVED, assessments__department__in=departments,
    ).values_list("year", flat=True).distinct().order_by("-year"))
    error = ""
    if request.method == "POST":
        year = request.POST.get("year", "")
        department = None
        if request.POST.get("department"):
            department = get_object_or_404(departments, pk=int_param(request.POST["department"]) or 0)
        try:
            export = services.batch_export_request(
                user=request.user, year=year_param(year) or 0, department=department,
                fmt=request.POST.get("format", BatchExport.Format.PDF))
        except AppError as exc:
            error = str(exc)
        else:
            return redirect("batch_export_detail", pk=export.pk)
    return render(request, "assessments/exports.html", {
        "years": years, "departments": departments, "formats": BatchExport.Format.choices, "error": error,
        "exports": selectors.batch_exports_for(user=request.user)[:20],
    }, status=400 if error else 200)


def _own_export(request, pk):
    return get_object_or_404(selectors.batch_exports_for(user=request.user), pk=pk)


@login_required
def batch_export_detail(request, pk):
    return render(request, "assessments/export_detail.html", {"export": _own_export(request, pk)})


@login_required
def batch_export_status(request, pk):
    export = _own_export(request, pk)
    return JsonResponse({
        "status": export.status, "status_label": export.get_status_display(), "done": export.done,
        "total": export.total, "percent": export.percent, "error": export.error,
        "download": reverse("batch_export_download", args=[export.pk]) if export.status == "done" else "",
    })


@login_required
def batch_export_download(request, pk):
    export = _own_export(request, pk)
    if export.status != export.Status.DONE or not export.file:
        raise Http404
    # Streamed from disk in blocks: a 200 MB year never sits in the web process's memory.
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=Path(export.file.name).name)
