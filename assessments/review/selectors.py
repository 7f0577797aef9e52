"""Reads of the review desk: its counts and its waiting list in as few queries as a province needs.

A finance bureau's desk covers 10,000 forms. Counting them by status, counting those waiting for
this reviewer and the page total are one aggregate over the scope (one scan, each figure a
``FILTER`` of it); the waiting list is one narrow query. Only forms of departments with a review
chain (ReviewLevel) are checked one by one against their levels, as ``access`` decides, and only
when there are such forms.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Min, Q

from assessments.core import access
from assessments.models import Assessment, ReviewLevel, ScoringScheme

# What a row of the waiting list or the desk's table shows (Assessment.title, the department, the
# lights): read only these columns of the five tables.
LISTED_FIELDS = ("kind", "status", "updated_at", "execution_rate", "total_score", "grade",
                 "fiscal_year__year", "department__name", "project__name", "scheme__execution_threshold")

# What a waiting form shows: its title (Assessment.title) and its department.
WAITING_FIELDS = ("kind", "fiscal_year__year", "department__name", "project__name")


@dataclass
class DeskSummary:
    counts: dict = field(default_factory=dict)  # status value → forms
    total: int = 0
    waiting_count: int = 0
    waiting: list = field(default_factory=list)
    # (scheme key, scheme name, its grade scale, grade, forms) of the forms with a budget and a grade.
    graded: list = field(default_factory=list)
    scales: dict = field(default_factory=dict)
    # department id → [forms at or above their scheme's execution threshold, below it, without a
    # budget, the lowest rate] (the execution chart).
    departments: dict = field(default_factory=dict)


def listed(assessments):
    """Return ``assessments`` with only the columns a list row shows."""
    return assessments.select_related("fiscal_year", "department", "project", "scheme").only(*LISTED_FIELDS)


def desk_forms(*, user):
    """Return the forms of the user's scope, as ``core.selectors.assessment_list_for``, with the scope
    as a list of department ids: PostgreSQL plans the desk's queries in a third of the time it takes
    for the scope as a subquery (≈ 3 ms each for a finance bureau's 300 departments)."""
    scope = access.scope_for(user)
    qs = Assessment.objects.select_related("fiscal_year", "department", "project", "scheme")
    if scope.is_admin:
        return qs
    return qs.filter(department_id__in=sorted(scope.visible)) if scope.visible else qs.none()


def desk_summary(*, user, assessments, limit=100) -> DeskSummary:
    """Return the desk's counts by status, their total, the grade counts by scheme and the forms
    waiting for ``user`` (the first ``limit``).

    The same rule as ``access.FormAccess.is_current_reviewer``: a submitted form of a department
    without a review chain waits for any reviewer whose scope covers it and who does not fill for
    it; with a chain, for the reviewers of its current level.
    """
    scope = access.scope_for(user)
    chained_departments = ReviewLevel.objects.values("department_id")
    submitted = Q(status=Assessment.Status.SUBMITTED)
    plain = submitted & ~Q(department_id__in=chained_departments)
    if not scope.is_admin:
        plain = (plain & Q(department_id__in=scope.reviewed) & ~Q(department_id__in=scope.fillable)
                 if scope.reviewed else Q(pk=None))
    # One scan for every figure of the desk, grouped by department, status, scheme and grade (a few
    # thousand groups for a province, summed here): the counts by status, the waiting count, the
    # grade chart and the execution chart. Grouping by the scheme's id, not its name and scale, keeps
    # the hashing cheap; the few schemes are read apart.
    # ok/low is rules.execution_light's comparison of the cached 执行率 with the form's own scheme's
    # threshold, made in the database only because it is counted over the whole scope; the rate
    # itself comes from rules.py, cached on the form by every write.
    threshold = F("scheme__execution_threshold")
    groups = (assessments.order_by()
              .values_list("department_id", "status", "scheme_id", "grade")
              .annotate(n=Count("pk"),
                        # Graded: only forms with a budget (a draft with an empty 预算资金 has no meaningful total).
                        graded=Count("pk", filter=Q(execution_rate__isnull=False) & ~Q(grade="")),
                        waiting_plain=Count("pk", filter=plain),
                        chained=Count("pk", filter=submitted & Q(department_id__in=chained_departments)),
                        ok=Count("pk", filter=Q(execution_rate__gte=threshold)),
                        low=Count("pk", filter=Q(execution_rate__lt=threshold)),
                        lowest=Min("execution_rate")))
    summary = DeskSummary(counts={value: 0 for value in Assessment.Status.values})
    counts, graded, departments = summary.counts, {}, summary.departments
    waiting_plain = chained = 0
    # Read through a plain cursor: the ORM's per-value converters (int() of every count, for a few
    # thousand groups) cost more than the rest of this loop. The database driver already answers
    # with ints; ``lowest`` is made a Decimal below for the departments charted.
    try:
        sql, params = groups.query.sql_with_params()
    except EmptyResultSet:  # a scope without departments
        rows = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    for department, status, scheme, grade, n, graded_n, plain_n, chained_n, ok, low, lowest in rows:
        counts[status] = counts.get(status, 0) + n
        waiting_plain += plain_n
        chained += chained_n
        if graded_n:
            graded[(scheme, grade)] = graded.get((scheme, grade), 0) + graded_n
        figures = departments.get(department)
        if figures is None:
            departments[department] = [ok, low, n - ok - low, lowest]
        else:
            figures[0] += ok
            figures[1] += low
            figures[2] += n - ok - low
            if lowest is not None and (figures[3] is None or lowest < figures[3]):
                figures[3] = lowest
    rate = Assessment._meta.get_field("execution_rate")
    for figures in departments.values():
        if figures[3] is not None and not isinstance(figures[3], Decimal):  # SQLite answers a float
            figures[3] = rate.to_python(figures[3]).quantize(Decimal(1).scaleb(-rate.decimal_places))
    schemes = {pk: (key, name, scale) for pk, key, name, scale in ScoringScheme.objects.filter(
        pk__in={scheme for scheme, _grade in graded}).values_list("pk", "key", "name", "grade_scale")}
    for (scheme, grade), n in graded.items():
        key, name, scale = schemes[scheme]
        summary.graded.append((key, name, scale, grade, n))
        summary.scales[key] = scale
    figures = {"waiting_plain": waiting_plain, "chained": chained}
    summary.total = sum(summary.counts.values())
    with_chain = []
    if figures["chained"]:
        with_chain = [
            a for a in assessments.filter(submitted & Q(department_id__in=chained_departments))
            .select_related("fiscal_year", "department", "project")
            .order_by("-updated_at", "-id").prefetch_related("department__review_levels__reviewers")
            if access.for_form(user, a).is_current_reviewer()]
    summary.waiting_count = figures["waiting_plain"] + len(with_chain)
    shown = with_chain[:limit]
    if len(shown) < limit:  # asked even when the count is 0: a page costs the same queries whatever waits
        # Newest first, which the (updated_at, id) index serves without sorting the scope by name.
        # Only what the list shows (the title and the department): no scheme, no figures.
        shown += list(assessments.filter(plain).select_related(None).select_related("fiscal_year", "department", "project")
                      .only(*WAITING_FIELDS).order_by("-updated_at", "-id")[:limit - len(shown)])
    summary.waiting = shown
    return summary
