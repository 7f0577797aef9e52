"""Pages of the review: the desk, review actions, comments and attachments.

Every form comes through the user's scope (``selectors.assessment_visible_or_404``), so a foreign id is
a 404; what a user may do is ``core.access``'s answer.
"""
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.template.defaultfilters import filesizeformat
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.core import access, labels, selectors, versions
from assessments.core import decorators
from assessments.domain import rules
from assessments.core.errors import AppError
from assessments.core.params import int_param, year_param
from assessments.review import forms, services
from assessments.review import selectors as review_selectors
from assessments.domain import typed
from assessments.models import (
    Assessment,
    FiscalYear,
)


@login_required
@require_POST
def assessment_review(request, pk, action):
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    # A refusal (out of turn, a comment missing) is shown on the form's page by web.middleware.
    if action == "approve":
        form = forms.ReviewForm(request.POST)
        form.is_valid()  # text only: whether a comment is required is the service's rule
        services.assessment_approve(assessment=assessment, user=request.user, comment=form.cleaned_data["comment"])
        messages.success(request, _("已审核通过。"))
    elif action == "return":
        form = forms.ReviewForm(request.POST)
        form.is_valid()
        services.assessment_return(assessment=assessment, user=request.user, comment=form.cleaned_data["comment"],
                                   row_comments=form.row_comments())
        messages.success(request, _("已退回修改。"))
    elif action == "reopen":
        form = forms.ReopenForm(request.POST)
        form.is_valid()
        services.assessment_reopen(assessment=assessment, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("已重新打开，开始新的修订。"))
    else:
        raise Http404
    return redirect("assessment_detail", pk=pk)


@decorators.login_required_answering_scripts  # a reply sent in place after the session expired keeps its text
@require_POST
def comment_reply(request, pk, comment_pk):
    assessment = selectors.assessment_fillable_or_404(user=request.user, pk=pk)
    comment = get_object_or_404(assessment.comments, pk=comment_pk)
    # A refusal (the form is no longer open) reaches web.middleware: 409 JSON to the script, else a message.
    services.comment_reply(comment=comment, user=request.user, text=typed.clean_text(request.POST.get("reply", "")))
    if request.headers.get("X-Requested-With") == "fetch":
        # Answered in place: the filer stays on the page with whatever they were typing.
        comment.refresh_from_db()
        return JsonResponse({"reply": comment.reply})
    return redirect(request.META.get("HTTP_REFERER") or reverse_lazy("assessment_edit", kwargs={"pk": pk}))


@login_required
@require_POST
def comment_resolve(request, pk, comment_pk):
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    comment = get_object_or_404(assessment.comments, pk=comment_pk)
    services.comment_resolve(comment=comment, user=request.user)  # a refusal: web.middleware
    return redirect("assessment_detail", pk=pk)


@login_required
def review_desk(request):
    """Everything in the reviewer's scope: what waits for me, counts, grades and warning lights."""
    qs = review_selectors.desk_forms(user=request.user)
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
    # province-wide desk (10,000 forms) costs the same queries and memory as a small one. The
    # counts, the waiting count, the page total and both charts are one aggregate (review/selectors.py),
    # kept rendered with the filter's department options (a change of scope or of a department
    # moves the version too).
    key = "desk:%s:%s" % (request.user.pk, urlencode(sorted(filters.items())))
    version = _desk_version()
    kept = cache.get(key)
    figures = kept[1] if kept is not None and kept[0] == version else None
    changed = figures is None
    if changed:
        # The scope's 300 departments (a finance bureau): plain rows, not model instances.
        departments = list(selectors.departments_visible_to(user=request.user).order_by("name").values("pk", "name"))
        figures = _desk_figures(request.user, qs, departments)
        # 300 options, written here: a template loop over them cost more than the rest of the page.
        figures["department_options"] = format_html_join("", '<option value="{}"{}>{}</option>', (
            (d["pk"], SELECTED if str(d["pk"]) == filters["department"] else "", d["name"]) for d in departments))
    # Most recently changed first: what a reviewer looks for, and an index scan (see Assessment.Meta).
    paginator = Paginator(review_selectors.listed(qs).order_by("-updated_at", "-id"), DESK_PAGE_SIZE)
    paginator.count = figures["total"]  # known from the aggregate: no second count of the scope
    page = paginator.get_page(request.GET.get("page"))
    query = {k: v for k, v in filters.items() if v}
    # The first page's rows are kept rendered in the same entry, under the same version (every
    # write of a form moves the version, so a kept page shows what a fresh one would): counted and
    # rendered together after a write, they cost one write of the cache.
    rows = figures["pages"].get(page.number)
    if rows is None:
        rows = render_to_string("assessments/_desk_rows.html", {
            "assessments": labels.with_choice_labels(page.object_list, "kind", "status"), "page": page,
            "query": urlencode(query)})
        if page.number <= DESK_PAGES_KEPT:
            figures["pages"][page.number] = rows
            changed = True
    if changed:  # one write of the cache for the figures and the page
        cache.set(key, (version, figures), DESK_KEPT_SECONDS)
    return render(request, "assessments/desk.html", {
        "figures_html": figures["html"], "rows_html": rows, "filters": filters, "page": page,
        "department_options": figures["department_options"],
        "statuses": Assessment.Status.choices, "kinds": Assessment.Kind.choices,
        "years": list(FiscalYear.objects.order_by("-year").values_list("year", flat=True)),
    })


def _desk_version():
    """Return what the desk's kept figures and pages are valid for (see _desk_figures)."""
    latest = Assessment.objects.order_by("-updated_at", "-id").values_list("updated_at", flat=True).first()
    return (versions.ATTENTION.current(), latest)


def _desk_figures(user, qs, departments):
    """Count the desk's figures, waiting list and charts in one scan of the scope (10,000 forms for
    a finance bureau) and render them; the view keeps them in the cache per user and filter, with
    the first pages' rows, while no form is written and no status or scope changes.

    Every write of a form moves its ``updated_at`` (the newest is one read of the index the desk
    lists by); changes of status and scope bump ``versions.ATTENTION`` when committed. Two saves
    committing out of the order of their timestamps could hide the earlier one from the newest
    ``updated_at``: the entry is kept DESK_KEPT_SECONDS at most, so a chart is never staler than that.
    Writes cost nothing more: nothing is bumped on a save.
    """
    summary = review_selectors.desk_summary(user=user, assessments=qs, limit=WAITING_SHOWN)
    counts = {label: summary.counts.get(value, 0) for value, label in Assessment.Status.choices}
    # Rendered here, once per count, and kept as HTML: 100 waiting forms and the charts' tables cost
    # more to render than the rest of the page.
    html = render_to_string("assessments/_desk_figures.html", {
        "counts": counts, "waiting": summary.waiting, "waiting_count": summary.waiting_count,
        **_desk_charts(summary, departments)})
    return {"total": summary.total, "html": html, "pages": {}}


DESK_KEPT_SECONDS = 60

SELECTED = mark_safe(" selected")


DESK_PAGE_SIZE = 50

DESK_PAGES_KEPT = 1  # a later page: rendered at each visit (keeping it costs a write of the cache)


WAITING_SHOWN = 100


DESK_DEPARTMENTS_CHARTED = 20


def _desk_charts(summary, departments):
    """The desk's two charts as data (and the tables that say the same in text).

    The grade counts by scheme and the execution by department are counted with the desk's other
    figures in one scan (review/selectors.py desk_summary); ``departments`` (pk, name), ordered by
    name, are the scope's.

    Grades are counted per scoring scheme, on that scheme's own scale (优秀/良好/一般 at 85/75/60
    is not 优/良/中 at 90/80/60), and only for forms with a budget: a draft whose 预算资金 is
    still empty has no meaningful total. Execution is shown per department as how many forms are
    at or above their scheme's threshold, below it, or without a budget, with the lowest rate.
    """
    by_scheme, schemes = {}, {}
    for key, name, scale, grade, n in summary.graded:
        by_scheme.setdefault(key, {})[grade] = n
        schemes[key] = (name, scale)
    grade_groups = []
    for key, (name, scale) in sorted(schemes.items(), key=lambda item: item[1][0]):
        counts = by_scheme[key]
        bands = [{"grade": label, "band": band, "n": counts.pop(label, 0)}
                 for label, band in rules.grade_bands([(Decimal(str(t)), label) for t, label in (scale or [])])]
        # A grade the current scale no longer has (approved under an earlier scale) is still counted.
        bands += [{"grade": label, "band": "", "n": n} for label, n in sorted(counts.items())]
        grade_groups.append({"scheme": name, "key": key, "bands": bands,
                             "total": sum(b["n"] for b in bands)})
    # Most forms below their threshold first, then the lowest rate (no rate last), then by name in
    # the database's order (the order of ``departments``, the filter's options).
    rank = {d["pk"]: i for i, d in enumerate(departments)}
    names = {d["pk"]: d["name"] for d in departments}
    ordered = sorted(summary.departments.items(),
                     key=lambda item: (-item[1][1], item[1][3] is None, item[1][3] or 0, rank.get(item[0], 0)))
    per_department = [{"department__name": names.get(pk, ""), "ok": ok, "low": low, "none": none, "lowest": lowest}
                      for pk, (ok, low, none, lowest) in ordered[:DESK_DEPARTMENTS_CHARTED + 1]]
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


def _attachable(request, pk):
    """Return a form the user may attach files to (a 填报人 of its department); anything else is 404.

    Whether the form is still open is the service's question (a locked form gets a message).
    """
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    if not access.for_form(request.user, assessment).is_filler():
        raise Http404
    return assessment


@login_required
@require_POST
def attachment_upload(request, pk):
    assessment = _attachable(request, pk)
    anchor = "#attachments"
    # Refuse an oversized body before Django spools it to disk.
    if (int_param(request.META.get("CONTENT_LENGTH"), low=0) or 0) > settings.ATTACHMENT_MAX_BYTES + 65536:
        messages.error(request, _("文件过大：上限为 %(limit)s。") % {"limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)})
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
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
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
