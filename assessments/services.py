"""Writes: every change of state goes through one of these functions, atomically."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from assessments import interchange
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BudgetLine,
    ComponentScore,
    Department,
    DepartmentBaseData,
    FiscalYear,
    Indicator,
    KeyTask,
    Project,
    ReportSection,
    ScoringScheme,
)
from assessments.selectors import assessment_evaluation, assessment_queryset


class AssessmentLocked(Exception):
    """The assessment is submitted or approved and cannot be replaced or changed."""


def fiscal_year_get_or_create(*, year: int) -> FiscalYear:
    fiscal_year, _created = FiscalYear.objects.get_or_create(year=year)
    return fiscal_year


def department_get_or_create(*, name: str, parent: Department | None = None, region=None) -> Department:
    department, created = Department.objects.get_or_create(name=name, defaults={"parent": parent, "region": region})
    if not created and ((parent and department.parent_id != parent.pk) or (region and department.region_id != region.pk)):
        department.parent = parent or department.parent
        department.region = region or department.region
        department.save(update_fields=["parent", "region"])
    return department


@transaction.atomic
def assessment_recompute(*, assessment: Assessment) -> Assessment:
    """Refresh the cached figures (rate, total, grade, problem count) from rules.evaluate."""
    fresh = assessment_queryset().get(pk=assessment.pk)
    evaluation = assessment_evaluation(assessment=fresh)
    assessment.execution_rate = evaluation.execution_rate
    assessment.total_score = evaluation.shown_total
    assessment.grade = evaluation.grade or ""
    assessment.problem_count = len(evaluation.problems)
    Assessment.objects.filter(pk=assessment.pk).update(
        execution_rate=assessment.execution_rate,
        total_score=assessment.total_score,
        grade=assessment.grade,
        problem_count=assessment.problem_count,
    )
    return assessment


def _write_rows(*, assessment: Assessment, document: interchange.Document) -> None:
    """Replace the assessment's rows with the document's."""
    for related in ("budget_lines", "indicators", "key_tasks", "report_sections", "component_scores"):
        getattr(assessment, related).all().delete()
    BudgetLine.objects.bulk_create([
        BudgetLine(assessment=assessment, order=i, line=row.line, name=row.name, initial=row.initial,
                   adjustment=row.adjustment, adjusted=row.adjusted, executed=row.executed, half_year=row.half_year)
        for i, row in enumerate(document.budget)
    ])
    indicators = []
    for i, row in enumerate(document.indicators):
        indicator = Indicator(
            assessment=assessment, order=i, level1=row.level1, level2=row.level2, name=row.name,
            target_text=row.target, actual_text=row.actual, half_year_target=row.half_year_target,
            weight=row.weight, band=row.band, share=row.share, manual_score=row.score, source=row.source,
            reason=row.reason, key_work=row.key_work, project_name=row.project_name,
        )
        indicator.store_parsed()
        indicators.append(indicator)
    Indicator.objects.bulk_create(indicators)
    KeyTask.objects.bulk_create([
        KeyTask(assessment=assessment, order=i, duty=t.duty, task=t.task, result=t.result)
        for i, t in enumerate(document.key_tasks)
    ])
    ReportSection.objects.bulk_create([
        ReportSection(assessment=assessment, order=i, title=title, text=text)
        for i, (title, text) in enumerate(document.report.items())
    ])
    ComponentScore.objects.bulk_create([
        ComponentScore(assessment=assessment, order=i, name=c.name, weight=c.weight, score=c.score)
        for i, c in enumerate(document.components)
    ])


@transaction.atomic
def assessment_import(*, document: interchange.Document, user=None) -> Assessment:
    """Create or replace the draft assessment a valid interchange document describes.

    The department, fiscal year and project are created when missing (matched by name and
    year). A submitted or approved assessment of the same subject is never overwritten.
    """
    fiscal_year = fiscal_year_get_or_create(year=document.fiscal_year)
    department = department_get_or_create(name=document.department)
    scheme = ScoringScheme.objects.get(key=document.scheme)
    project = None
    if document.project is not None:
        info = document.project
        project, _created = Project.objects.update_or_create(
            department=department, name=info.name,
            defaults={"implementing_unit": info.implementing_unit, "category": info.category,
                      "attribute": info.attribute, "type": info.type},
        )
    assessment = (
        # No ordering: the default one joins the nullable project, which FOR UPDATE cannot lock.
        Assessment.objects.order_by().select_for_update(of=("self",))
        .filter(kind=document.kind, fiscal_year=fiscal_year, department=department, project=project)
        .first()
    )
    replaced = assessment is not None
    if replaced and not assessment.is_editable:
        raise AssessmentLocked(_("“%(title)s”状态为“%(status)s”，不能被导入覆盖")
                               % {"title": assessment.title, "status": assessment.get_status_display()})
    if assessment is None:
        assessment = Assessment(kind=document.kind, fiscal_year=fiscal_year, department=department, project=project)
    else:
        assessment.version += 1
    assessment.scheme = scheme
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
    assessment.save()
    _write_rows(assessment=assessment, document=document)
    AssessmentEvent.objects.create(
        assessment=assessment, type=AssessmentEvent.Type.IMPORTED, user=user,
        comment=_("导入覆盖草稿") if replaced else _("导入新建"),
    )
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def base_data_upsert(*, department: Department, fiscal_year: FiscalYear, values: dict) -> DepartmentBaseData:
    """Create or update a department's base data for a year with the given fields."""
    unknown = set(values) - set(DepartmentBaseData.FIELDS)
    if unknown:
        raise ValueError(f"unknown base data fields: {sorted(unknown)}")
    base, _created = DepartmentBaseData.objects.update_or_create(
        department=department, fiscal_year=fiscal_year, defaults=values,
    )
    return base

