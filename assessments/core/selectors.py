"""Reads: everything a page, a command or an export needs, scoped to what a user may see."""
from __future__ import annotations

import functools

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.core import access
from assessments.domain import interchange, rules
from assessments.models import (
    Assessment,
    BatchExport,
    Department,
    DepartmentBaseData,
    ReviewLevel,
    ScoringScheme,
)


def scheme_map() -> dict[str, rules.Scheme]:
    """Return every scheme in the database as pure schemes by key."""
    return {s.key: s.as_rules() for s in ScoringScheme.objects.all()}


ROW_TABLES = ("budget_lines", "indicators", "key_tasks", "report_sections", "component_scores")

# Whether a form has rows in each table, and whether its department has a review chain: asked in the
# form's own query (an index probe each), so the tables it has nothing in are not read. A project form
# has no key tasks, report sections or component rows, few forms have a review chain: those are not
# read on its pages. Any kind may still hold any rows (an import may bring them): the
# flags say what is there, not what a kind should have.
ROW_FLAG = "rows_in_%s"


# Also asked in the form's query: most forms have no review comments and no 佐证材料.
ALSO_FLAGGED = ("comments", "attachments")


def has_any(assessment, name) -> bool:
    """Whether the form has any ``name`` (a table of ROW_TABLES or ALSO_FLAGGED); unflagged: maybe."""
    return getattr(assessment, ROW_FLAG % name, True)


def with_row_flags(queryset):
    """Return ``queryset`` (of Assessment, not aliased) annotated with what ``read_rows`` needs to skip
    empty row tables."""
    return queryset.annotate(**{name: RawSQL(sql, (), output_field=BooleanField()) for name, sql in _flag_sql()})


@functools.cache
def _flag_sql():
    # Written once as SQL: the same EXISTS built from Exists(… OuterRef …) cost Django ≈ 2.7 ms of
    # compiling per form read, more than the queries it saves.
    quote = connection.ops.quote_name
    form = quote(Assessment._meta.db_table)

    def exists(model, column, outer):
        return (f"EXISTS(SELECT 1 FROM {quote(model._meta.db_table)} WHERE "
                f"{quote(model._meta.db_table)}.{quote(column)} = {form}.{quote(outer)})")

    flags = [(ROW_FLAG % name, exists(Assessment._meta.get_field(name).related_model, "assessment_id", "id"))
             for name in ROW_TABLES + ALSO_FLAGGED]
    flags.append((access.LEVELS_FLAG, exists(ReviewLevel, "department_id", "department_id")))
    return tuple(flags)


def row_flag_names() -> list[str]:
    """The annotations ``with_row_flags`` adds."""
    return [name for name, _sql in _flag_sql()]


def read_rows(assessment: Assessment) -> Assessment:
    """Read the form's row tables that have rows (by ``with_row_flags``; unflagged: all five).

    An empty table is set as read and empty, so the page's ``assessment.key_tasks.all()`` asks nothing.
    """
    present = []
    cache = assessment.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in ROW_TABLES:
        if has_any(assessment, name):
            present.append(name)
        elif name not in cache:
            empty = getattr(assessment, name).none()
            empty._result_cache, empty._prefetch_done = [], True
            cache[name] = empty
    if present:
        prefetch_related_objects([assessment], *present)
    return assessment


def assessment_with_rows(*, pk, locked: Assessment | None = None, rewritten=()) -> Assessment:
    """Return one form with its rows (as ``assessment_queryset``), reading only the tables it has rows in.

    ``locked``: the same form read with its rows under the lock the current transaction holds; its
    tables other than ``rewritten`` are taken from it rather than read again (no one else can have
    written them since).
    """
    found = with_row_flags(Assessment.objects.select_related("fiscal_year", "department", "project", "scheme")
                           ).get(pk=pk)
    if locked is not None:
        cache = found.__dict__.setdefault("_prefetched_objects_cache", {})
        for name, rows in getattr(locked, "_prefetched_objects_cache", {}).items():
            if name in ROW_TABLES and name not in rewritten:
                cache[name] = rows
    return read_rows(found)


def assessment_queryset():
    """Return assessments with everything the form, the export and the PDF read, in 6 queries."""
    return Assessment.objects.select_related("fiscal_year", "department", "project", "scheme").prefetch_related(
        *ROW_TABLES)


def with_live_rows(assessment: Assessment) -> Assessment:
    """Read the form's rows unless it is shown from its frozen approved document (which has them all)."""
    if approved_document_json(assessment) is None:
        read_rows(assessment)
    return assessment


def approved_document_json(assessment: Assessment):
    return (assessment.approved_document
            if assessment.status == Assessment.Status.APPROVED and assessment.approved_document else None)


def assessment_document(*, assessment: Assessment) -> interchange.Document:
    """Return the interchange document of an assessment (uses prefetched rows when present).

    An approved form is its frozen document: what it was approved with, whatever has happened
    since to the shared records it names (project, department, scheme).
    """
    frozen = approved_document(assessment=assessment)
    if frozen is not None:
        return frozen
    return live_document(assessment=assessment)


def approved_document(*, assessment: Assessment) -> interchange.Document | None:
    """Return the document an approved form was approved with (None when not approved)."""
    frozen = approved_document_json(assessment)
    if frozen is None:
        return None
    scheme = assessment.rules_scheme()
    document, _errors = interchange.parse_document(frozen, schemes={scheme.key: scheme})
    return document


def live_document(*, assessment: Assessment) -> interchange.Document:
    """Return the document of the form's current rows and fields."""
    a = assessment
    project = None
    if a.project_id:
        project = interchange.ProjectInfo(
            name=a.project.name, implementing_unit=a.implementing_unit, category=a.project_category,
            attribute=a.project_attribute, type=a.project_type,
        )
    goals = {
        key: value for key, value in (
            ("expected", a.goal_expected), ("achieved", a.goal_achieved),
            ("long_term", a.goal_long_term), ("annual", a.goal_annual),
        ) if value
    }
    analysis = {
        key: value for key, value in (("deviation_reasons", a.deviation_reasons), ("improvements", a.improvements))
        if value
    }
    profile = {
        key: value for key, value in (("functions", a.profile_functions), ("organization", a.profile_organization))
        if value
    }
    return interchange.Document(
        kind=a.kind,
        fiscal_year=a.fiscal_year.year,
        scheme=a.scheme.key,
        department=a.department.name,
        project=project,
        filled_by={"name": a.filled_by_name, "phone": a.filled_by_phone, "date": a.fill_date},
        goals=goals,
        analysis=analysis,
        profile=profile,
        budget=[line.as_rules() for line in a.budget_lines.all()],
        indicators=[row.as_rules() for row in a.indicators.all()],
        key_tasks=[interchange.KeyTask(duty=t.duty, task=t.task, result=t.result) for t in a.key_tasks.all()],
        report={s.title: s.text for s in a.report_sections.all()},
        components=[rules.ComponentRow(name=c.name, weight=c.weight, score=c.score) for c in a.component_scores.all()],
        entered_total=a.entered_total,
    )


def assessment_evaluation(*, assessment: Assessment) -> rules.Evaluation:
    """Return every computed figure of an assessment."""
    document = assessment_document(assessment=assessment)
    return rules.evaluate(document.form(), assessment.rules_scheme())


def assessment_export_json(*, assessment: Assessment) -> dict:
    """Return the interchange object of an assessment with its ``computed`` figures."""
    document = assessment_document(assessment=assessment)
    evaluation = rules.evaluate(document.form(), assessment.rules_scheme())
    data = interchange.document_to_json(document)
    data["computed"] = interchange.computed_to_json(evaluation)
    return data


def departments_visible_to(*, user):
    """Return the departments a user may see: their own, plus everything under a reviewer's scope."""
    scope = access.scope_for(user)
    if scope.is_admin:
        return Department.objects.all()
    return Department.objects.filter(pk__in=scope.visible) if scope.visible else Department.objects.none()


def is_reviewer(*, user) -> bool:
    return access.scope_for(user).is_reviewer


def departments_fillable_by(*, user):
    """Return the departments a user may fill forms for (填报人 memberships)."""
    scope = access.scope_for(user)
    if scope.is_admin:
        return Department.objects.all()
    return Department.objects.filter(pk__in=scope.fillable) if scope.fillable else Department.objects.none()


def base_data_for(*, department, fiscal_year):
    return DepartmentBaseData.objects.filter(department=department, fiscal_year=fiscal_year).first()


def assessment_list_for(*, user, year=None):
    """Return the assessments a user may see, newest year first."""
    qs = Assessment.objects.select_related("fiscal_year", "department", "project", "scheme").filter(
        department__in=departments_visible_to(user=user)
    )
    if year is not None:
        qs = qs.filter(fiscal_year__year=year)
    return qs



def batch_export_scope(*, user, fiscal_year, department=None):
    """The approved forms of a year a user may export: their whole scope, or one department and its units."""
    departments = departments_visible_to(user=user)
    if department is not None:
        departments = departments.filter(pk__in=Department.objects.descendants_of([department]).values("pk"))
    return (Assessment.objects.filter(fiscal_year=fiscal_year, status=Assessment.Status.APPROVED,
                                      department__in=departments)
            .order_by("department__name", "kind", "project__name", "pk"))


def batch_exports_for(*, user):
    return BatchExport.objects.filter(requested_by=user).select_related("fiscal_year", "department")


def waiting_for_review(*, user, assessments, limit=100):
    """Return (count, the first ``limit``) of the submitted forms among ``assessments`` this user may act on.

    Forms of departments without a review chain are counted in the database (any reviewer whose
    scope covers them may act); only those with a chain are checked one by one against their
    prefetched levels. So the 通知 badge on every page costs a handful of queries however many
    forms wait.
    """
    # Newest first, which the (updated_at, id) index serves without sorting the scope by name.
    submitted = assessments.filter(status=Assessment.Status.SUBMITTED).order_by("-updated_at", "-id")
    chained = ReviewLevel.objects.filter(department=OuterRef("department"))

    def check(a):
        return access.for_form(user, a).is_current_reviewer()

    scope = access.scope_for(user)
    plain = submitted.filter(~Exists(chained))
    if not scope.is_admin:
        # The same rule as access.FormAccess.is_current_reviewer, in the database.
        plain = (plain.filter(department_id__in=scope.reviewed).exclude(department_id__in=scope.fillable)
                 if scope.reviewed else plain.none())
    with_chain = [a for a in submitted.filter(Exists(chained)).select_related("department")
                  .prefetch_related("department__review_levels__reviewers") if check(a)]
    count = plain.count() + len(with_chain)
    shown = (with_chain + list(plain[:limit]))[:limit]
    return count, shown


def assessment_visible_or_404(*, user, pk, with_rows=True) -> Assessment:
    """Return a form the user may see (their departments and review scope); a foreign id is a 404.

    ``with_rows=False`` leaves its five row tables unread (``with_live_rows`` reads them when needed).
    """
    scope = access.scope_for(user)
    return _form_in_scope_or_404(pk, scope.is_admin or None, scope.visible, with_rows)


def assessment_fillable_or_404(*, user, pk, with_rows=True) -> Assessment:
    """Return a form the user may fill in (their own departments); anything else is a 404.

    ``with_rows=False`` leaves its five row tables unread (a save reads them itself, under its lock).
    """
    scope = access.scope_for(user)
    return _form_in_scope_or_404(pk, scope.is_admin or None, scope.fillable, with_rows)


def _form_in_scope_or_404(pk, is_admin, departments, with_rows):
    # Read by its key, then its department checked against the scope (the set access.scope_for
    # holds): a finance bureau's 300 department ids are not compiled into every form's query.
    found = get_object_or_404(with_row_flags(Assessment.objects.select_related(
        "fiscal_year", "department", "project", "scheme")), pk=pk)
    if not is_admin and found.department_id not in departments:
        raise Http404
    if with_rows:  # only a form the user may see has its rows read
        read_rows(found)
    return found
