"""Pages. Every object is fetched through a scoped queryset, so a foreign id is a 404."""
import datetime
import json
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import access, drafts, entry, interchange, labels, printing, rules, selectors, services, wizard
from assessments.errors import AppError
from assessments.params import int_param, year_param
from assessments.models import (
    Assessment,
    AssessmentEvent,
    DepartmentBaseData,
    FiscalYear,
)


@login_required
def home(request):
    assessments = selectors.assessment_list_for(user=request.user)
    years = sorted(set(assessments.order_by().values_list("fiscal_year__year", flat=True).distinct()), reverse=True)
    year_number = year_param(request.GET.get("year"))
    year = str(year_number) if year_number else ""
    if year_number:
        assessments = assessments.filter(fiscal_year__year=year_number)
    departments = selectors.departments_visible_to(user=request.user).order_by("name")
    page = Paginator(assessments, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessments/home.html", {
        "assessments": page.object_list, "page": page, "query": urlencode({"year": year} if year else {}),
        "years": years, "year": year,
        "departments": departments[:DEPARTMENTS_SHOWN], "department_count": departments.count(),
        # A reviewer fills for no department: no 新建自评表 that would dead-end.
    })


LIST_PAGE_SIZE = 50
DEPARTMENTS_SHOWN = 20


def _scoped(request, pk):
    return get_object_or_404(selectors.assessment_queryset().filter(
        department__in=selectors.departments_visible_to(user=request.user)), pk=pk)


@login_required
def assessment_detail(request, pk):
    assessment = _scoped(request, pk)
    document = selectors.assessment_document(assessment=assessment)
    evaluation = rules.evaluate(document.form(), assessment.rules_scheme())
    perms = access.for_form(request.user, assessment)
    return render(request, "assessments/detail.html", {
        "perms": perms,
        "can_review": perms.can_review(),
        # The same rule as services.comment_resolve asks (or the comment's author, checked per comment).
        "may_resolve": assessment.status != Assessment.Status.APPROVED and perms.is_current_reviewer(),
        "can_reopen": perms.can_reopen(),
        "changes": _marked_changes(assessment) if assessment.status == Assessment.Status.SUBMITTED else [],
        "comments": _with_resolve(perms, assessment.comments.select_related("author", "resolved_by")),
        "assessment": assessment,
        "document": document,
        "evaluation": evaluation,
        "budget_rows": list(zip(document.budget, evaluation.budget)),
        "events": assessment.events.select_related("user"),
        **_detail_sections(request, assessment, document, evaluation, perms),
    })


def _change_label(path, kind):
    """Name a changed field as the form prints it (``labels.describe`` once it exists), else its path."""
    try:
        from assessments.labels import describe
    except ImportError:
        return path
    try:
        return describe(path, kind=kind)
    except Exception:  # a path the labeller does not know is still shown, by its path
        return path


def _marked_changes(assessment):
    """The changes since the last return, each with the new text and its insertions/deletions marked."""
    from assessments import textdiff

    return [{**c, "label": _change_label(c["path"], assessment.kind), "marked": textdiff.mark(c["before"], c["after"])}
            for c in services.changes_since_return(assessment)]


def _detail_sections(request, assessment, document, evaluation, perms, with_attachments=True):
    """Everything the print preview shows, for the detail page: particulars, goals, analysis, report,
    key tasks, and the 佐证材料 of the form and of each indicator row."""
    from assessments import attachments

    field = Assessment._meta.get_field
    items = list(assessment.attachments.select_related("uploaded_by")) if with_attachments else []
    by_row = {}
    for item in items:
        item.where = attachments.row_label(item)
        if item.row is not None:
            by_row.setdefault(item.row, []).append(item)
    project = document.project
    particulars = [(_("主管部门"), document.department)]
    if project is not None:
        particulars = [(_("项目名称"), project.name)] + particulars + [
            (_("实施单位"), project.implementing_unit), (_("项目类别"), project.category),
            (_("项目属性"), project.attribute), (_("项目类型"), project.type)]
    filled = document.filled_by or {}
    particulars += [(_("填报人"), filled.get("name")), (_("联系电话"), filled.get("phone")),
                    (_("填报日期"), filled.get("date"))]
    goal_fields = {"expected": "goal_expected", "achieved": "goal_achieved", "long_term": "goal_long_term",
                   "annual": "goal_annual"}
    # The goals the kind's form has (the department self-assessment has none), and any other present.
    shown_goals = {Assessment.Kind.PROJECT: ["expected", "achieved"],
                   Assessment.Kind.TARGETS: ["long_term", "annual"]}.get(assessment.kind, [])
    goals = [(field(goal_fields[k]).verbose_name, document.goals.get(k, ""))
             for k in goal_fields if k in shown_goals or document.goals.get(k)]
    profile = [(field(f).verbose_name, document.profile.get(k, ""))
               for k, f in (("functions", "profile_functions"), ("organization", "profile_organization"))
               if document.profile.get(k)]
    analysis = [(field(f).verbose_name, document.analysis.get(k, ""))
                for k, f in (("deviation_reasons", "deviation_reasons"), ("improvements", "improvements"))
                if assessment.kind != Assessment.Kind.TARGETS or document.analysis.get(k)]
    return {
        "particulars": particulars, "goals": goals,
        "goals_title": _("年度总体目标") if assessment.kind == Assessment.Kind.PROJECT else _("中长期目标与年度目标"), "profile": profile, "analysis": analysis,
        "report": list(document.report.items()), "key_tasks": document.key_tasks,
        "indicator_rows": [(row, result, by_row.get(i, []))
                           for i, (row, result) in enumerate(zip(document.indicators, evaluation.indicators))],
        "attachments": items, "can_attach": with_attachments and perms.can_attach(),
        "attachment_accept": attachments.ACCEPT_ATTRIBUTE, "attachment_limit_mb": attachments.limit_mb(),
        "attachment_types": attachments.ACCEPTED,
    }


def _with_resolve(perms, comments):
    """Mark each comment with whether the user may confirm it resolved (the access module decides)."""
    comments = list(comments)
    for comment in comments:
        comment.may_resolve = perms.can_resolve(comment)
    return comments


@login_required
def assessment_export_json(request, pk):
    assessment = _scoped(request, pk)
    data = selectors.assessment_export_json(assessment=assessment)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.json"'
    return response


@login_required
def assessment_print_preview(request, pk):
    """Show the official layout exactly as the PDF prints it."""
    return HttpResponse(printing.render_html(assessment=_scoped(request, pk), paginate=False))


DOWNLOADS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
def assessment_download(request, pk, fmt):
    if fmt not in DOWNLOADS:
        raise Http404
    assessment = _scoped(request, pk)
    response = HttpResponse(printing.render(assessment=assessment, fmt=fmt), content_type=DOWNLOADS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, printing.download_name(assessment=assessment, fmt=fmt))
    return response


# ---------------------------------------------------------------------------------------------
# Entry: creating a form and its wizard
# ---------------------------------------------------------------------------------------------



def _editable(request, pk):
    """Return an assessment the user may fill in (their own departments); anything else is 404."""
    return get_object_or_404(selectors.assessment_queryset().filter(
        department__in=selectors.departments_fillable_by(user=request.user)), pk=pk)


PROJECT_NAME_MAX = 200  # Project.name's column


@login_required
def assessment_new(request):
    departments = selectors.departments_fillable_by(user=request.user)
    errors = {}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        department_pk = int_param(request.POST.get("department"))
        department = departments.filter(pk=department_pk).first() if department_pk else None
        year = request.POST.get("year", "")
        project_name = wizard.clean_text(request.POST.get("project_name", "")).strip()
        if kind not in Assessment.Kind.values:
            errors["kind"] = _("请选择表单类型")
        if department is None:
            errors["department"] = _("请选择部门")
        if year_param(year) is None:
            errors["year"] = _("年度应为 2000–2100 之间的四位数字")
        if kind == Assessment.Kind.PROJECT and not project_name:
            errors["project_name"] = _("项目支出绩效自评表须填写项目名称")
        elif len(project_name) > PROJECT_NAME_MAX:
            errors["project_name"] = _("项目名称不能超过 %(max)d 个字（现有 %(n)d 个）") % {
                "max": PROJECT_NAME_MAX, "n": len(project_name)}
        if not errors:
            assessment = services.assessment_create(user=request.user, kind=kind, department=department,
                                                    year=int(year), project_name=project_name)
            return redirect("assessment_edit", pk=assessment.pk)
    return render(request, "assessments/new.html", {
        "departments": departments, "kinds": Assessment.Kind.choices, "errors": errors, "post": request.POST,
        "default_year": request.POST.get("year") or str(datetime.date.today().year),
    })


@login_required
def assessment_edit(request, pk):
    """Continue where the user left off (the step saved last), or start at the first step."""
    assessment = _editable(request, pk)
    keys = [s.key for s in wizard.steps_for(assessment)]
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
    issues = entry.one_message_per_problem(data.errors if data else [],
                                           list(evaluation.errors) + list(evaluation.problems))
    return raw, document, evaluation, issues


def _row_view(step, raw, evaluation, issues, assessment=None, scheme=None):
    rows = []
    for i, values in enumerate(raw.get("rows", [])):
        prefix = f"{step.rows}[{i}]"
        row_issues = {}
        for issue in issues:
            if issue.path == prefix or issue.path.startswith(prefix + "."):
                column = issue.path[len(prefix) + 1:] or "_row"
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
        hidden = entry.hidden_cells(assessment, step, values, result, scheme) if assessment is not None else set()
        anchor = labels.anchor(prefix)
        for cell in cells:
            cell["hidden"] = cell["col"].name in hidden
            cell["id"] = f"{anchor}-{cell['col'].name}"
        rows.append({"index": i, "number": i + 1, "anchor": anchor, "path": prefix, "cells": cells,
                     "issues": row_issues.get("_row", []), "result": result, "budget": budget, "hidden": sorted(hidden),
                     "reason_missing": bool(row_issues.get("reason")) and bool(result and result.reason_required)})
    return rows


def _figures(evaluation):
    fmt = rules.format2
    return {
        "execution_rate": "—" if evaluation.execution_rate is None else f"{fmt(evaluation.execution_rate)}%",
        "execution_score": fmt(evaluation.execution_score) or "—",
        "total": fmt(evaluation.shown_total) or "—",
        "grade": evaluation.grade or "—",
        "problems": len(evaluation.problems) + len(evaluation.errors),
    }


@drafts.login_required_keeping_post  # a save posted after the session expired is kept (drafts.py)
def assessment_step(request, pk, step):
    assessment = _editable(request, pk)
    steps = wizard.steps_for(assessment)
    current = wizard.step_by_key(assessment, step)
    if current is None:
        raise Http404
    if request.method == "POST":
        if not access.for_form(request.user, assessment).can_edit():
            # Submitted or approved since the page was loaded: say so, and show what was typed.
            messages.error(request, _("此表已提交或已审核，不能修改；您刚才填写的内容仍显示在下面，未保存。"))
            if current.key == "preview":
                return redirect("assessment_detail", pk=pk)
            return _render_step(request, selectors.assessment_queryset().get(pk=pk), steps, current,
                                post=request.POST, status=409)
        action = request.POST.get("action", "next")
        if current.key != "preview":
            data = wizard.read_step(current, request.POST)
            version = request.POST.get("version", "")
            try:
                services.assessment_save_step(assessment=assessment, user=request.user, step=current, data=data,
                                              expected_version=int_param(version, low=0))
            except services.ConcurrentEdit as conflict:
                # Nothing is overwritten: show what the other person changed, keep what this user typed.
                return _render_step(request, selectors.assessment_queryset().get(pk=pk), steps, current,
                                    post=request.POST, conflict=conflict)
            except AppError as refusal:
                # E.g. the form was submitted between loading and saving: say so, keep what was typed.
                messages.error(request, str(refusal))
                return _render_step(request, selectors.assessment_queryset().get(pk=pk), steps, current,
                                    post=request.POST, status=409)
            if data.errors:
                messages.error(request, _("已保存，但有内容未通过校验，请按提示修改。"))
                return redirect("assessment_step", pk=pk, step=current.key)
        keys = [s.key for s in steps]
        index = keys.index(current.key)
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
        if action == "prev":
            target = keys[max(0, index - 1)]
        elif action.startswith("goto:") and action[5:] in keys:
            target = action[5:]
        elif action == "stay":
            target = current.key
        else:
            target = keys[min(len(keys) - 1, index + 1)]
        if target != current.key:
            services.assessment_go_to_step(assessment=assessment, user=request.user, step=target)
        return redirect("assessment_step", pk=pk, step=target)

    kept = drafts.take_conflict(request, pk, current.key)
    if kept is not None:  # posted while signed out, then someone else saved: show both, overwrite nothing
        return _render_step(request, selectors.assessment_queryset().get(pk=pk), steps, current,
                            post=kept[0], conflict=kept[1])
    # Loaded just above with its rows (_editable): loading it again would cost six more queries.
    return _render_step(request, assessment, steps, current)


def _render_step(request, assessment, steps, current, post=None, conflict=None, status=None):
    raw, document, evaluation, issues = _state(assessment, current, post=post)
    scheme = assessment.rules_scheme()
    all_comments = entry.comment_list(assessment, steps, assessment.comments.select_related("author"))
    comments = [c for c in all_comments if c["step"] in (None, current.key)]
    if current.is_rows and not raw.get("rows") and current.rows == "report":
        raw = {"rows": [{"title": t, "text": ""} for t in wizard.report_outline(scheme)]}
    columns = entry.shown_columns(assessment, current, raw.get("rows", []), scheme) if current.is_rows else []
    template_hidden = entry.hidden_cells(assessment, current, {}, None, scheme) if current.is_rows else set()
    rows = _row_view(current, raw, evaluation, issues, assessment, scheme) if current.is_rows else []
    for row in rows:
        row["cells"] = [c for c in row["cells"] if c["col"] in columns]
        row["comments"] = [c for c in comments if c["comment"].path == row["path"] and c["open"]]
        if current.rows == "report":
            row["words"] = wizard.word_count(raw["rows"][row["index"]].get("text", ""))
        for c in row["comments"]:
            c["beside_row"] = True
    if conflict is not None:
        for change in conflict.changes:
            change["where"] = labels.describe(change["path"], kind=assessment.kind, steps=steps)
            for key in ("before", "after"):
                if change[key] is not None:
                    change[key] = labels.display_value(change["path"], change[key])
    is_scored = entry.scored(assessment, scheme)
    field_issues = {}
    for issue in issues if not current.is_rows else []:
        field_issues.setdefault(issue.path, issue.message)
    return render(request, "assessments/wizard.html", {
        "assessment": assessment, "steps": steps, "step": current, "raw": raw, "columns": columns,
        "template_hidden": template_hidden, "rows": rows,
        "colspan": 2 + len(columns) + (1 if current.rows == "budget" and not assessment.kind == rules.KIND_TARGETS else 0) + (
            (1 + is_scored + (assessment.kind != rules.KIND_TARGETS)) if current.rows == "indicators" else 0),
        "field_issues": field_issues,
        "fields": [{"col": col, "value": raw.get(col.name, ""),
                    "issue": field_issues.get(col.name) or field_issues.get(f"analysis.{col.name}")}
                   for col in current.fields],
        "figures": _figures(evaluation), "evaluation": evaluation,
        "problems": entry.problem_list(assessment, steps, issues),
        "library": wizard_library(assessment.kind) if current.rows == "indicators" else [],
        "conflict": conflict, "comments": comments, "all_comments": all_comments,
        "open_comments": [c for c in all_comments if c["open"]],
        "unanswered_comments": [c for c in all_comments if c["unanswered"]],
        "comment_badges": entry.open_comments_by_step(all_comments),
        "scored": is_scored, "is_targets": assessment.kind == rules.KIND_TARGETS,
        "totals": _totals(current, evaluation, scored=is_scored),
    }, status=status or (409 if conflict else 200))


def _totals(step, evaluation, *, scored):
    """Return the 合计 row of the indicator table as the official table prints it (from rules.py)."""
    if step.rows != "indicators" or not scored:
        return None
    return {"weight": rules.format_decimal(evaluation.indicator_weight_total) or "",
            "score": rules.format2(evaluation.indicator_score_total) or ""}


def wizard_library(kind=None):
    from assessments import library

    return library.indicators_for(kind)


@login_required
@require_POST
def assessment_live(request, pk, step):
    """Return the figures of the form as it stands in the browser, unsaved (RULES via rules.py)."""
    assessment = _editable(request, pk)
    current = wizard.step_by_key(assessment, step)
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
                out["words"] = wizard.word_count(raw["rows"][row["index"]].get("text", ""))
            if result is not None:
                target = result.target
                out.update({
                    "parsed": "" if target is None else (target.comparator if target.is_qualitative
                                                          else f"{target.comparator}{rules.format_decimal(target.value)}{target.unit}"),
                    "score": rules.format2(result.score) or "", "deviation": result.deviation,
                    "reason_required": result.reason_required,
                })
            if budget is not None:
                out.update({"rate": "—" if budget.rate is None else f"{rules.format2(budget.rate)}%",
                            "adjusted": rules.format_decimal(budget.adjusted) or ""})
            rows.append(out)
    return JsonResponse({
        "figures": _figures(evaluation), "rows": rows,
        "totals": _totals(current, evaluation, scored=entry.scored(assessment, scheme)),
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
    from django.db import OperationalError
    from django.utils import timezone

    if not request.user.is_authenticated:
        return JsonResponse({"saved": False, "reason": "login", "login": reverse("login"),
                             "message": _("登录已过期")}, status=401)
    assessment = _editable(request, pk)
    current = wizard.step_by_key(assessment, step)
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
    except services.ConcurrentEdit as conflict:
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


@login_required
def signed_in_again(request):
    """Where signing in from an autosaving page's 登录已过期 notice lands (in its own tab)."""
    return render(request, "assessments/signed_in_again.html")


REUSE_ACTIONS = {
    "copy_previous_year": services.assessment_copy_previous_year,
    "copy_targets": services.assessment_copy_targets,
    "fill_from_base_data": services.assessment_fill_from_base_data,
}


@login_required
@require_POST
def assessment_reuse(request, pk, action):
    """Copy last year's indicators, the approved targets, or base-data figures into the form."""
    assessment = _editable(request, pk)
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


IMPORT_SALT = "excel-import-indicators"
IMPORT_MAX_AGE = 24 * 3600  # a preview left open overnight must be uploaded again


@login_required
def indicators_import(request, pk):
    """Excel → preview → confirm. Nothing is written until a clean preview is confirmed.

    The previewed rows travel in a signed hidden field (the server keeps no state between the two
    requests), and are checked again on confirmation, against the version they were read for.
    """
    from django.core import signing

    from assessments import excel_import

    assessment = _editable(request, pk)
    if not access.for_form(request.user, assessment).can_edit() or wizard.step_by_key(assessment, "indicators") is None:
        messages.error(request, _("此表已提交或已审核，不能导入。"))
        return redirect("assessment_detail", pk=pk)
    context = {"assessment": assessment, "limit_mb": settings.EXCEL_IMPORT_MAX_BYTES / 2**20,
               "mode": request.POST.get("mode", "replace")}
    if request.method == "POST" and "token" in request.POST:
        try:
            payload = signing.loads(request.POST["token"], salt=f"{IMPORT_SALT}:{assessment.pk}",
                                    max_age=IMPORT_MAX_AGE)
            services.assessment_import_indicators(
                assessment=assessment, user=request.user, raw_rows=payload["rows"], mode=payload["mode"],
                expected_version=payload["version"], source=payload["file"])
        except signing.BadSignature:
            messages.error(request, _("预览已过期或被改动，请重新上传文件。"))
        except services.ConcurrentEdit as conflict:
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
        # Refuse an oversized body before Django spools it to disk.
        length = int_param(request.META.get("CONTENT_LENGTH"), low=0) or 0
        upload = None
        if length > settings.EXCEL_IMPORT_MAX_BYTES + 65536:
            context["refused"] = _("文件过大：上限为 %(limit).1f MB。") % {"limit": context["limit_mb"]}
        else:
            upload = request.FILES.get("file")
            if upload is None:
                context["refused"] = _("请选择要导入的 Excel 文件（.xlsx）。")
        if upload is not None:
            try:
                preview = excel_import.read_indicator_workbook(upload, assessment=assessment)
            except excel_import.WorkbookRefused as exc:
                context["refused"] = str(exc)
            else:
                context["preview"] = preview
                step = wizard.step_by_key(assessment, "indicators")
                shown = [c for c in step.columns if c.name in preview.columns]
                context["shown_columns"] = shown
                context["rows"] = [
                    {"sheet_row": n, "cells": [labels.display_value(c.name, raw.get(c.name, "")) for c in shown],
                     "result": preview.scores[i] if i < len(preview.scores) else None,
                     "issues": preview.issues_at(n)}
                    for i, (n, raw) in enumerate(zip(preview.sheet_rows, preview.raw_rows))]
                context["general_issues"] = [i for i in preview.issues if i.sheet_row not in preview.sheet_rows]
                context["file_name"] = upload.name
                if preview.is_clean:
                    mode = context["mode"] if context["mode"] in ("replace", "append") else "replace"
                    context["token"] = signing.dumps(
                        {"rows": preview.raw_rows, "mode": mode, "version": assessment.version,
                         "file": upload.name[:100]},
                        salt=f"{IMPORT_SALT}:{assessment.pk}", compress=True)
        status = 400 if "refused" in context else 200
    else:
        status = 200
    context["columns"] = wizard.step_by_key(assessment, "indicators").columns
    context["existing"] = assessment.indicators.count()
    return render(request, "assessments/import.html", context, status=status)


@login_required
def indicators_import_template(request, pk):
    from assessments import excel_import

    assessment = _editable(request, pk)
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
    fields = [DepartmentBaseData._meta.get_field(name) for name in DepartmentBaseData.FIELDS]
    errors, raw = {}, {}
    if request.method == "POST":
        if not can_edit:
            raise Http404
        values = {}
        for f in fields:
            text = request.POST.get(f.name, "").strip()
            raw[f.name] = text
            if not text:
                values[f.name] = None
                continue
            integer = f.get_internal_type() == "PositiveIntegerField"
            try:
                value = rules.parse_decimal(text, max_places=0 if integer else 6, allow_negative=False)
                if integer and value >= 10**9:
                    raise rules.NumberError(_("过大"))
                interchange.check_magnitude(value, 6)
            except rules.NumberError as exc:
                errors[f.name] = f"{f.verbose_name}{exc}"
                continue
            values[f.name] = int(value) if f.get_internal_type() == "PositiveIntegerField" else value
        if not errors:
            try:
                services.base_data_upsert(department=department, values=values, user=request.user,
                                          fiscal_year=fiscal_year or services.fiscal_year_get_or_create(year=year))
            except AppError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("基础数据已保存。"))
                return redirect("base_data_edit", department_pk=department.pk, year=year)
    elif base is not None:
        raw = {f.name: wizard.as_text(getattr(base, f.name)) for f in fields}
    derived = rules.department_indicators(base.as_rules()) if base is not None else []
    return render(request, "assessments/base_data.html", {
        "department": department, "year": year, "fields": [(f, raw.get(f.name, ""), errors.get(f.name)) for f in fields],
        "derived": derived, "can_edit": can_edit,
    })


# ---------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------
@login_required
@require_POST
def assessment_review(request, pk, action):
    assessment = _scoped(request, pk)
    try:
        if action == "approve":
            services.assessment_approve(assessment=assessment, user=request.user,
                                        comment=wizard.clean_text(request.POST.get("comment", "")))
            messages.success(request, _("已审核通过。"))
        elif action == "return":
            rows = [(wizard.clean_text(key[len("comment:"):]), wizard.clean_text(value))
                    for key, value in request.POST.items() if key.startswith("comment:")]
            services.assessment_return(assessment=assessment, user=request.user,
                                       comment=wizard.clean_text(request.POST.get("comment", "")), row_comments=rows)
            messages.success(request, _("已退回修改。"))
        elif action == "reopen":
            services.assessment_reopen(assessment=assessment, user=request.user,
                                       reason=wizard.clean_text(request.POST.get("reason", "")))
            messages.success(request, _("已重新打开，开始新的修订。"))
        else:
            raise Http404
    except AppError as exc:
        messages.error(request, str(exc))
    return redirect("assessment_detail", pk=pk)


@login_required
@require_POST
def comment_reply(request, pk, comment_pk):
    assessment = _editable(request, pk)
    comment = get_object_or_404(assessment.comments, pk=comment_pk)
    try:
        services.comment_reply(comment=comment, user=request.user,
                               text=wizard.clean_text(request.POST.get("reply", "")))
    except AppError as exc:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"error": str(exc)}, status=409)
        messages.error(request, str(exc))
    if request.headers.get("X-Requested-With") == "fetch":
        # Answered in place: the filer stays on the page with whatever they were typing.
        comment.refresh_from_db()
        return JsonResponse({"reply": comment.reply})
    return redirect(request.META.get("HTTP_REFERER") or reverse_lazy("assessment_edit", kwargs={"pk": pk}))


@login_required
@require_POST
def comment_resolve(request, pk, comment_pk):
    assessment = _scoped(request, pk)
    comment = get_object_or_404(assessment.comments, pk=comment_pk)
    try:
        services.comment_resolve(comment=comment, user=request.user)
    except AppError as exc:
        messages.error(request, str(exc))
    return redirect("assessment_detail", pk=pk)


@login_required
def review_desk(request):
    """Everything in the reviewer's scope: what waits for me, counts, grades and warning lights."""
    qs = selectors.assessment_list_for(user=request.user)
    filters = {k: request.GET.get(k, "") for k in ("year", "status", "department", "kind")}
    if year_param(filters["year"]):
        qs = qs.filter(fiscal_year__year=year_param(filters["year"]))
    else:
        filters["year"] = ""
    if filters["status"] in Assessment.Status.values:
        qs = qs.filter(status=filters["status"])
    if int_param(filters["department"]):
        qs = qs.filter(department_id=int_param(filters["department"]))
    else:
        filters["department"] = ""
    if filters["kind"] in Assessment.Kind.values:
        qs = qs.filter(kind=filters["kind"])
    # Counts and distributions come from the database; only one page of rows is loaded, so a
    # province-wide desk (10,000 forms) costs the same queries and memory as a small one.
    counts_by_status = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {label: counts_by_status.get(value, 0) for value, label in Assessment.Status.choices}
    waiting_count, waiting = selectors.waiting_for_review(user=request.user, assessments=qs, limit=WAITING_SHOWN)
    # Most recently changed first: what a reviewer looks for, and an index scan (see Assessment.Meta).
    page = Paginator(qs.select_related("scheme").order_by("-updated_at", "-id"), DESK_PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = {k: v for k, v in filters.items() if v}
    return render(request, "assessments/desk.html", {
        "assessments": page.object_list, "page": page, "query": urlencode(query),
        "waiting": waiting, "waiting_count": waiting_count, "counts": counts, "filters": filters,
        **_desk_charts(qs),
        "departments": selectors.departments_visible_to(user=request.user).order_by("name"),
        "statuses": Assessment.Status.choices, "kinds": Assessment.Kind.choices,
        "years": list(FiscalYear.objects.order_by("-year").values_list("year", flat=True)),
    })


DESK_PAGE_SIZE = 50
WAITING_SHOWN = 100
DESK_DEPARTMENTS_CHARTED = 20


def _desk_charts(qs):
    """The desk's two charts as data (and the tables that say the same in text), in two queries.

    Grades are counted per scoring scheme, on that scheme's own scale (优秀/良好/一般 at 85/75/60
    is not 优/良/中 at 90/80/60), and only for forms with a budget: a draft whose 预算资金 is
    still empty has no meaningful total. Execution is shown per department as how many forms are
    at or above their scheme's threshold, below it, or without a budget, with the lowest rate.
    """
    from decimal import Decimal

    from django.db.models import F, Min

    # The scheme's name and scale come in the same grouped query (no second query for the schemes).
    counted = (qs.filter(execution_rate__isnull=False).exclude(grade="").order_by()
               .values_list("scheme__key", "scheme__name", "scheme__grade_scale", "grade").annotate(n=Count("pk")))
    by_scheme, schemes = {}, {}
    for key, name, scale, grade, n in counted:
        by_scheme.setdefault(key, {})[grade] = n
        schemes[key] = (name, scale)
    grade_groups = []
    for key, (name, scale) in sorted(schemes.items(), key=lambda item: item[1][0]):
        counts = by_scheme[key]
        scale = [(str(threshold), label) for threshold, label in (scale or [])]
        bands, upper = [], None
        for threshold, label in scale:
            low = rules.format_decimal(Decimal(threshold))
            band = f"≥ {low}" if upper is None else f"{low}–{upper}"
            if Decimal(threshold) <= 0:
                band = f"< {upper}" if upper is not None else ""
            bands.append({"grade": label, "band": band, "n": counts.pop(label, 0)})
            upper = low
        # A grade the current scale no longer has (approved under an earlier scale) is still counted.
        bands += [{"grade": label, "band": "", "n": n} for label, n in sorted(counts.items())]
        grade_groups.append({"scheme": name, "key": key, "bands": bands,
                             "total": sum(b["n"] for b in bands)})
    threshold = F("scheme__execution_threshold")
    per_department = list(
        qs.order_by().values("department__name")
        .annotate(ok=Count("pk", filter=Q(execution_rate__gte=threshold)),
                  low=Count("pk", filter=Q(execution_rate__lt=threshold)),
                  none=Count("pk", filter=Q(execution_rate__isnull=True)),
                  lowest=Min("execution_rate"))
        .order_by("-low", "lowest", "department__name")[:DESK_DEPARTMENTS_CHARTED + 1])
    shown = per_department[:DESK_DEPARTMENTS_CHARTED]
    chart = {
        "grades": [{"title": g["scheme"], "labels": [f"{b['grade']}（{b['band']}）" if b["band"] else b["grade"]
                                                     for b in g["bands"]],
                    "counts": [b["n"] for b in g["bands"]]} for g in grade_groups],
        "execution": {"departments": [d["department__name"] for d in shown],
                      "ok": [d["ok"] for d in shown], "low": [d["low"] for d in shown],
                      "none": [d["none"] for d in shown]},
    }
    return {"grade_groups": grade_groups, "execution_rows": shown,
            "execution_more": len(per_department) > DESK_DEPARTMENTS_CHARTED, "chart_data": chart}


@login_required
def notifications(request):
    """What needs this user: returned or approved forms of their departments, forms waiting for them."""
    visible = selectors.assessment_list_for(user=request.user)
    fillable = selectors.departments_fillable_by(user=request.user)
    events = (AssessmentEvent.objects.filter(assessment__in=visible)
              .filter(Q(type__in=[AssessmentEvent.Type.RETURNED, AssessmentEvent.Type.APPROVED],
                        assessment__department__in=fillable)
                      | Q(type=AssessmentEvent.Type.SUBMITTED))
              .select_related("assessment__fiscal_year", "assessment__department", "assessment__project", "user")
              .order_by("-created_at")[:50])
    return render(request, "assessments/notifications.html", {"events": events})


@login_required
def assessment_revision(request, pk, event_pk):
    """Show an approved revision as it was approved, read-only, from the timeline's snapshot."""
    from assessments import interchange

    assessment = _scoped(request, pk)
    event = get_object_or_404(assessment.events, pk=event_pk, type=AssessmentEvent.Type.APPROVED)
    if "snapshot" not in event.data:
        raise Http404
    document, errors = interchange.parse_document(event.data["snapshot"], schemes=selectors.scheme_map())
    if document is None:
        raise Http404
    schemes = selectors.scheme_map()
    if "scheme" in event.data:  # the scheme as it was when this revision was approved
        from assessments import schemes as shipped_schemes

        schemes[document.scheme] = shipped_schemes.to_rules(event.data["scheme"])
    evaluation = rules.evaluate(document.form(), schemes[document.scheme])
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "document": document, "evaluation": evaluation, "revision": event,
        "budget_rows": list(zip(document.budget, evaluation.budget)),
        "events": [], "comments": [], "changes": [],
        **_detail_sections(request, assessment, document, evaluation, access.for_form(request.user, assessment),
                           with_attachments=False),
    })


# ---------------------------------------------------------------------------------------------
# Batch export: request, progress, download
# ---------------------------------------------------------------------------------------------
@login_required
def batch_exports(request):
    """Ask for a year's approved forms as one PDF or a ZIP; list this user's exports."""
    from assessments.models import BatchExport, FiscalYear

    departments = selectors.departments_visible_to(user=request.user).order_by("name")
    years = list(FiscalYear.objects.filter(
        assessments__status=Assessment.Status.APPROVED, assessments__department__in=departments,
    ).values_list("year", flat=True).distinct().order_by("-year"))
    error = ""
    if request.method == "POST":
        year = request.POST.get("year", "")
        department = None
        if request.POST.get("department"):
            department = get_object_or_404(departments, pk=int_param(request.POST["department"]) or 0)
        try:
            export = services.batch_export_request(
                user=request.user, year=year_param(year) or 0, department=department,
                fmt=request.POST.get("format", BatchExport.Format.PDF))
        except AppError as exc:
            error = str(exc)
        else:
            return redirect("batch_export_detail", pk=export.pk)
    return render(request, "assessments/exports.html", {
        "years": years, "departments": departments, "formats": BatchExport.Format.choices, "error": error,
        "exports": selectors.batch_exports_for(user=request.user)[:20],
    }, status=400 if error else 200)


def _own_export(request, pk):
    return get_object_or_404(selectors.batch_exports_for(user=request.user), pk=pk)


@login_required
def batch_export_detail(request, pk):
    return render(request, "assessments/export_detail.html", {"export": _own_export(request, pk)})


@login_required
def batch_export_status(request, pk):
    export = _own_export(request, pk)
    return JsonResponse({
        "status": export.status, "status_label": export.get_status_display(), "done": export.done,
        "total": export.total, "percent": export.percent, "error": export.error,
        "download": reverse("batch_export_download", args=[export.pk]) if export.status == "done" else "",
    })


@login_required
def batch_export_download(request, pk):
    from django.http import FileResponse

    export = _own_export(request, pk)
    if export.status != export.Status.DONE or not export.file:
        raise Http404
    # Streamed from disk in blocks: a 200 MB year never sits in the web process's memory.
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=Path(export.file.name).name)


# ---------------------------------------------------------------------------------------------
# 佐证材料 (attachments)
# ---------------------------------------------------------------------------------------------
def _attachable(request, pk):
    """Return a form the user may attach files to (a 填报人 of its department); anything else is 404.

    Whether the form is still open is the service's question (a locked form gets a message).
    """
    assessment = _scoped(request, pk)
    if not access.for_form(request.user, assessment).is_filler():
        raise Http404
    return assessment


@login_required
@require_POST
def attachment_upload(request, pk):
    from assessments import attachments

    assessment = _attachable(request, pk)
    anchor = "#attachments"
    # Refuse an oversized body before Django spools it to disk.
    if (int_param(request.META.get("CONTENT_LENGTH"), low=0) or 0) > settings.ATTACHMENT_MAX_BYTES + 65536:
        messages.error(request, _("文件过大：上限为 %(limit).1f MB。") % {"limit": attachments.limit_mb()})
        return redirect(reverse("assessment_detail", args=[pk]) + anchor)
    upload = request.FILES.get("file")
    row_text = request.POST.get("row", "")
    row = int_param(row_text, low=0)
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            item = services.attachment_add(assessment=assessment, user=request.user, upload=upload, row=row)
        except AppError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": item.original_name})
    return redirect(reverse("assessment_detail", args=[pk]) + anchor)


@login_required
def attachment_download(request, pk, attachment_pk):
    from django.http import FileResponse

    assessment = _scoped(request, pk)
    item = get_object_or_404(assessment.attachments, pk=attachment_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    assessment = _attachable(request, pk)
    item = get_object_or_404(assessment.attachments, pk=attachment_pk)
    try:
        services.attachment_delete(attachment=item, user=request.user)
    except AppError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除“%(name)s”。") % {"name": item.original_name})
    return redirect(reverse("assessment_detail", args=[pk]) + "#attachments")
