"""Reads of the review desk: its counts and its waiting list in as few queries as a province needs.

A finance bureau's desk covers 10,000 forms. Counting them by status, counting those waiting for
this reviewer, the page total and both charts are one grouped scan of the scope, summed by
department (``desk_parts``), so the view can keep the parts and, after a write, count only the
departments of the forms written since (``written_since``) and add them up again (``desk_sums``).
The waiting list is one narrow query. Only forms of departments with a review chain (ReviewLevel)
are checked one by one against their levels, as ``access`` decides, and only when there are such forms.
"""
from __future__ import annotations

import sys

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
    # (scheme key, scheme name, its grade scale, grade, forms) of the forms with a budget and a grade.
    graded: list = field(default_factory=list)
    # department id → [forms at or above their scheme's execution threshold, below it, without a
    # budget, the lowest rate] (the execution chart).
    departments: dict = field(default_factory=dict)


# A department's part of the desk's figures (``desk_parts``), kept by the view between visits and
# replaced whole when one of the department's forms is written, as one flat tuple (the kept entry is
# read at every visit: small pickles): forms by status (in the order of STATUSES), then WAITING (forms
# waiting for the user), OK, LOW, NONE (forms at or above their scheme's execution threshold, below
# it, without a budget), LOWEST (the lowest rate in hundredths of a percent, or None) and GRADED
# (((scheme id, grade, forms), …) of the graded forms).
STATUSES = tuple(Assessment.Status.values)
WAITING, OK, LOW, NONE, LOWEST, GRADED = range(len(STATUSES), len(STATUSES) + 6)
RATE_PLACES = Assessment._meta.get_field("execution_rate").decimal_places


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


def chained_departments():
    """Return the ids of the departments with a review chain (a change of one bumps versions.RECOUNT)."""
    return frozenset(ReviewLevel.objects.values_list("department_id", flat=True).distinct())


def _plain_waiting(scope, chained):
    """The condition of a form waiting for any reviewer of its department (no review chain)."""
    plain = Q(status=Assessment.Status.SUBMITTED) & ~Q(department_id__in=sorted(chained))
    if scope.is_admin:
        return plain
    return (plain & Q(department_id__in=sorted(scope.reviewed - scope.fillable))) if scope.reviewed else Q(pk=None)


def _waits_plainly(scope, chained, department_id) -> bool:
    """Whether a submitted form of the department waits for any of its reviewers: _plain_waiting in Python."""
    return department_id not in chained and (
        scope.is_admin or (department_id in scope.reviewed and department_id not in scope.fillable))


def waits_plainly(scope, chained, form) -> bool:
    """Whether ``form`` waits for any reviewer of its department (not one of a review chain)."""
    return form.status == Assessment.Status.SUBMITTED and _waits_plainly(scope, chained, form.department_id)


def desk_parts(*, user, assessments, chained) -> tuple[dict, list]:
    """Count the desk's figures of ``assessments`` by department (the parts above) in one scan, and
    return them with the forms of chained departments waiting for ``user``, newest first.

    The same rule as ``access.FormAccess.is_current_reviewer``: a submitted form of a department
    without a review chain waits for any reviewer whose scope covers it and who does not fill for
    it; with a chain, for the reviewers of its current level.
    """
    scope = access.scope_for(user)
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
                        ok=Count("pk", filter=Q(execution_rate__gte=threshold)),
                        low=Count("pk", filter=Q(execution_rate__lt=threshold)),
                        lowest=Min("execution_rate")))
    # Read through a plain cursor: the ORM's per-value converters (int() of every count, for a few
    # thousand groups) cost more than the rest of this loop. The database driver already answers
    # with ints (and Decimals; SQLite floats, made exact below).
    try:
        sql, params = groups.query.sql_with_params()
    except EmptyResultSet:  # a scope without departments
        rows = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    index = {status: i for i, status in enumerate(STATUSES)}
    submitted = index[Assessment.Status.SUBMITTED]
    figures = {}
    for department, status, scheme, grade, n, graded_n, ok, low, lowest in rows:
        part = figures.get(department)
        if part is None:
            part = figures[department] = [0] * GRADED + [[]]
        i = index[status]
        part[i] += n
        if i == submitted and _waits_plainly(scope, chained, department):
            part[WAITING] += n
        if graded_n:
            part[GRADED].append((scheme, sys.intern(grade), graded_n))  # one grade text in the pickle
        part[OK] += ok
        part[LOW] += low
        part[NONE] += n - ok - low
        if lowest is not None and (part[LOWEST] is None or lowest < part[LOWEST]):
            part[LOWEST] = lowest
    waiting_chained = []
    if chained and any(d in chained for d in figures):
        waiting_chained = [
            a for a in assessments.filter(status=Assessment.Status.SUBMITTED, department_id__in=sorted(chained))
            .select_related("fiscal_year", "department", "project")
            .order_by("-updated_at", "-id").prefetch_related("department__review_levels__reviewers")
            if access.for_form(user, a).is_current_reviewer()]
        for a in waiting_chained:
            figures[a.department_id][WAITING] += 1
    for part in figures.values():
        if part[LOWEST] is not None:
            part[LOWEST] = int((Decimal(str(part[LOWEST])) * 10 ** RATE_PLACES).to_integral_value())
        part[GRADED] = tuple(part[GRADED])
    return {department: tuple(part) for department, part in figures.items()}, waiting_chained


def desk_schemes(ids) -> dict:
    """Return scheme id → (key, name, grade scale) of the schemes ``ids``."""
    return {pk: (key, name, scale) for pk, key, name, scale in ScoringScheme.objects.filter(
        pk__in=sorted(ids)).values_list("pk", "key", "name", "grade_scale")} if ids else {}


def desk_sums(parts=(), sums=None, sign=1) -> dict:
    """Add (``sign`` -1: take away) the departments' ``parts`` to ``sums``: forms by status, waiting, graded."""
    if sums is None:
        sums = {"counts": [0] * len(STATUSES), "waiting": 0, "graded": {}}
    counts, graded = sums["counts"], sums["graded"]
    for part in parts:
        for i in range(len(STATUSES)):
            counts[i] += sign * part[i]
        sums["waiting"] += sign * part[WAITING]
        for scheme, grade, n in part[GRADED]:
            key = (scheme, grade)
            graded[key] = graded.get(key, 0) + sign * n
            if not graded[key]:
                del graded[key]
    return sums


def desk_summary(parts, sums, schemes) -> DeskSummary:
    """The desk's figures from the departments' ``parts`` and their ``sums``; ``schemes`` as ``desk_schemes``."""
    summary = DeskSummary(counts=dict(zip(STATUSES, sums["counts"])), total=sum(sums["counts"]),
                          waiting_count=sums["waiting"])
    places = Decimal(1).scaleb(-RATE_PLACES)
    summary.departments = {
        department: [part[OK], part[LOW], part[NONE],
                     None if part[LOWEST] is None else Decimal(part[LOWEST]) * places]
        for department, part in parts.items()}
    summary.graded = [(*schemes[scheme][:3], grade, n) for (scheme, grade), n in sums["graded"].items()]
    return summary


def desk_waiting(*, user, assessments, chained, limit, waiting_chained=None) -> list:
    """Return the first ``limit`` forms waiting for ``user``: those of chained departments first (as
    ``desk_parts`` found them, or checked here), then the others, newest first."""
    scope = access.scope_for(user)
    if waiting_chained is None:
        waiting_chained = [
            a for a in assessments.filter(status=Assessment.Status.SUBMITTED, department_id__in=sorted(chained))
            .select_related("fiscal_year", "department", "project")
            .order_by("-updated_at", "-id").prefetch_related("department__review_levels__reviewers")
            if access.for_form(user, a).is_current_reviewer()] if chained else []
    shown = waiting_chained[:limit]
    if len(shown) < limit:  # asked even when none waits: a page costs the same queries whatever waits
        # Newest first, which the (updated_at, id) index serves without sorting the scope by name.
        # Only what the list shows (the title and the department): no scheme, no figures.
        shown += list(assessments.filter(_plain_waiting(scope, chained)).select_related(None)
                      .select_related("fiscal_year", "department", "project")
                      .only(*WAITING_FIELDS, "updated_at").order_by("-updated_at", "-id")[:limit - len(shown)])
    return shown


def newest_writes(*, limit):
    """Return (id, updated_at) of the ``limit`` forms written last, newest first (a read of the index
    the desk lists by)."""
    return list(Assessment.objects.order_by("-updated_at", "-id").values_list("pk", "updated_at")[:limit])


def written_since(when, *, limit):
    """Return (id, updated_at, department id) of the forms written after ``when``, newest first (a read
    of the index the desk lists by), or None when there are more than ``limit`` (the desk then
    counts its whole scope again)."""
    forms = list(Assessment.objects.filter(updated_at__gt=when).order_by("-updated_at", "-id")
                 .values_list("pk", "updated_at", "department_id")[:limit + 1])
    return None if len(forms) > limit else forms


def listed_forms(ids):
    """Return the forms ``ids`` with the columns a desk row shows, newest first."""
    return list(listed(Assessment.objects.filter(pk__in=sorted(ids))).order_by("-updated_at", "-id"))
