"""The JSON export of one form (INTERCHANGE.md), from the user's scope.
"""
import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from assessments.core import selectors


@login_required
def assessment_export_json(request, pk):
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    data = selectors.assessment_export_json(assessment=assessment)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.json"'
    return response
