"""Writes of the entry wizard: create a form, save or autosave a step, copy last year, take targets,
fill from base data, import indicators from Excel, submit.

Each write locks the form's row (``records.lock``), asks ``core.access`` and logs an event of its own
type with the field changes it made.
"""
from __future__ import annotations


from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.core import access, formsteps
from assessments.core import records
from assessments.core.records import Event
from assessments.core.selectors import assessment_evaluation, assessment_with_rows, base_data_for
from assessments.domain import figures, interchange, rules
from assessments.core.errors import AccessDenied, AppError, IllegalTransition
from assessments.entry import wizard
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
    fiscal_year = records.fiscal_year_get_or_create(year=year)
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
                  .values(*Assessment.PROJECT_FIELDS.values()).first())
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
    records.log_event(assessment=assessment, type=Event.CREATED, user=user)
    return records.assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_save_step(*, assessment: Assessment, user, step, data, expected_version=None,
                         comment: str = "", event_type: str = Event.SAVED, go_to: str = "") -> Assessment:
    """Write what a user entered on one wizard step; keep it verbatim if it cannot be stored yet.

    ``step`` is a ``formsteps.Step`` and ``data`` its ``wizard.StepInput``. Values that parse are
    written to the assessment and its rows; a step with unreadable values (text in an amount)
    is kept as typed in ``draft_inputs`` so the user finds it again, and blocks submission.
    ``event_type`` names the kind of write on the timeline (saved, autosaved, imported from Excel).
    ``go_to``: the step the user moves to with this save (as ``assessment_go_to_step``, in the same write).
    """
    assessment = records.lock(assessment, with_rows=True)
    access.require(user, assessment, "edit")
    if expected_version is not None and assessment.version != expected_version:
        # Optimistic concurrency: refuse, and say what the others changed since this user loaded it.
        later = assessment.events.filter(records.version_filter()).exclude(user=user).select_related("user")
        others = [e for e in later if e.data.get("version", 0) > expected_version]
        changed = [c for e in others for c in e.data.get("changes", [])]
        names = "、".join(sorted({(e.user.first_name or e.user.username) if e.user else _("系统") for e in others}))
        raise records.ConcurrentEdit(changed, names or _("他人"))
    if _unchanged(assessment=assessment, step=step, data=data):
        # Nothing to write: as ``assessment_go_to_step``, where the filler moves to is no change of
        # the form, so no new version (no one else's open page turns stale), no timeline entry.
        if go_to and go_to != assessment.wizard_step:
            Assessment.objects.filter(pk=assessment.pk).update(wizard_step=go_to)
            assessment.wizard_step = go_to
        return assessment
    before = records.snapshot(assessment, loaded=True)
    drafts = dict(assessment.draft_inputs)
    in_memory = False
    if data.errors:
        drafts[step.key] = data.raw
    else:
        drafts.pop(step.key, None)
        if step.is_rows:
            table = STEP_TABLES[step.rows]
            written = _write_step_rows(assessment=assessment, rows_attr=step.rows, rows=data.rows)
            # The rows just inserted are the form's rows now: they need not be read back (a value the
            # database would round is the exception, and is read back below).
            in_memory = records.rows_as_stored(assessment=assessment, table=table, rows=written)
        else:
            for name, value in data.values.items():
                setattr(assessment, Assessment.PROJECT_FIELDS.get(name, name), value)
    assessment.draft_inputs = drafts
    assessment.wizard_step = go_to or step.key
    assessment.version += 1
    if in_memory:
        # The form as stored is this instance (its other tables read under the lock): its figures
        # are written in the same statement as the rest of it.
        fresh = assessment
        _cached, missed = records.figures_set(assessment=assessment, fresh=fresh)
        assessment.save()
    else:
        assessment.save()
        # The form as stored now, read once: its fields as the database keeps them (a typed amount
        # rounded to its column), the row tables this step did not write taken from the lock's read.
        rewritten = {STEP_TABLES[step.rows]} if step.is_rows and not data.errors else set()
        fresh = assessment_with_rows(pk=assessment.pk, locked=assessment, rewritten=rewritten)
    comment = (comment or str(step.label)) + (_("（含未通过校验的输入）") if data.errors else "")
    changes = interchange.changes(before, records.snapshot(fresh, loaded=True))
    if event_type == Event.AUTOSAVED:
        _log_autosave(assessment=assessment, user=user, changes=changes, comment=comment, step=step.key)
    else:
        records.log_event(assessment=assessment, type=event_type, user=user, comment=comment,
                          step=step.key, version=assessment.version, changes=changes)
    if in_memory:
        records.missed_flags_write(fresh=fresh, missed=missed)
        return fresh
    # Returned as read after the write (the locked instance's rows are those from before it).
    return records.assessment_recompute(assessment=fresh, fresh=fresh)


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


def _log_autosave(*, assessment, user, changes, comment, step):
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


# The row table each row step writes (``_write_step_rows``), by the step's ``rows``.
STEP_TABLES = {"budget": "budget_lines", "indicators": "indicators", "key_tasks": "key_tasks",
               "components": "component_scores", "report": "report_sections"}


def _unchanged(*, assessment, step, data) -> bool:
    """Whether saving ``data`` would store exactly what the form holds (read under the save's lock).

    Compared as stored: each field the step sets, and for a row step every column its records are
    written with (not the id, nor what is derived from them, as the parsed target or the missed flag).
    A value that compares unequal only takes the ordinary write.
    """
    if data.errors or step.key in assessment.draft_inputs:
        return False
    if not step.is_rows:
        return all(getattr(assessment, Assessment.PROJECT_FIELDS.get(name, name)) == value
                   for name, value in data.values.items())
    new = _step_records(assessment=assessment, rows_attr=step.rows, rows=data.rows)
    stored = list(getattr(assessment, STEP_TABLES[step.rows]).all())
    if len(stored) != len(new):
        return False
    columns = [f.attname for f in type(new[0])._meta.concrete_fields if f.editable and not f.primary_key] if new else []
    return all(getattr(old, name) == getattr(record, name) for old, record in zip(stored, new) for name in columns)


def _step_records(*, assessment, rows_attr, rows) -> list:
    """Return the unsaved records a row step's rows are stored as (in its table, ``STEP_TABLES``)."""
    if rows_attr == "budget":
        return [BudgetLine(assessment=assessment, order=i, line=r.line, name=r.name, initial=r.initial,
                           adjustment=r.adjustment, adjusted=r.adjusted, executed=r.executed, half_year=r.half_year)
                for i, r in enumerate(rows)]
    if rows_attr == "indicators":
        return [Indicator.from_rules(r, assessment=assessment, order=i) for i, r in enumerate(rows)]
    if rows_attr == "key_tasks":
        return [KeyTask(assessment=assessment, order=i, duty=t.duty, task=t.task, result=t.result)
                for i, t in enumerate(rows)]
    if rows_attr == "components":
        return [ComponentScore(assessment=assessment, order=i, name=c.name, weight=c.weight, score=c.score)
                for i, c in enumerate(rows)]
    if rows_attr == "report":
        return [ReportSection(assessment=assessment, order=i, title=t, text=x) for i, (t, x) in enumerate(rows)]
    raise ValueError(f"unknown row step: {rows_attr}")


def _write_step_rows(*, assessment, rows_attr, rows) -> list:
    """Replace the rows of a row step's table with ``rows``; return the records inserted."""
    related = getattr(assessment, STEP_TABLES[rows_attr])
    related.all().delete()
    return related.model.objects.bulk_create(_step_records(assessment=assessment, rows_attr=rows_attr, rows=rows))


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
    before = records.snapshot(assessment)
    _write_step_rows(assessment=assessment, rows_attr="indicators", rows=rows)
    drafts = dict(assessment.draft_inputs)
    drafts.pop("indicators", None)  # the copied rows replace what was typed and kept
    assessment.draft_inputs = drafts
    assessment.version += 1
    assessment.save(update_fields=["draft_inputs", "version", "updated_at"])
    records.log_event(assessment=assessment, type=event_type, user=user, comment=comment, before=before,
                      step="indicators", version=assessment.version)
    return records.assessment_recompute(assessment=assessment)


@transaction.atomic
def assessment_copy_previous_year(*, assessment: Assessment, user) -> Assessment:
    """Copy last year's indicators and targets of the same project, actuals and reasons cleared."""
    assessment = records.lock(assessment)
    access.require(user, assessment, "edit")
    if assessment.kind != Assessment.Kind.PROJECT:
        raise IllegalTransition(_("只有项目支出绩效自评表可以复制上年指标"))
    previous = (Assessment.objects.filter(kind=assessment.kind, project=assessment.project,
                                          fiscal_year__year=assessment.fiscal_year.year - 1).first())
    if previous is None:
        raise NothingToCopy(_("该项目没有 %(year)s 年度的自评表") % {"year": assessment.fiscal_year.year - 1})
    source = records.assessment_document_of(previous)
    rows = [rules.IndicatorRow(level1=i.level1, level2=i.level2, name=i.name, target=i.target, weight=i.weight,
                               source=i.source) for i in source.indicators]
    return _replace_indicators(assessment=assessment, user=user, rows=rows, event_type=Event.COPIED_PREVIOUS,
                               comment=_("复制 %(year)s 年度指标和目标值") % {"year": previous.fiscal_year.year})


@transaction.atomic
def assessment_copy_targets(*, assessment: Assessment, user) -> Assessment:
    """Take a department self-assessment's targets from the same year's approved target table."""
    assessment = records.lock(assessment)
    access.require(user, assessment, "edit")
    if assessment.kind != Assessment.Kind.DEPARTMENT:
        raise IllegalTransition(_("只有部门整体支出绩效自评表可以导入目标表"))
    targets = Assessment.objects.filter(kind=Assessment.Kind.TARGETS, department=assessment.department,
                                        fiscal_year=assessment.fiscal_year, status=Assessment.Status.APPROVED).first()
    if targets is None:
        raise NothingToCopy(_("本部门 %(year)s 年度没有已审核的部门整体预算绩效目标表")
                            % {"year": assessment.fiscal_year.year})
    rows = [rules.IndicatorRow(level1=i.level1, level2=i.level2, name=i.name, target=i.target)
            for i in records.assessment_document_of(targets).indicators]
    return _replace_indicators(assessment=assessment, user=user, rows=rows, event_type=Event.TARGETS_TAKEN,
                               comment=_("从已审核的目标表导入目标值"))


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
    assessment = records.lock(assessment)
    access.require(user, assessment, "edit")
    step = formsteps.step_by_key(assessment, "indicators")
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
    assessment = records.lock(assessment)
    access.require(user, assessment, "edit")
    base = base_data_for(department=assessment.department, fiscal_year=assessment.fiscal_year)
    if base is None:
        raise NothingToCopy(_("本部门 %(year)s 年度尚未填写基础数据") % {"year": assessment.fiscal_year.year})
    derived = {d.name: d for d in rules.department_indicators(base.as_rules(), assessment.rules_scheme())}
    before = records.snapshot(assessment)
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
        records.log_event(assessment=assessment, type=Event.BASE_FILLED, user=user, before=before, step="indicators",
                          comment=_("用部门基础数据填写 %(n)d 个指标的完成值") % {"n": filled},
                          version=assessment.version)
        records.assessment_recompute(assessment=assessment)
    return filled


class SubmissionBlocked(AppError):
    """Submission refused: the problems (rules.Issue) that must be solved first."""

    def __init__(self, issues):
        super().__init__(_("仍有 %(n)d 个问题须解决") % {"n": len(issues)})
        self.issues = issues


@transaction.atomic
def assessment_submit(*, assessment: Assessment, user) -> Assessment:
    """草稿/退回修改 → 已提交, only when nothing blocks submission (RULES §3.4, §4)."""
    assessment = records.lock(assessment)
    new_status = access.require_transition(user, assessment, "submit")
    evaluation = assessment_evaluation(assessment=assessment_with_rows(pk=assessment.pk))
    issues = list(evaluation.errors) + list(evaluation.problems)
    issues += [rules.Issue(step, _("此步骤有未通过校验的输入")) for step in assessment.draft_inputs]
    if issues:
        raise SubmissionBlocked(issues)
    assessment.status = new_status
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    records.log_event(assessment=assessment, type=Event.SUBMITTED, user=user, version=assessment.version)
    return assessment


def _plain(value):
    """A stored value as the event log keeps it: a decimal as printed, anything else as it is."""
    return None if value is None else figures.plain(value) if hasattr(value, "as_tuple") else value
