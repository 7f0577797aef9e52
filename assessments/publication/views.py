"""Signed-in pages of issue 15: publishing a form, the bureau's summary tables and the
year-over-year view. Every object comes through the user's scope, so a foreign id is a 404."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.publication import compare, summaries
from assessments.core import selectors
from assessments.models import Assessment, FiscalYear, Project
from assessments.core.params import int_param, year_param
from assessments.publication import services
from assessments.domain import typed


@login_required
@require_POST
def assessment_publication(request, pk, action):
    """Publish the form on the public page, or withdraw it."""
    assessment = get_object_or_404(selectors.assessment_list_for(user=request.user), pk=pk)
    # A refusal (not approved, no region, not the approving level) is shown by web.middleware.
    if action == "publish":
        services.assessment_publish(assessment=assessment, user=request.user)
        messages.success(request, _("已在信息公开页面公开。"))
    elif action == "withdraw":
        services.assessment_withdraw(assessment=assessment, user=request.user,
                                     reason=typed.clean_text(request.POST.get("reason", "")))
        messages.success(request, _("已撤回公开。"))
    else:
        raise Http404
    return redirect("assessment_detail", pk=pk)


# ---------------------------------------------------------------------------------------------
# Summary tables
# ---------------------------------------------------------------------------------------------
SUMMARY_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
def summary(request, fmt="html"):
    """项目支出 / 部门整体绩效自评结果汇总表 for a year and the reviewer's scope (or one department)."""
    if fmt != "html" and fmt not in SUMMARY_FORMATS:
        raise Http404
    departments = selectors.departments_visible_to(user=request.user).order_by("name")
    years = list(FiscalYear.objects.order_by("-year").values_list("year", flat=True))
    params = {k: request.GET.get(k, "") for k in ("year", "kind", "department", "status")}
    year = year_param(params["year"]) or (years[0] if years else None)
    kind = params["kind"] if params["kind"] in summaries.KINDS else Assessment.Kind.PROJECT
    status = summaries.STATUS_ALL if params["status"] == summaries.STATUS_ALL else summaries.STATUS_APPROVED
    department = None
    if params["department"]:
        department = get_object_or_404(departments, pk=int_param(params["department"]) or 0)
    result = None
    if year is not None:
        result = summaries.build_summary(user=request.user, year=year, kind=kind, department=department,
                                         status=status)
    if fmt != "html":
        if result is None:
            raise Http404
        body = summaries.render_xlsx(result) if fmt == "xlsx" else summaries.render_pdf(result)
        response = HttpResponse(body, content_type=SUMMARY_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="summary-{year}-{kind}.{fmt}"'
        return response
    query = urlencode({"year": year or "", "kind": kind, "department": department.pk if department else "",
                       "status": status})
    return render(request, "assessments/summary.html", {
        "summary": result, "years": years, "departments": departments, "kinds": [
            (k, summaries.TITLES[k]) for k in summaries.KINDS],
        "year": year, "kind": kind, "department": department, "status": status, "query": query,
        "is_project": kind == Assessment.Kind.PROJECT,
    })


# ---------------------------------------------------------------------------------------------
# Year over year
# ---------------------------------------------------------------------------------------------
@login_required
def compare_project(request, pk):
    project = get_object_or_404(Project.objects.filter(
        department__in=selectors.departments_visible_to(user=request.user)).select_related("department"), pk=pk)
    forms = selectors.assessment_queryset().filter(kind=Assessment.Kind.PROJECT, project=project)
    return _compare(request, forms, title=project.name, subtitle=project.department.name)


@login_required
def compare_department(request, pk, kind):
    if kind not in (Assessment.Kind.DEPARTMENT, Assessment.Kind.TARGETS):
        raise Http404
    department = get_object_or_404(selectors.departments_visible_to(user=request.user), pk=pk)
    forms = selectors.assessment_queryset().filter(kind=kind, department=department, project__isnull=True)
    return _compare(request, forms, title=department.name, subtitle=dict(Assessment.Kind.choices)[kind])


def _compare(request, forms, *, title, subtitle):
    view = compare.year_over_year(list(forms.order_by("fiscal_year__year")))
    if not view.years:
        raise Http404
    return render(request, "assessments/compare.html", {"view": view, "title": title, "subtitle": subtitle})
