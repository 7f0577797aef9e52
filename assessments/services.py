"""Writes: every change of state goes through one of these functions, atomically.

Each write locks the form's row, asks ``assessments.access`` whether the user may, and records an
``AssessmentEvent`` of its own type with the field changes it made — the timeline is the audit log.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import access, interchange, rules
from assessments.errors import (  # noqa: F401 (re-exported for callers that name them here)
    AccessDenied,
    AppError,
    AssessmentLocked,
    IllegalTransition,
    NotAReviewer,
)
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
from assessments.selectors import assessment_evaluation, assessment_queryset, live_document

Event = AssessmentEvent.Type


def _locked(assessment) -> Assessment:
    """Lock the form's row for the rest of the transaction and return it fresh."""
    # No ordering: the default one joins the nullable project, which FOR UPDATE cannot lock.
    return (Assessment.objects.order_by().select_for_update(of=("self",))
            .select_related("project", "department", "fiscal_year", "scheme").get(pk=assessment.pk))


def _log(*, assessment, type, user, comment="", before=None, **data) -> AssessmentEvent:
    """Record one write on the form's timeline, with the field changes since ``before``."""
    if before is not None:
        data["changes"] = interchange.changes(before, _snapshot(assessment))
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


@transaction.atomic
def assessment_recompute(*, assessment: Assessment) -> Assessment:
    """Refresh the cached figures (rate, total, grade, problem count) from rules.evaluate."""
    from assessments.selectors import assessment_document

    fresh = assessment_queryset().get(pk=assessment.pk)
    form = assessment_document(assessment=fresh).form()
    evaluation = rules.evaluate(form, fresh.rules_scheme())
    figures, missed = cached_figures(form, evaluation)
    for name, value in figures.items():
        setattr(assessment, name, value)
    Assessment.objects.filter(pk=assessment.pk).update(**figures)
    rows = list(fresh.indicators.all())
    if len(rows) == len(evaluation.indicators):
        missed_ids = [row.pk for row, flag in zip(rows, missed) if flag]
        Indicator.objects.filter(assessment=fresh).exclude(pk__in=missed_ids).filter(missed=True).update(missed=False)
        Indicator.objects.filter(pk__in=missed_ids, missed=False).update(missed=True)
    return assessment


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


# The project particulars a form states: their name in the document → the form's own field.
PROJECT_FIELDS = Assessment.PROJECT_FIELDS


@transaction.atomic
def assessment_import(*, document: interchange.Document, user=None) -> Assessment:
    """Create or replace the draft assessment a valid interchange document describes.

    The department, fiscal year and project are created when missing (matched by name and
    year). A submitted or approved assessment of the same subject is never overwritten.
    ``user=None`` is the operator at the command line.
    """
    fiscal_year = fiscal_year_get_or_create(year=document.fiscal_year)
    department = department_get_or_create(name=document.department)
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
        before = _snapshot(assessment)
        assessment.version += 1
    else:
        assessment = Assessment(kind=document.kind, fiscal_year=fiscal_year, department=department, project=project)
    assessment.scheme = scheme
    if document.project is not None:
        for name, field in PROJECT_FIELDS.items():
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
    _write_rows(assessment=assessment, document=document)
    _log(assessment=assessment, type=Event.IMPORTED, user=user, before=before,
         comment=_("导入覆盖草稿") if replaced else _("导入新建"), version=assessment.version)
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def base_data_upsert(*, department: Department, fiscal_year: FiscalYear, values: dict, user=None) -> DepartmentBaseData:
    """Create or update a department's base data for a year with the given fields.

    Logged as a department-level event (no form) with each changed field under its printed label.
    ``user=None`` is the operator at the command line.
    """
    unknown = set(values) - set(DepartmentBaseData.FIELDS)
    if unknown:
        raise ValueError(f"unknown base data fields: {sorted(unknown)}")
    if user is not None and not access.may_edit_base_data(user, department.pk):
        raise AccessDenied(_("您不是“%(name)s”的填报人，不能修改它的基础数据") % {"name": department.name})
    base = (DepartmentBaseData.objects.select_for_update()
            .filter(department=department, fiscal_year=fiscal_year).first())
    if base is None:
        base = DepartmentBaseData(department=department, fiscal_year=fiscal_year)
    changes = []
    for name, value in values.items():
        old = getattr(base, name)
        if old != value:
            label = str(DepartmentBaseData._meta.get_field(name).verbose_name)
            changes.append({"path": name, "label": label, "before": _plain(old), "after": _plain(value)})
        setattr(base, name, value)
    base.save()
    if changes:
        AssessmentEvent.objects.create(
            assessment=None, department=department, type=Event.BASE_SAVED, user=user,
            comment=_("保存 %(year)s 年度基础数据") % {"year": fiscal_year.year},
            data={"year": fiscal_year.year, "changes": changes})
    return base


def _plain(value):
    return None if value is None else rules.format_decimal(value) if hasattr(value, "as_tuple") else value


# ---------------------------------------------------------------------------------------------
# Entry in the browser
# ---------------------------------------------------------------------------------------------
class SubmissionBlocked(AppError):
    """Submission refused: the problems (rules.Issue) that must be solved first."""

    def __init__(self, issues):
        super().__init__(_("仍有 %(n)d 个问题须解决") % {"n": len(issues)})
        self.issues = issues


FALLBACK_SCHEMES = {
    Assessment.Kind.PROJECT: "national-2020",
    Assessment.Kind.DEPARTMENT: "jiangsu-department",
    Assessment.Kind.TARGETS: "department-unscored",
}


@transaction.atomic
def assessment_create(*, user, kind: str, department: Department, year: int, project_name: str = "") -> Assessment:
    """Create a draft form for a department (and project) in a year, or return the existing one.

    The scoring scheme is the one the department's region sets for this kind of form; a project
    form starts with the particulars its project's latest form stated.
    """
    if not access.may_fill_for(user, department.pk):
        raise AccessDenied(_("您不是“%(name)s”的填报人，不能为它新建自评表") % {"name": department.name})
    fiscal_year = fiscal_year_get_or_create(year=year)
    project = None
    if kind == Assessment.Kind.PROJECT:
        project, _created = Project.objects.get_or_create(
            department=department, name=project_name.strip(), defaults={"implementing_unit": department.name})
    existing = Assessment.objects.filter(kind=kind, fiscal_year=fiscal_year, department=department,
                                         project=project).first()
    if existing:
        return existing
    scheme = (department.region.scheme_for(kind) if department.region_id
              else ScoringScheme.objects.get(key=FALLBACK_SCHEMES[kind]))
    particulars = {}
    if project is not None:
        latest = (Assessment.objects.filter(project=project).order_by("-fiscal_year__year")
                  .values(*PROJECT_FIELDS.values()).first())
        particulars = latest or {"implementing_unit": project.implementing_unit, "project_category": project.category,
                                 "project_attribute": project.attribute, "project_type": project.type}
    assessment = Assessment.objects.create(kind=kind, fiscal_year=fiscal_year, department=department,
                                           project=project, scheme=scheme, **particulars)
    if kind == Assessment.Kind.PROJECT:
        # The four rows of the national 项目资金 block, so the user only types the amounts.
        BudgetLine.objects.bulk_create([
            BudgetLine(assessment=assessment, order=i, line=line)
            for i, line in enumerate(("total", "appropriation", "carryover", "other"))
        ])
    elif kind == Assessment.Kind.DEPARTMENT:
        BudgetLine.objects.bulk_create([
            BudgetLine(assessment=assessment, order=i, line=line) for i, line in enumerate(("total", "basic", "project"))
        ])
        if scheme.components:
            ComponentScore.objects.bulk_create([
                ComponentScore(assessment=assessment, order=i, name=name, weight=weight, score=0)
                for i, (name, weight) in enumerate(scheme.components)
            ])
    _log(assessment=assessment, type=Event.CREATED, user=user)
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_save_step(*, assessment: Assessment, user, step, data, expected_version=None,
                         comment: str = "", event_type: str = Event.SAVED) -> Assessment:
    """Write what a user entered on one wizard step; keep it verbatim if it cannot be stored yet.

    ``step`` is a ``wizard.Step`` and ``data`` its ``wizard.StepInput``. Values that parse are
    written to the assessment and its rows; a step with unreadable values (text in an amount)
    is kept as typed in ``draft_inputs`` so the user finds it again, and blocks submission.
    ``event_type`` names the kind of write on the timeline (saved, autosaved, imported from Excel).
    """
    assessment = _locked(assessment)
    access.require(user, assessment, "edit")
    if expected_version is not None and assessment.version != expected_version:
        # Optimistic concurrency: refuse, and say what the others changed since this user loaded it.
        later = assessment.events.filter(version_filter()).exclude(user=user).select_related("user")
        others = [e for e in later if e.data.get("version", 0) > expected_version]
        changed = [c for e in others for c in e.data.get("changes", [])]
        names = "、".join(sorted({(e.user.first_name or e.user.username) if e.user else _("系统") for e in others}))
        raise ConcurrentEdit(changed, names or _("他人"))
    before = _snapshot(assessment)
    drafts = dict(assessment.draft_inputs)
    if data.errors:
        drafts[step.key] = data.raw
    else:
        drafts.pop(step.key, None)
        if step.is_rows:
            _write_step_rows(assessment=assessment, rows_attr=step.rows, rows=data.rows)
        else:
            for name, value in data.values.items():
                setattr(assessment, PROJECT_FIELDS.get(name, name), value)
    assessment.draft_inputs = drafts
    assessment.wizard_step = step.key
    assessment.version += 1
    assessment.save()
    comment = (comment or str(step.label)) + (_("（含未通过校验的输入）") if data.errors else "")
    if event_type == Event.AUTOSAVED:
        _log_autosave(assessment=assessment, user=user, before=before, comment=comment, step=step.key)
    else:
        _log(assessment=assessment, type=event_type, user=user, before=before, comment=comment,
             step=step.key, version=assessment.version)
    return assessment_recompute(assessment=assessment)


def assessment_autosave_step(*, assessment: Assessment, user, step, data, expected_version: int) -> Assessment:
    """Save what the user is typing on a step exactly as ``assessment_save_step`` does, as 自动保存.

    The version is required: an autosave never overwrites a save it has not seen.
    """
    return assessment_save_step(assessment=assessment, user=user, step=step, data=data,
                                expected_version=expected_version, event_type=Event.AUTOSAVED,
                                comment=_("自动保存：%(step)s") % {"step": step.label})


# A filer typing for an hour would otherwise leave hundreds of 自动保存 entries on the timeline.
# Consecutive autosaves of one user on one step stay one entry while nothing else is written to the
# form in between and each pause is shorter than this window. The entry keeps, per field, the first
# "before" and the latest "after" (a field typed and then restored disappears), and the latest
# version, so it still says exactly what changed from what to what and conflict checks still see
# it. Anything else in between — another user's save, a normal save, a comment, a submission —
# starts a new entry, so no one's change is ever folded into someone else's.
AUTOSAVE_COALESCE_SECONDS = 5 * 60


def _log_autosave(*, assessment, user, before, comment, step):
    from datetime import datetime, timedelta

    changes = interchange.changes(before, _snapshot(assessment))
    now = timezone.now()
    last = assessment.events.order_by("-created_at", "-pk").first()
    if last is not None and last.type == Event.AUTOSAVED and user and last.user_id == user.pk \
            and last.data.get("step") == step:
        try:
            last_at = datetime.fromisoformat(last.data.get("last_at", ""))
        except (TypeError, ValueError):
            last_at = last.created_at
        if now - last_at < timedelta(seconds=AUTOSAVE_COALESCE_SECONDS):
            count = last.data.get("count", 1) + 1
            last.comment = comment + _("（连续 %(n)d 次，最后一次 %(time)s）") % {
                "n": count, "time": timezone.localtime(now).strftime("%H:%M:%S")}
            last.data = {**last.data, "version": assessment.version, "last_at": now.isoformat(), "count": count,
                         "changes": _merge_changes(last.data.get("changes", []), changes)}
            last.save(update_fields=["comment", "data"])
            return last
    return AssessmentEvent.objects.create(
        assessment=assessment, type=Event.AUTOSAVED, user=user, comment=comment,
        data={"step": step, "version": assessment.version, "last_at": now.isoformat(), "count": 1,
              "changes": changes})


def _merge_changes(earlier, later):
    """Return one change per field: its first "before" and its latest "after"; drop round trips."""
    merged = {c["path"]: dict(c) for c in earlier}
    for c in later:
        if c["path"] in merged:
            merged[c["path"]]["after"] = c.get("after")
        else:
            merged[c["path"]] = dict(c)
    return [c for c in merged.values() if c.get("before") != c.get("after")]


def version_filter():
    """Events that bump a form's version (what a concurrent editor may have missed)."""
    from django.db.models import Q

    return ~Q(type__in=[Event.COMMENTED, Event.REPLIED, Event.RESOLVED, Event.PUBLISHED, Event.WITHDRAWN])


def _write_step_rows(*, assessment, rows_attr, rows):
    if rows_attr == "budget":
        assessment.budget_lines.all().delete()
        BudgetLine.objects.bulk_create([
            BudgetLine(assessment=assessment, order=i, line=r.line, name=r.name, initial=r.initial,
                       adjustment=r.adjustment, adjusted=r.adjusted, executed=r.executed, half_year=r.half_year)
            for i, r in enumerate(rows)
        ])
    elif rows_attr == "indicators":
        assessment.indicators.all().delete()
        indicators = []
        for i, r in enumerate(rows):
            indicator = Indicator(
                assessment=assessment, order=i, level1=r.level1, level2=r.level2, name=r.name, target_text=r.target,
                actual_text=r.actual, half_year_target=r.half_year_target, weight=r.weight, band=r.band,
                share=r.share, manual_score=r.score, source=r.source, reason=r.reason, key_work=r.key_work,
                project_name=r.project_name,
            )
            indicator.store_parsed()
            indicators.append(indicator)
        Indicator.objects.bulk_create(indicators)
    elif rows_attr == "key_tasks":
        assessment.key_tasks.all().delete()
        KeyTask.objects.bulk_create([KeyTask(assessment=assessment, order=i, duty=t.duty, task=t.task, result=t.result)
                                     for i, t in enumerate(rows)])
    elif rows_attr == "components":
        assessment.component_scores.all().delete()
        ComponentScore.objects.bulk_create([
            ComponentScore(assessment=assessment, order=i, name=c.name, weight=c.weight, score=c.score)
            for i, c in enumerate(rows)
        ])
    elif rows_attr == "report":
        assessment.report_sections.all().delete()
        ReportSection.objects.bulk_create([ReportSection(assessment=assessment, order=i, title=t, text=x)
                                           for i, (t, x) in enumerate(rows)])


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """草稿/退回修改 → 已提交, only when nothing blocks submission (RULES §3.4, §4)."""
    assessment = _locked(assessment)
    new_status = access.require_transition(user, assessment, "submit")
    evaluation = assessment_evaluation(assessment=assessment_queryset().get(pk=assessment.pk))
    issues = list(evaluation.errors) + list(evaluation.problems)
    issues += [rules.Issue(step, _("此步骤有未通过校验的输入")) for step in assessment.draft_inputs]
    if issues:
        raise SubmissionBlocked(issues)
    assessment.status = new_status
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    _log(assessment=assessment, type=Event.SUBMITTED, user=user, version=assessment.version)
    return assessment


@transaction.atomic
def assessment_go_to_step(*, assessment: Assessment, user, step: str) -> None:
    """Remember the step the user moved to, so reopening the form continues there.

    Not an event: where a filler stands is no change of the form. Nothing happens on a form the
    user may not change.
    """
    if access.for_form(user, assessment).can_edit():
        Assessment.objects.filter(pk=assessment.pk, status__in=[Assessment.Status.DRAFT, Assessment.Status.RETURNED]
                                  ).update(wizard_step=step)


class NothingToCopy(AppError):
    """The source a copy asks for does not exist."""


def _replace_indicators(*, assessment, user, rows, comment, event_type):
    before = _snapshot(assessment)
    _write_step_rows(assessment=assessment, rows_attr="indicators", rows=rows)
    drafts = dict(assessment.draft_inputs)
    drafts.pop("indicators", None)  # the copied rows replace what was typed and kept
    assessment.draft_inputs = drafts
    assessment.version += 1
    assessment.save(update_fields=["draft_inputs", "version", "updated_at"])
    _log(assessment=assessment, type=event_type, user=user, comment=comment, before=before,
         step="indicators", version=assessment.version)
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_copy_previous_year(*, assessment: Assessment, user) -> Assessment:
    """Copy last year's indicators and targets of the same project, actuals and reasons cleared."""
    assessment = _locked(assessment)
    access.require(user, assessment, "edit")
    if assessment.kind != Assessment.Kind.PROJECT:
        raise IllegalTransition(_("只有项目支出绩效自评表可以复制上年指标"))
    previous = (Assessment.objects.filter(kind=assessment.kind, project=assessment.project,
                                          fiscal_year__year=assessment.fiscal_year.year - 1).first())
    if previous is None:
        raise NothingToCopy(_("该项目没有 %(year)s 年度的自评表") % {"year": assessment.fiscal_year.year - 1})
    source = assessment_document_of(previous)
    rows = [rules.IndicatorRow(level1=i.level1, level2=i.level2, name=i.name, target=i.target, weight=i.weight,
                               source=i.source) for i in source.indicators]
    return _replace_indicators(assessment=assessment, user=user, rows=rows, event_type=Event.COPIED_PREVIOUS,
                               comment=_("复制 %(year)s 年度指标和目标值") % {"year": previous.fiscal_year.year})


@transaction.atomic
def assessment_copy_targets(*, assessment: Assessment, user) -> Assessment:
    """Take a department self-assessment's targets from the same year's approved target table."""
    assessment = _locked(assessment)
    access.require(user, assessment, "edit")
    if assessment.kind != Assessment.Kind.DEPARTMENT:
        raise IllegalTransition(_("只有部门整体支出绩效自评表可以导入目标表"))
    targets = Assessment.objects.filter(kind=Assessment.Kind.TARGETS, department=assessment.department,
                                        fiscal_year=assessment.fiscal_year, status=Assessment.Status.APPROVED).first()
    if targets is None:
        raise NothingToCopy(_("本部门 %(year)s 年度没有已审核的部门整体预算绩效目标表")
                            % {"year": assessment.fiscal_year.year})
    rows = [rules.IndicatorRow(level1=i.level1, level2=i.level2, name=i.name, target=i.target)
            for i in assessment_document_of(targets).indicators]
    return _replace_indicators(assessment=assessment, user=user, rows=rows, event_type=Event.TARGETS_TAKEN,
                               comment=_("从已审核的目标表导入目标值"))


def assessment_document_of(assessment):
    """The document of another form read as a source (an approved one as it was approved)."""
    from assessments.selectors import assessment_document

    return assessment_document(assessment=assessment_queryset().get(pk=assessment.pk))


class ImportNotClean(AppError):
    """The rows of an Excel import still have errors; nothing was written."""

    def __init__(self, issues):
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


@transaction.atomic
def assessment_import_indicators(*, assessment: Assessment, user, raw_rows: list[dict], mode: str,
                                 expected_version: int, source: str = "") -> Assessment:
    """Write the indicator rows of a confirmed Excel preview: replace the table, or append to it.

    The rows are read again through the wizard's own checks (the preview is not trusted), and the
    form must still be at the version the preview was made from, so nobody's later edit is lost.
    """
    from assessments import wizard

    assessment = _locked(assessment)
    access.require(user, assessment, "edit")
    step = wizard.step_by_key(assessment, "indicators")
    if step is None or mode not in ("replace", "append"):
        raise IllegalTransition(_("此表没有可导入的指标表"))
    saved = wizard.current_raw(assessment, step).get("rows", []) if mode == "append" else []
    raw_rows = list(saved) + list(raw_rows)
    data = wizard.read_step(step, wizard.as_post(step, {"rows": raw_rows}))
    if data.errors:
        raise ImportNotClean(data.errors)
    imported = len(raw_rows) - len(saved)
    comment = _("从 Excel 导入指标（%(mode)s，%(n)d 行）") % {
        "mode": _("追加") if mode == "append" else _("替换"), "n": imported}
    return assessment_save_step(assessment=assessment, user=user, step=step, data=data,
                                expected_version=expected_version, event_type=Event.EXCEL_IMPORTED,
                                comment=comment + (f"：{source}" if source else ""))


# Names under which department forms print the indicators of RULES §5.
DERIVED_ALIASES = {"预算偏差率": "预算调整率", "项目支出占比": "项目支出占比（决算）", "基本支出占比": "基本支出占比（决算）"}


@transaction.atomic
def assessment_fill_from_base_data(*, assessment: Assessment, user) -> int:
    """Write the actual values of indicators RULES §5 computes from base data; return how many."""
    from assessments.selectors import base_data_for

    assessment = _locked(assessment)
    access.require(user, assessment, "edit")
    base = base_data_for(department=assessment.department, fiscal_year=assessment.fiscal_year)
    if base is None:
        raise NothingToCopy(_("本部门 %(year)s 年度尚未填写基础数据") % {"year": assessment.fiscal_year.year})
    derived = {d.name: d for d in rules.department_indicators(base.as_rules(), assessment.rules_scheme())}
    before = _snapshot(assessment)
    filled = changed = 0
    for indicator in assessment.indicators.all():
        found = derived.get(DERIVED_ALIASES.get(indicator.name, indicator.name))
        if found is not None and found.value is not None:
            filled += 1
            if indicator.actual_text != found.printed:
                indicator.actual_text = found.printed
                indicator.store_parsed()
                indicator.save()
                changed += 1
    if changed:
        assessment.version += 1
        assessment.save(update_fields=["version", "updated_at"])
        _log(assessment=assessment, type=Event.BASE_FILLED, user=user, before=before, step="indicators",
             comment=_("用部门基础数据填写 %(n)d 个指标的完成值") % {"n": filled}, version=assessment.version)
        assessment_recompute(assessment=assessment)
    return filled


# ---------------------------------------------------------------------------------------------
# Review and approval (the timeline of AssessmentEvent is the audit log)
# ---------------------------------------------------------------------------------------------
class ConcurrentEdit(AppError):
    """Someone else saved the form after this user loaded it; ``changes`` says what they changed."""

    def __init__(self, changes, by):
        super().__init__(_("此表已被%(by)s修改，您的保存未写入；请查看对方的修改后重新填写。") % {"by": by})
        self.changes = changes
        self.by = by


def _snapshot(assessment):
    """The form's current content as interchange JSON (what field changes are measured on)."""
    return interchange.document_to_json(live_document(assessment=assessment_queryset().get(pk=assessment.pk)))


def review_levels(assessment):
    """Return the review chain of the assessment's department (a single level when none is set)."""
    return list(assessment.department.review_levels.prefetch_related("reviewers"))


def can_review(*, assessment, user) -> bool:
    """Return whether the user may approve or return the assessment now (asks the access module)."""
    return access.for_form(user, assessment).can_review()


@transaction.atomic
def assessment_approve(*, assessment: Assessment, user, comment: str = "") -> Assessment:
    """已提交 → next review level, or 已审核 at the last level (an approved form is frozen)."""
    a = _locked(assessment)
    final_status = access.require_transition(user, a, "approve")
    levels = review_levels(a)
    level_name = levels[a.review_level].name if levels else _("审核")
    data = {"level": a.review_level, "level_name": level_name}
    if levels and a.review_level + 1 < len(levels):
        a.review_level += 1
        data["next_level"] = levels[a.review_level].name
    else:
        a.status = final_status
        # Freeze what was approved: shown and printed from here on, whatever changes elsewhere.
        a.approved_document = data["snapshot"] = _snapshot(a)
        a.approved_scheme = data["scheme"] = a.scheme.as_data()
    a.version += 1
    a.save(update_fields=["status", "review_level", "version", "approved_document", "approved_scheme",
                          "updated_at"])
    _log(assessment=a, type=Event.APPROVED, user=user, comment=comment, version=a.version, **data)
    return a


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, comment: str, row_comments=()) -> Assessment:
    """已提交 → 退回修改, with a comment on the whole form and any on sections or rows."""
    from assessments.models import Comment

    a = _locked(assessment)
    new_status = access.require_transition(user, a, "return")
    if not comment.strip() and not any(text.strip() for _path, text in row_comments):
        raise IllegalTransition(_("退回须填写意见"))
    if comment.strip():
        Comment.objects.create(assessment=a, path="", text=comment.strip(), author=user)
    for path, text in row_comments:
        if text.strip():
            Comment.objects.create(assessment=a, path=path, text=text.strip(), author=user)
    a.status = new_status
    a.review_level = 0
    a.version += 1
    a.save(update_fields=["status", "review_level", "version", "updated_at"])
    _log(assessment=a, type=Event.RETURNED, user=user, comment=comment, version=a.version,
         snapshot=_snapshot(a), rows=[p for p, t in row_comments if t.strip()])
    return a


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user, reason: str) -> Assessment:
    """已审核 → 退回修改 as a new revision; the approved revision stays readable in the timeline.

    Only the level that approved the form (or an administrator) may, and only with a reason.
    """
    a = _locked(assessment)
    new_status = access.require_transition(user, a, "reopen")
    if not reason.strip():
        raise IllegalTransition(_("重新打开须说明理由"))
    assessment_withdraw(assessment=a, user=user, reason=_("重新打开，自动撤回公开"))
    a.status = new_status
    a.revision += 1
    a.review_level = 0
    a.version += 1
    # The frozen copy goes with the approval; the APPROVED event keeps it for the revision page.
    a.approved_document, a.approved_scheme = {}, {}
    a.save(update_fields=["status", "revision", "review_level", "version", "approved_document", "approved_scheme",
                          "updated_at"])
    _log(assessment=a, type=Event.REOPENED, user=user, comment=reason, version=a.version, revision=a.revision,
         snapshot=_snapshot(a))
    return a


REPLY_SEPARATOR = "\n"


@transaction.atomic
def comment_reply(*, comment, user, text: str):
    """The 填报人 answers a comment; a later answer is added below the earlier ones, never over them."""
    from assessments.models import Comment

    a = _locked(comment.assessment)
    access.require(user, a, "reply")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    text = text.strip()
    if not text:
        raise IllegalTransition(_("答复不能为空"))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    entry = f"〔{stamp}〕{text}"
    comment.reply = f"{comment.reply}{REPLY_SEPARATOR}{entry}" if comment.reply else entry
    comment.save(update_fields=["reply"])
    _log(assessment=a, type=Event.REPLIED, user=user, comment=_("答复审核意见：%(text)s") % {"text": text},
         comment_id=comment.pk)
    return comment


@transaction.atomic
def comment_resolve(*, comment, user):
    """The reviewer (or the comment's author) marks a comment resolved."""
    from assessments.models import Comment

    a = _locked(comment.assessment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not access.for_form(user, a).can_resolve(comment):
        raise NotAReviewer(_("只有审核人可以确认意见已解决，已审核的表不能再改动意见"))
    comment.resolved_at = timezone.now()
    comment.resolved_by = user
    comment.save(update_fields=["resolved_at", "resolved_by"])
    _log(assessment=a, type=Event.RESOLVED, user=user, comment=_("确认审核意见已解决"), comment_id=comment.pk)
    return comment


def changes_since_return(assessment) -> list[dict]:
    """Return the field-level changes since the form was last returned (for the reviewer)."""
    event = assessment.events.filter(type__in=[Event.RETURNED, Event.REOPENED]).last()
    if event is None or "snapshot" not in event.data:
        return []
    return interchange.changes(event.data["snapshot"], _snapshot(assessment))


# ---------------------------------------------------------------------------------------------
# The administrator's edits (Django admin)
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def assessment_admin_save(*, assessment: Assessment, user, write) -> Assessment:
    """Apply an administrator's edit (``write`` saves the admin form and its rows) as one write.

    Locked, asked of the access module, version bumped (a filler's stale save is then refused
    instead of silently erasing the fix) and logged with its field changes.
    """
    locked = _locked(assessment)
    if not access.may_admin_edit(user, locked):
        raise AccessDenied(_("“%(title)s”状态为“%(status)s”，不能在后台修改")
                           % {"title": locked.title, "status": locked.get_status_display()})
    before = _snapshot(locked)
    # Whatever the admin form carried, the workflow's own fields stay as the lock read them.
    assessment.status, assessment.review_level, assessment.revision = (
        locked.status, locked.review_level, locked.revision)
    assessment.approved_document, assessment.approved_scheme = locked.approved_document, locked.approved_scheme
    assessment.version = locked.version + 1
    write()
    Assessment.objects.filter(pk=assessment.pk).update(version=assessment.version)
    _log(assessment=assessment, type=Event.ADMIN_EDITED, user=user, before=before, version=assessment.version,
         comment=_("管理员在后台修改"))
    return assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_admin_created(*, assessment: Assessment, user) -> Assessment:
    """Log a form an administrator made in the admin and compute its figures."""
    _log(assessment=assessment, type=Event.CREATED, user=user, comment=_("管理员在后台新建"))
    return assessment_recompute(assessment=assessment)


def scheme_changed(*, scheme) -> int:
    """Re-compute the cached figures of the forms a changed scheme governs; approved forms keep
    the scheme they were approved with. Return how many were re-computed."""
    count = 0
    for assessment in Assessment.objects.filter(scheme=scheme).exclude(status=Assessment.Status.APPROVED).iterator():
        assessment_recompute(assessment=assessment)
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Batch export (run by the queue worker, see assessments/batch.py)
# ---------------------------------------------------------------------------------------------
class NothingToExport(AppError):
    """The chosen year and scope hold no approved form."""


class TooManyExports(AppError):
    """The user already has as many unfinished batch exports as one may queue."""


def _batch_export_check_pending(*, user):
    """Refuse a new export while the user has BATCH_EXPORT_MAX_PENDING unfinished ones.

    The user's row is locked so that simultaneous requests are counted one after the other. An
    export still unfinished after a day is taken as abandoned (its worker died) and not counted,
    so nobody is locked out for good.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessments.models import BatchExport

    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.BATCH_EXPORT_MAX_PENDING
    pending = BatchExport.objects.filter(
        requested_by=user, status__in=[BatchExport.Status.QUEUED, BatchExport.Status.RUNNING],
        created_at__gte=timezone.now() - timedelta(days=1)).count()
    if pending >= limit:
        raise TooManyExports(_("您已有 %(n)d 个批量导出尚未完成（最多同时 %(max)d 个），请等其完成后再申请。")
                             % {"n": pending, "max": limit})


@transaction.atomic
def batch_export_request(*, user, year: int, fmt: str, department=None):
    """Queue a batch export of the approved forms in the user's scope; return its record.

    The queue row is written in the same transaction as the export, so a job is never queued for
    an export that was not saved, nor an export saved without its job.
    """
    from assessments.models import BatchExport
    from assessments.selectors import batch_export_scope, departments_visible_to
    from assessments.tasks import batch_export_task

    if fmt not in BatchExport.Format.values:
        raise IllegalTransition(_("导出格式“%(fmt)s”无效") % {"fmt": fmt})
    if department is not None and not departments_visible_to(user=user).filter(pk=department.pk).exists():
        raise NothingToExport(_("无权导出该部门"))
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    count = batch_export_scope(user=user, fiscal_year=fiscal_year, department=department).count() if fiscal_year else 0
    if not count:
        raise NothingToExport(_("%(year)s 年度%(scope)s没有已审核的表可以导出")
                              % {"year": year, "scope": f"“{department.name}”及下属单位" if department else ""})
    _batch_export_check_pending(user=user)
    export = BatchExport.objects.create(requested_by=user, fiscal_year=fiscal_year, department=department,
                                        format=fmt, total=count)
    result = batch_export_task.enqueue(export.pk)
    export.task_id = str(result.id)
    export.save(update_fields=["task_id"])
    return export


# ---------------------------------------------------------------------------------------------
# 佐证材料 (attachments)
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def attachment_add(*, assessment: Assessment, user, upload, row: int | None = None):
    """Store an uploaded supporting document on the form (or one of its 绩效指标 rows).

    The type is read from the content (``attachments.inspect``); the file is stored under a
    generated name, the uploader's name kept for display. Only while the form is open.
    """
    from assessments import attachments
    from assessments.models import Attachment

    a = _locked(assessment)
    access.require(user, a, "attach")
    kind = attachments.inspect(upload)
    row_name = ""
    if row is not None:
        indicator = a.indicators.filter(order=row).first() if row >= 0 else None
        if indicator is None:
            raise attachments.AttachmentRefused(_("绩效指标第 %(n)s 行不存在") % {"n": row + 1})
        row_name = indicator.name[:200]
    item = Attachment(assessment=a, row=row, row_name=row_name, original_name=attachments.display_name(upload.name),
                      content_type=kind.content_type, extension=kind.extension, size=upload.size, uploaded_by=user)
    item.file.save("upload", upload, save=False)
    try:  # a failed write leaves no stored file without its record
        item.save()
        label = attachments.row_label(item)
        _log(assessment=a, type=Event.ATTACHED, user=user,
             comment=_("%(where)s：%(name)s") % {"where": label, "name": item.original_name},
             attachment_id=item.pk, file=item.original_name, row=row, size=item.size)
    except Exception:
        item.file.delete(save=False)
        raise
    return item


@transaction.atomic
def attachment_delete(*, attachment, user) -> None:
    """Remove a supporting document while the form is open; the file goes when the record does."""
    from assessments import attachments
    from assessments.models import Attachment

    a = _locked(attachment.assessment)
    access.require(user, a, "attach")
    item = Attachment.objects.select_for_update().get(pk=attachment.pk, assessment=a)
    label, name, storage, path = attachments.row_label(item), item.original_name, item.file.storage, item.file.name
    item.delete()
    _log(assessment=a, type=Event.DETACHED, user=user,
         comment=_("%(where)s：%(name)s") % {"where": label, "name": name}, attachment_id=attachment.pk, file=name)
    transaction.on_commit(lambda: storage.delete(path))


# 信息公开: publishing an approved form on the public page, and withdrawing it
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def assessment_publish(*, assessment: Assessment, user) -> Assessment:
    """Show an approved form on its region's public page (信息公开).

    Only approved forms, and only the level that approved it (or an administrator). Publishing
    an already published form changes nothing and logs nothing.
    """
    a = _locked(assessment)
    if a.status != Assessment.Status.APPROVED:
        raise IllegalTransition(_("只有已审核的表可以公开；此表状态为“%(status)s”") % {"status": a.get_status_display()})
    access.require(user, a, "publish")
    if a.department.region_id is None:
        raise IllegalTransition(_("“%(name)s”未设地区，没有可公开的信息公开页面") % {"name": a.department.name})
    if a.published_at is None:
        a.published_at = timezone.now()
        a.save(update_fields=["published_at"])
        _public_page_changed(a)
        _log(assessment=a, type=Event.PUBLISHED, user=user, comment=_("在信息公开页面公开"), revision=a.revision)
    assessment.published_at = a.published_at
    return a


@transaction.atomic
def assessment_withdraw(*, assessment: Assessment, user, reason: str = "") -> Assessment:
    """Take a form off the public page. Withdrawing a form that is not published changes nothing."""
    a = _locked(assessment)
    access.require(user, a, "withdraw")
    if a.published_at is not None:
        a.published_at = None
        a.save(update_fields=["published_at"])
        _public_page_changed(a)
        _log(assessment=a, type=Event.WITHDRAWN, user=user, comment=reason or _("撤回公开"), revision=a.revision)
    assessment.published_at = None
    return a


def _public_page_changed(assessment) -> None:
    """Give the region's public page a new version (its ETag and cache key)."""
    from django.db.models import F

    from assessments.models import Region

    Region.objects.filter(pk=assessment.department.region_id).update(
        publication_version=F("publication_version") + 1)
