"""Pages. Every object is fetched through a scoped queryset, so a foreign id is a 404."""
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from assessments import rules, selectors
from assessments.models import Assessment


@login_required
def home(request):
    assessments = selectors.assessment_list_for(user=request.user)
    years = sorted({a.fiscal_year.year for a in assessments}, reverse=True)
    year = request.GET.get("year")
    if year and year.isdigit():
        assessments = assessments.filter(fiscal_year__year=int(year))
    return render(request, "assessments/home.html", {
        "assessments": assessments, "years": years, "year": year,
        "departments": selectors.departments_visible_to(user=request.user),
    })


def _scoped(request, pk):
    return get_object_or_404(selectors.assessment_queryset().filter(
        department__in=selectors.departments_visible_to(user=request.user)), pk=pk)


@login_required
def assessment_detail(request, pk):
    assessment = _scoped(request, pk)
    document = selectors.assessment_document(assessment=assessment)
    evaluation = rules.evaluate(document.form(), assessment.scheme.as_rules())
    return render(request, "assessments/detail.html", {
        "assessment": assessment,
        "document": document,
        "evaluation": evaluation,
        "budget_rows": list(zip(document.budget, evaluation.budget)),
        "indicator_rows": list(zip(document.indicators, evaluation.indicators)),
        "events": assessment.events.select_related("user"),
    })


@login_required
def assessment_export_json(request, pk):
    assessment = _scoped(request, pk)
    data = selectors.assessment_export_json(assessment=assessment)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.json"'
    return response


@login_required
def assessment_print_preview(request, pk):
    """Show the official layout exactly as the PDF prints it."""
    from assessments import printing

    return HttpResponse(printing.render_html(assessment=_scoped(request, pk)))


DOWNLOADS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def assessment_download(request, pk, fmt):
    from assessments import printing

    if fmt not in DOWNLOADS:
        raise Http404
    assessment = _scoped(request, pk)
    response = HttpResponse(printing.render(assessment=assessment, fmt=fmt), content_type=DOWNLOADS[fmt])
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.{fmt}"'
    return response
