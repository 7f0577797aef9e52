"""Record writes every feature shares: lock a form, log an event, recompute and cache its figures.

A feature's service (entry, review, exchange, publication, output) locks the form's row with ``lock``,
asks ``core.access`` whether the user may, changes the records and calls ``log_event`` with the field
changes it made — the timeline is the audit log. What two features both write lives here (writing the
rows of a document, recomputing the figures, taking a form off the public page on reopening).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from assessments.core import access, versions
from assessments.domain import interchange, rules
from assessments.core.errors import AccessDenied, AppError
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BudgetLine,
    ComponentScore,
    Department,
    FiscalYear,
    Indicator,
    KeyTask,
    Region,
    ReportSection,
)
from assessments.core.selectors import (
    ROW_FLAG,
    assessment_document,
    assessment_with_rows,
    live_document,
    read_rows,
    row_flag_names,
    with_row_flags,
)


Event = AssessmentEvent.Type


def lock(assessment, *, with_rows=False) -> Assessment:
    """Lock the form's row for the rest of the transaction and return it fresh (with its rows if asked)."""
    # No ordering: the default one joins the nullable project, which FOR UPDATE cannot lock.
    locked = (Assessment.objects.order_by().select_for_update(of=("self",))
              .select_related("project", "department", "fiscal_year", "scheme"))
    found = locked.get(pk=assessment.pk)
    if with_rows:
        # Read after the lock is taken, so they are the rows no one else can change now: which tables
        # have rows is asked in a statement of its own, after the lock (the locking statement's own
        # snapshot may predate a write committed while it waited), then only those tables are read.
        flags = with_row_flags(Assessment.objects.filter(pk=found.pk)).values(*row_flag_names()).get()
        for name, value in flags.items():
            setattr(found, name, value)
        read_rows(found)
    return found


def log_event(*, assessment, type, user, comment="", before=None, **data) -> AssessmentEvent:
    """Record one write on the form's timeline, with the field changes since ``before``."""
    if before is not None:
        data["changes"] = interchange.changes(before, snapshot(assessment))
    return AssessmentEvent.objects.create(assessment=assessment, type=type, user=user if user else None,
                                          comment=comment, data=data)


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


# Inside a write's transaction no savepoint of its own (two queries): a failure here fails the write.
@transaction.atomic(savepoint=False)
def assessment_recompute(*, assessment: Assessment, fresh: Assessment | None = None) -> Assessment:
    """Refresh the cached figures (rate, total, grade, problem count) from rules.evaluate.

    ``fresh`` is the form as stored now, read with ``selectors.assessment_with_rows`` after the write (a save
    that has just read it for its timeline entry passes it instead of reading it a second time).
    """
    if fresh is None:
        fresh = assessment_with_rows(pk=assessment.pk)
    cached, missed = figures_set(assessment=assessment, fresh=fresh)
    Assessment.objects.filter(pk=assessment.pk).update(**cached)
    missed_flags_write(fresh=fresh, missed=missed)
    return assessment


def figures_set(*, assessment: Assessment, fresh: Assessment) -> tuple[dict, list[bool]]:
    """Set the cached figures of ``fresh`` (the form as stored, with its rows) on ``assessment``, unwritten.

    Returns them and each indicator's missed flag, for ``missed_flags_write`` once the rows are stored.
    """
    form = assessment_document(assessment=fresh).form()
    evaluation = rules.evaluate(form, fresh.rules_scheme())
    cached, missed = cached_figures(form, evaluation)
    for name, value in cached.items():
        setattr(assessment, name, value)
    return cached, missed


def missed_flags_write(*, fresh: Assessment, missed: list[bool]) -> None:
    """Write the indicators' missed flags that change (their rows as ``fresh`` holds them, stored)."""
    rows = list(fresh.indicators.all())
    if len(rows) == len(missed):
        cleared = [row.pk for row, flag in zip(rows, missed) if row.missed and not flag]
        marked = [row.pk for row, flag in zip(rows, missed) if flag and not row.missed]
        if cleared:
            Indicator.objects.filter(pk__in=cleared).update(missed=False)
        if marked:
            Indicator.objects.filter(pk__in=marked).update(missed=True)
        for row, flag in zip(rows, missed):
            row.missed = flag


def rows_as_stored(*, assessment: Assessment, table: str, rows: list) -> bool:
    """Take ``rows``, just inserted into ``table`` (one of ``selectors.ROW_TABLES``), as the form's rows read back.

    Only when reading them back could give nothing else: each has its id, and each decimal already has
    its column's places (the database would otherwise round it). Then a save needs not read what it
    has just written; returns False, and sets nothing, when it must.
    """
    model = getattr(assessment, table).model
    places = [(f.attname, Decimal(1).scaleb(-f.decimal_places)) for f in model._meta.concrete_fields
              if f.get_internal_type() == "DecimalField"]
    stored = []
    for row in rows:
        if row.pk is None:
            return False
        for name, step in places:
            value = getattr(row, name)
            if value is not None:
                try:
                    exact = value.quantize(step)  # as the database gives it back: 5 → 5.00
                except InvalidOperation:
                    return False
                if exact != value:
                    return False
                stored.append((row, name, exact))
    for row, name, exact in stored:
        setattr(row, name, exact)
    read = model.objects.filter(assessment=assessment)
    read._result_cache, read._prefetch_done = list(rows), True
    assessment.__dict__.setdefault("_prefetched_objects_cache", {})[table] = read
    setattr(assessment, ROW_FLAG % table, bool(rows))
    return True


def cached_figures(form, evaluation) -> tuple[dict, list[bool]]:
    """Return the figures cached on Assessment (by field) and each indicator's missed flag."""
    budget, executed = rules.budget_totals(form)
    # Cached for lists only: a figure too wide for its column (a rate of 10^15 % from a typo in an
    # amount) is left out of the cache rather than failing the save; the form shows the real one.
    return {
        "execution_rate": _cacheable(evaluation.execution_rate, digits=7),
        "total_score": _cacheable(evaluation.shown_total, digits=4),
        "grade": evaluation.grade or "",
        "problem_count": len(evaluation.problems),
        "budget_amount": _cacheable(budget, digits=14),
        "executed_amount": _cacheable(executed, digits=14),
    }, [rules.target_missed(result) for result in evaluation.indicators]


def _cacheable(value, *, digits):
    return value if value is None or abs(value) < Decimal(10) ** digits else None


def write_rows(*, assessment: Assessment, document: interchange.Document) -> None:
    """Replace the assessment's rows with the document's."""
    for related in ("budget_lines", "indicators", "key_tasks", "report_sections", "component_scores"):
        getattr(assessment, related).all().delete()
    BudgetLine.objects.bulk_create([
        BudgetLine(assessment=assessment, order=i, line=row.line, name=row.name, initial=row.initial,
                   adjustment=row.adjustment, adjusted=row.adjusted, executed=row.executed, half_year=row.half_year)
        for i, row in enumerate(document.budget)
    ])
    Indicator.objects.bulk_create([Indicator.from_rules(row, assessment=assessment, order=i)
                                   for i, row in enumerate(document.indicators)])
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


def version_filter():
    """Events that bump a form's version (what a concurrent editor may have missed)."""
    return ~Q(type__in=[Event.COMMENTED, Event.REPLIED, Event.RESOLVED, Event.PUBLISHED, Event.WITHDRAWN])


def assessment_document_of(assessment):
    """The document of another form read as a source (an approved one as it was approved)."""
    return assessment_document(assessment=assessment_with_rows(pk=assessment.pk))


class ConcurrentEdit(AppError):
    """Someone else saved the form after this user loaded it; ``changes`` says what they changed."""

    def __init__(self, changes, by):
        super().__init__(_("此表已被%(by)s修改，您的保存未写入；请查看对方的修改后重新填写。") % {"by": by})
        self.changes = changes
        self.by = by


def snapshot(assessment, *, loaded=False):
    """The form's current content as interchange JSON (what field changes are measured on).

    ``loaded``: ``assessment`` was just read with its rows (``lock(with_rows=True)``,
    ``selectors.assessment_with_rows``) and is used as it is instead of being read again.
    """
    if not loaded:
        assessment = assessment_with_rows(pk=assessment.pk)
    return interchange.document_to_json(live_document(assessment=assessment))


@transaction.atomic
def assessment_admin_save(*, assessment: Assessment, user, write) -> Assessment:
    """Apply an administrator's edit (``write`` saves the admin form and its rows) as one write.

    Locked, asked of the access module, version bumped (a filler's stale save is then refused
    instead of silently erasing the fix) and logged with its field changes.
    """
    locked = lock(assessment)
    if not access.may_admin_edit(user, locked):
        raise AccessDenied(_("“%(title)s”状态为“%(status)s”，不能在后台修改")
                           % {"title": locked.title, "status": locked.get_status_display()})
    before = snapshot(locked)
    # Whatever the admin form carried, the workflow's own fields stay as the lock read them.
    assessment.status, assessment.review_level, assessment.revision = (
        locked.status, locked.review_level, locked.revision)
    assessment.approved_document, assessment.approved_scheme = locked.approved_document, locked.approved_scheme
    assessment.version = locked.version + 1
    write()
    if assessment.department_id != locked.department_id:
        versions.RECOUNT.bump()  # the review desk counts by department: its old one must be counted again
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version)
    log_event(assessment=assessment, type=Event.ADMIN_EDITED, user=user, before=before, version=assessment.version,
         comment=_("管理员在后台修改"))
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_admin_created(*, assessment: Assessment, user) -> Assessment:
    """Log a form an administrator made in the admin and compute its figures."""
    log_event(assessment=assessment, type=Event.CREATED, user=user, comment=_("管理员在后台新建"))
    return assessment_recompute(assessment=assessment)


def scheme_changed(*, scheme) -> int:
    """Re-compute the cached figures of the forms a changed scheme governs; approved forms keep
    the scheme they were approved with. Return how many were re-computed."""
    count = 0
    for assessment in Assessment.objects.filter(scheme=scheme).exclude(status=Assessment.Status.APPROVED).iterator():
        assessment_recompute(assessment=assessment)
        count += 1
    versions.RECOUNT.bump()  # the figures changed without a write of the forms (their updated_at stays)
    return count


@transaction.atomic
def assessment_withdraw(*, assessment: Assessment, user, reason: str = "") -> Assessment:
    """Take a form off the public page. Withdrawing a form that is not published changes nothing."""
    a = lock(assessment)
    access.require(user, a, "withdraw")
    if a.published_at is not None:
        a.published_at = None
        a.save(update_fields=["published_at"])
        public_page_changed(a)
        log_event(assessment=a, type=Event.WITHDRAWN, user=user, comment=reason or _("撤回公开"), revision=a.revision)
    assessment.published_at = None
    return a


def public_page_changed(assessment) -> None:
    """Give the region's public page a new version (its ETag and cache key)."""
    Region.objects.filter(pk=assessment.department.region_id).update(
        publication_version=F("publication_version") + 1)
