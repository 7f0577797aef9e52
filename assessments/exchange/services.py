"""Writes of the JSON interchange (INTERCHANGE.md): import a document as a form, or refresh a draft.
"""
from __future__ import annotations


from django.db import transaction
from django.utils.translation import gettext as _

from assessments.core import access
from assessments.core import records
from assessments.core.records import Event
from assessments.domain import interchange
from assessments.core.errors import AccessDenied, AssessmentLocked
from assessments.models import (
    Assessment,
    Project,
    ScoringScheme,
)


@transaction.atomic
def assessment_import(*, document: interchange.Document, user=None) -> Assessment:
    """Create or replace the draft assessment a valid interchange document describes.

    The department, fiscal year and project are created when missing (matched by name and
    year). A submitted or approved assessment of the same subject is never overwritten.
    ``user=None`` is the operator at the command line.
    """
    fiscal_year = records.fiscal_year_get_or_create(year=document.fiscal_year)
    department = records.department_get_or_create(name=document.department)
    if user is not None and not access.may_fill_for(user, department.pk):
        raise AccessDenied(_("您不是“%(name)s”的填报人，不能导入它的表") % {"name": department.name})
    scheme = ScoringScheme.objects.get(key=document.scheme)
    project = None
    if document.project is not None:
        info = document.project
        # The shared project record only gets its particulars when it is new; the form keeps its own.
        project, _created = Project.objects.get_or_create(
            department=department, name=info.name,
            defaults={"implementing_unit": info.implementing_unit, "category": info.category,
                      "attribute": info.attribute, "type": info.type},
        )
    assessment = (
        Assessment.objects.order_by().select_for_update(of=("self",))
        .filter(kind=document.kind, fiscal_year=fiscal_year, department=department, project=project)
        .first()
    )
    replaced = assessment is not None
    before = None
    if replaced:
        if not assessment.is_editable:
            raise AssessmentLocked(_("“%(title)s”状态为“%(status)s”，不能被导入覆盖")
                                   % {"title": assessment.title, "status": assessment.get_status_display()})
        access.require(user, assessment, "edit")
        before = records.snapshot(assessment)
        assessment.version += 1
    else:
        assessment = Assessment(kind=document.kind, fiscal_year=fiscal_year, department=department, project=project)
    assessment.scheme = scheme
    if document.project is not None:
        for name, field in Assessment.PROJECT_FIELDS.items():
            setattr(assessment, field, getattr(document.project, name) or "")
    assessment.filled_by_name = document.filled_by.get("name", "")
    assessment.filled_by_phone = document.filled_by.get("phone", "")
    assessment.fill_date = document.filled_by.get("date")
    assessment.goal_expected = document.goals.get("expected", "")
    assessment.goal_achieved = document.goals.get("achieved", "")
    assessment.goal_long_term = document.goals.get("long_term", "")
    assessment.goal_annual = document.goals.get("annual", "")
    assessment.profile_functions = document.profile.get("functions", "")
    assessment.profile_organization = document.profile.get("organization", "")
    assessment.deviation_reasons = document.analysis.get("deviation_reasons", "")
    assessment.improvements = document.analysis.get("improvements", "")
    assessment.entered_total = document.entered_total
    # The imported document replaces everything, so input kept from an earlier unreadable step
    # would only bring back what the import just replaced.
    assessment.draft_inputs = {}
    assessment.save()
    records.write_rows(assessment=assessment, document=document)
    records.log_event(assessment=assessment, type=Event.IMPORTED, user=user, before=before,
                      comment=_("导入覆盖草稿") if replaced else _("导入新建"), version=assessment.version)
    return records.assessment_recompute(assessment=assessment)
