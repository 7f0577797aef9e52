"""Pages of the entry wizard: new form, steps, live figures, autosave, reuse, Excel import, base data.

Every form comes through the user's fill scope (``selectors.assessment_fillable_or_404``), so a foreign
id is a 404; every write goes through ``entry.services``.
"""
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.core import access, labels, selectors
from assessments.entry import drafts, grid
from assessments.domain import figures, library, rules
from assessments.core.errors import AppError
from assessments.core.params import int_param
from assessments.core import records
from assessments.entry import services
from assessments.core import formsteps
from assessments.domain import typed
from assessments.entry import forms, wizard
from assessments.models import DepartmentBaseData, FiscalYear


@login_required
def assessment_new(request):
    departments = selectors.departments_fillable_by(user=request.user)
    if request.method == "POST":
        form = forms.AssessmentNewForm(request.POST, departments=departments)
        if form.is_valid():
            data = form.cleaned_data
            assessment = services.assessment_create(user=request.user, kind=data["kind"], department=data["department"],
                                                    year=data["year"], project_name=data["project_name"])
            return redirect("assessment_edit", pk=assessment.pk)
    else:
        form = forms.AssessmentNewForm(departments=departments, initial={"year": str(datetime.date.today().year)})
    return render(request, "assessments/new.html", {"departments": departments, "form": form})


@login_required
def assessment_edit(request, pk):
    """Continue where the user left off (the step saved last), or start at the first step."""
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    keys = [s.key for s in formsteps.steps_for(assessment)]
    return redirect("assessment_step", pk=pk, step=assessment.wizard_step if assessment.wizard_step in keys else keys[0])


def _state(assessment, step, post=None):
    """Return the step's inputs, the document with them in place, and its evaluation."""
    document = selectors.assessment_document(assessment=assessment)
    if post is None and step.key in assessment.draft_inputs:
        post = wizard.as_post(step, assessment.draft_inputs[step.key])
    data = wizard.read_step(step, post) if post is not None else None
    if data is not None:
        wizard.apply_to_document(document, step, data)
        raw = data.raw
    else:
        raw = wizard.saved_raw(assessment, document, step)
    evaluation = rules.evaluate(document.form(), assessment.rules_scheme())
    issues = grid.one_message_per_problem(data.errors if data else [],
                                          list(evaluation.errors) + list(evaluation.problems))
    return raw, document, evaluation, issues


def _row_view(step, raw, evaluation, issues, assessment=None, scheme=None):
    rows = []
    for i, values in enumerate(raw.get("rows", [])):
        prefix = f"{step.rows}[{i}]"
        row_issues = {}
        # The rules' issues carry interchange paths (component_scores[i]); the step may name its rows
        # otherwise (components[i]): labels.ROWS_ALIASES maps the two.
        prefixes = (prefix,) + tuple(f"{json_name}[{i}]" for json_name, step_name in labels.ROWS_ALIASES.items()
                                     if step_name == step.rows)
        for issue in issues:
            for p in prefixes:
                if issue.path == p or issue.path.startswith(p + "."):
                    column = issue.path[len(p) + 1:] or "_row"
                    row_issues.setdefault(column, []).append(issue.message)
        result = evaluation.indicators[i] if step.rows == "indicators" and i < len(evaluation.indicators) else None
        budget = evaluation.budget[i] if step.rows == "budget" and i < len(evaluation.budget) else None
        previous = raw["rows"][i - 1] if i else {}
        # 一级/二级 repeated from the row above are shown faded, as the printed table merges them.
        cells = [{"col": col, "value": values.get(col.name, ""), "issues": row_issues.get(col.name, []),
                  "repeat": col.name in ("level1", "level2") and i > 0
                  and values.get(col.name) == previous.get(col.name)
                  and (col.name == "level1" or values.get("level1") == previous.get("level1"))}
                 for col in step.columns]
        hidden = grid.hidden_cells(assessment, step, values, result, scheme) if assessment is not None else set()
        anchor = labels.anchor(prefix)
        for cell in cells:
            cell["hidden"] = cell["col"].name in hidden
            cell["id"] = f"{anchor}-{cell['col'].name}"
            if cell["col"].name == "adjusted" and budget is not None and not str(cell["value"]).strip():
                # 全年预算数 left blank is 年初预算数 + 追加追减数: show the figure the rate is computed from.
                cell["placeholder"] = figures.whole(budget.adjusted)
        rows.append({"index": i, "number": i + 1, "anchor": anchor, "path": prefix, "cells": cells,
                     "issues": row_issues.get("_row", []), "result": result, "budget": budget, "hidden": sorted(hidden),
                     "reason_missing": bool(row_issues.get("reason")) and bool(result and result.reason_required)})
    return rows


def _figures(evaluation):
    return {
        "execution_rate": figures.percent(evaluation.execution_rate),
        "execution_score": figures.score(evaluation.execution_score),
        "total": figures.score(evaluation.shown_total),
        "grade": evaluation.grade or "—",
        "problems": len(evaluation.problems) + len(evaluation.errors),
    }


@drafts.login_required_keeping_post  # a save posted after the session expired is kept (drafts.py)
def assessment_step(request, pk, step):
    # A save reads the rows itself under its lock (entry/services.py): a POST does not read them here.
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk, with_rows=request.method != "POST")
    steps = formsteps.steps_for(assessment)
    current = formsteps.step_by_key(assessment, step)
    if current is None:
        raise Http404
    if request.method == "POST":
        if not access.for_form(request.user, assessment).can_edit():
            # Submitted or approved since the page was loaded: say so, and show what was typed.
            messages.error(request, _("此表已提交或已审核，不能修改；您刚才填写的内容仍显示在下面，未保存。"))
            if current.key == "preview":
                return redirect("assessment_detail", pk=pk)
            return _render_step(request, selectors.assessment_with_rows(pk=pk), steps, current,
                                post=request.POST, status=409)
        action = request.POST.get("action", "next")
        keys = [s.key for s in steps]
        index = keys.index(current.key)
        if action == "prev":
            target = keys[max(0, index - 1)]
        elif action.startswith("goto:") and action[5:] in keys:
            target = action[5:]
        elif action in ("stay", "submit"):
            target = current.key
        else:
            target = keys[min(len(keys) - 1, index + 1)]
        if current.key != "preview":
            data = wizard.read_step(current, request.POST)
            version = request.POST.get("version", "")
            try:
                # The step moved to is remembered by the same write (a valid step only: with errors the
                # user comes back to this one).
                services.assessment_save_step(assessment=assessment, user=request.user, step=current, data=data,
                                              expected_version=int_param(version, low=0),
                                              go_to="" if data.errors else target)
            except records.ConcurrentEdit as conflict:
                # Nothing is overwritten: show what the other person changed, keep what this user typed.
                return _render_step(request, selectors.assessment_with_rows(pk=pk), steps, current,
                                    post=request.POST, conflict=conflict)
            except AppError as refusal:
                # E.g. the form was submitted between loading and saving: say so, keep what was typed.
                messages.error(request, str(refusal))
                return _render_step(request, selectors.assessment_with_rows(pk=pk), steps, current,
                                    post=request.POST, status=409)
            if data.errors:
                messages.error(request, _("已保存，但有内容未通过校验，请按提示修改。"))
                return redirect("assessment_step", pk=pk, step=current.key)
        if action == "submit":
            try:
                services.assessment_submit(assessment=assessment, user=request.user)
            except services.SubmissionBlocked:
                messages.error(request, _("仍有问题须解决，不能提交。"))
                return redirect("assessment_step", pk=pk, step=current.key)
            except AppError as refusal:
                messages.error(request, str(refusal))
                return redirect("assessment_detail", pk=pk)
            messages.success(request, _("已提交。"))
            return redirect("assessment_detail", pk=pk)
        if target != current.key and current.key == "preview":  # a save above remembered it already
            services.assessment_go_to_step(assessment=assessment, user=request.user, step=target)
        return redirect("assessment_step", pk=pk, step=target)

    kept = drafts.take_conflict(request, pk, current.key)
    if kept is not None:  # posted while signed out, then someone else saved: show both, overwrite nothing
        return _render_step(request, selectors.assessment_with_rows(pk=pk), steps, current,
                            post=kept[0], conflict=kept[1])
    # Loaded just above with its rows (selectors.assessment_fillable_or_404): loading it again would cost six more queries.
    return _render_step(request, assessment, steps, current)


def _render_step(request, assessment, steps, current, post=None, conflict=None, status=None):
    raw, document, evaluation, issues = _state(assessment, current, post=post)
    scheme = assessment.rules_scheme()
    # Sorted within the form (the model's ordering joins four tables), read only if the form has any.
    all_comments = grid.comment_list(assessment, steps, assessment.comments.select_related("author")
                                     .order_by("created_at", "pk")) if selectors.has_any(assessment, "comments") else []
    comments = [c for c in all_comments if c["step"] in (None, current.key)]
    if current.rows == "report":
        # The jurisdiction's outline: every section not written yet is offered, empty, after those that are.
        have = {r.get("title", "").strip() for r in raw.get("rows", [])}
        raw = {**raw, "rows": list(raw.get("rows", [])) + [
            {"title": t, "text": ""} for t in formsteps.report_outline(scheme) if t not in have]}
    columns = grid.shown_columns(assessment, current, raw.get("rows", []), scheme) if current.is_rows else []
    template_hidden = grid.hidden_cells(assessment, current, {}, None, scheme) if current.is_rows else set()
    rows = _row_view(current, raw, evaluation, issues, assessment, scheme) if current.is_rows else []
    for row in rows:
        row["cells"] = [c for c in row["cells"] if c["col"] in columns]
        row["comments"] = [c for c in comments if c["comment"].path == row["path"] and c["open"]]
        if current.rows == "report":
            row["words"] = typed.word_count(raw["rows"][row["index"]].get("text", ""))
        for c in row["comments"]:
            c["beside_row"] = True
    if conflict is not None:
        for change in conflict.changes:
            change["where"] = labels.describe(change["path"], kind=assessment.kind, steps=steps)
            for key in ("before", "after"):
                if change[key] is not None:
                    change[key] = labels.display_value(change["path"], change[key])
    is_scored = grid.scored(assessment, scheme)
    step_form = None
    if not current.is_rows:
        field_issues = {}
        for issue in issues:
            field_issues.setdefault(issue.path, issue.message)
        # The step's form shows what was typed, with the page's one message per field (reading or rules).
        step_form = forms.StepForm(current, data=wizard.as_post(current, raw))
        step_form.show_issues({col.name: field_issues.get(col.name) or field_issues.get(f"analysis.{col.name}")
                               for col in current.fields
                               if col.name in field_issues or f"analysis.{col.name}" in field_issues})
    return render(request, "assessments/wizard.html", {
        "assessment": assessment, "steps": steps, "step": current, "raw": raw, "columns": columns,
        "template_hidden": template_hidden, "rows": rows,
        "colspan": 2 + len(columns) + (1 if current.rows == "budget" and not assessment.kind == rules.KIND_TARGETS else 0) + (
            (1 + is_scored + (assessment.kind != rules.KIND_TARGETS)) if current.rows == "indicators" else 0),
        "step_form": step_form,
        "figures": _figures(evaluation), "evaluation": evaluation,
        "problems": grid.problem_list(assessment, steps, issues),
        "library": wizard_library(assessment.kind) if current.rows == "indicators" else [],
        "conflict": conflict, "comments": comments, "all_comments": all_comments,
        "open_comments": [c for c in all_comments if c["open"]],
        "unanswered_comments": [c for c in all_comments if c["unanswered"]],
        "comment_badges": grid.open_comments_by_step(all_comments),
        "scored": is_scored, "is_targets": assessment.kind == rules.KIND_TARGETS,
        "totals": _totals(current, evaluation, scored=is_scored),
    }, status=status or (409 if conflict else 200))


def _totals(step, evaluation, *, scored):
    """Return the 合计 row of the indicator table as the official table prints it (from rules.py)."""
    if step.rows != "indicators" or not scored:
        return None
    return {"weight": figures.whole(evaluation.indicator_weight_total),
            "score": figures.score(evaluation.indicator_score_total, "")}


def wizard_library(kind=None):
    return library.indicators_for(kind)


@login_required
@require_POST
def assessment_live(request, pk, step):
    """Return the figures of the form as it stands in the browser, unsaved (RULES via rules.py)."""
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    current = formsteps.step_by_key(assessment, step)
    if current is None:
        raise Http404
    raw, document, evaluation, issues = _state(assessment, current, post=request.POST)
    rows = []
    scheme = assessment.rules_scheme()
    if current.is_rows:
        for row in _row_view(current, raw, evaluation, issues, assessment, scheme):
            result, budget = row["result"], row["budget"]
            out = {"issues": {c["col"].name: c["issues"] for c in row["cells"] if c["issues"]},
                   "hidden": row["hidden"], "reason_missing": row["reason_missing"]}
            if current.rows == "report":
                out["words"] = typed.word_count(raw["rows"][row["index"]].get("text", ""))
            if result is not None:
                target = result.target
                out.update({
                    "parsed": "" if target is None else (target.comparator if target.is_qualitative
                                                          else f"{target.comparator}{figures.plain(target.value)}{target.unit}"),
                    "score": figures.score(result.score, ""), "deviation": result.deviation,
                    "reason_required": result.reason_required,
                })
            if budget is not None:
                out.update({"rate": figures.percent(budget.rate), "adjusted": figures.whole(budget.adjusted)})
            rows.append(out)
    return JsonResponse({
        "figures": _figures(evaluation), "rows": rows,
        # For each row the page posted, in order: its index in "rows", or null for a row the server
        # found empty (domain/rows.py) — the page does not judge emptiness itself.
        "posted": wizard.posted_rows(current, request.POST)[1] if current.is_rows else [],
        "totals": _totals(current, evaluation, scored=grid.scored(assessment, scheme)),
        "issues": [{"path": i.path, "message": i.message,
                    "where": labels.describe(i.path, kind=assessment.kind)} for i in issues],
        "fields": {i.path: i.message for i in issues if not current.is_rows},
    })


@require_POST
def assessment_autosave(request, pk, step):
    """Save what the page holds for one step while the user types (static/js/autosave.js); JSON.

    Signed out, this answers 401 (not a redirect to the sign-in page, which a script cannot show):
    the page keeps the values and saves them once the user has signed in again.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"saved": False, "reason": "login", "login": reverse("login"),
                             "message": _("登录已过期")}, status=401)
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk, with_rows=False)
    current = formsteps.step_by_key(assessment, step)
    if current is None or current.key == "preview":
        raise Http404
    version = request.POST.get("version", "")
    if not (version.isascii() and version.isdigit()):
        return JsonResponse({"saved": False, "reason": "version",
                             "message": _("页面缺少版本号，请点击“保存”")}, status=400)
    data = wizard.read_step(current, request.POST)
    try:
        saved = services.assessment_autosave_step(assessment=assessment, user=request.user, step=current, data=data,
                                                  expected_version=int(version))
    except records.ConcurrentEdit as conflict:
        return JsonResponse({"saved": False, "reason": "conflict", "message": str(conflict)}, status=409)
    except AppError as refusal:
        return JsonResponse({"saved": False, "reason": "refused", "message": str(refusal)}, status=409)
    except OperationalError:
        # E.g. SQLite's "database is locked" under many simultaneous saves: the page retries.
        return JsonResponse({"saved": False, "reason": "busy", "message": _("服务器繁忙，稍后自动重试")}, status=503)
    return JsonResponse({
        "saved": True, "version": saved.version, "at": timezone.localtime().strftime("%H:%M:%S"),
        "unreadable": [issue.message for issue in data.errors],
    })


REUSE_ACTIONS = {
    "copy_previous_year": services.assessment_copy_previous_year,
    "copy_targets": services.assessment_copy_targets,
    "fill_from_base_data": services.assessment_fill_from_base_data,
}


@login_required
@require_POST
def assessment_reuse(request, pk, action):
    """Copy last year's indicators, the approved targets, or base-data figures into the form."""
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    if action not in REUSE_ACTIONS:
        raise Http404
    try:
        result = REUSE_ACTIONS[action](assessment=assessment, user=request.user)
    except AppError as exc:
        messages.error(request, str(exc))
    else:
        if action == "fill_from_base_data":
            messages.success(request, _("已用基础数据填写 %(n)d 个指标的完成值。") % {"n": result})
        else:
            messages.success(request, _("已复制。"))
    return redirect("assessment_step", pk=pk, step="indicators")


@login_required
def indicators_import(request, pk):
    """Excel → preview → confirm. Nothing is written until a clean preview is confirmed (excel_import.py)."""
    # excel_import loads openpyxl (about half a second); only these two pages need it.
    from assessments.entry import excel_import

    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    step = formsteps.step_by_key(assessment, "indicators")
    if not access.for_form(request.user, assessment).can_edit() or step is None:
        messages.error(request, _("此表已提交或已审核，不能导入。"))
        return redirect("assessment_detail", pk=pk)
    context = {"assessment": assessment, "limit_mb": settings.EXCEL_IMPORT_MAX_BYTES / 2**20,
               "mode": request.POST.get("mode", "replace"), "columns": step.columns}
    status = 200
    if request.method == "POST" and "token" in request.POST:
        try:
            payload = excel_import.confirmed_rows(request.POST["token"], assessment=assessment)
            services.assessment_import_indicators(
                assessment=assessment, user=request.user, raw_rows=payload["rows"], mode=payload["mode"],
                expected_version=payload["version"], source=payload["file"])
        except excel_import.PreviewExpired as exc:
            messages.error(request, str(exc))
        except records.ConcurrentEdit as conflict:
            messages.error(request, _("预览之后此表已被%(by)s修改，为免覆盖，请重新上传文件再确认。")
                           % {"by": conflict.by})
        except services.ImportNotClean as exc:
            messages.error(request, _("导入的行仍有错误，未写入：%(errors)s") % {"errors": exc})
        except AppError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已从 Excel 导入 %(n)d 行指标。") % {"n": len(payload["rows"])})
            return redirect("assessment_step", pk=pk, step="indicators")
        return redirect("indicators_import", pk=pk)
    if request.method == "POST":
        # The declared size is checked before request.FILES makes Django spool the body to disk.
        form = forms.IndicatorWorkbookForm.for_request(request)
        try:
            if not form.is_valid():
                raise excel_import.WorkbookRefused(" ".join(form.non_field_errors()))
            upload = form.cleaned_data["file"]
            preview = excel_import.read_indicator_workbook(upload, assessment=assessment)
        except excel_import.WorkbookRefused as exc:
            context["refused"] = str(exc)
            status = 400
        else:
            context.update(excel_import.preview_page(preview, assessment=assessment), file_name=upload.name)
            if preview.is_clean:
                context["token"] = excel_import.preview_token(preview, assessment=assessment, file_name=upload.name,
                                                              mode=form.cleaned_data["mode"])
    context["existing"] = assessment.indicators.count()
    return render(request, "assessments/import.html", context, status=status)


@login_required
def indicators_import_template(request, pk):
    # excel_import loads openpyxl (about half a second); only these two pages need it.
    from assessments.entry import excel_import

    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    response = HttpResponse(excel_import.template_workbook(assessment=assessment),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=\"indicators-template.xlsx\""
    return response


@login_required
def base_data_edit(request, department_pk, year):
    """The department's base data for a year, with the RULES §5 indicators computed from it."""
    department = get_object_or_404(selectors.departments_visible_to(user=request.user), pk=department_pk)
    can_edit = access.may_edit_base_data(request.user, department.pk)
    if not 2000 <= year <= 2100:
        raise Http404
    # Looking writes nothing: the fiscal year is created only when base data for it is saved.
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    base = selectors.base_data_for(department=department, fiscal_year=fiscal_year) if fiscal_year else None
    if request.method == "POST":
        if not can_edit:
            raise Http404
        form = forms.BaseDataForm(request.POST)
        if form.is_valid():
            try:
                services.base_data_upsert(department=department, values=form.cleaned_data, user=request.user,
                                          fiscal_year=fiscal_year or records.fiscal_year_get_or_create(year=year))
            except AppError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("基础数据已保存。"))
                return redirect("base_data_edit", department_pk=department.pk, year=year)
    else:
        initial = {name: wizard.as_text(getattr(base, name)) for name in DepartmentBaseData.FIELDS} if base else {}
        form = forms.BaseDataForm(initial=initial, editable=can_edit)
    derived = rules.department_indicators(base.as_rules()) if base is not None else []
    return render(request, "assessments/base_data.html", {
        "department": department, "year": year, "form": form, "derived": derived, "can_edit": can_edit,
    })
