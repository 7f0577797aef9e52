"""Pages of the review: the desk, review actions, comments and attachments.

Every form comes through the user's scope (``selectors.assessment_visible_or_404``), so a foreign id is
a 404; what a user may do is ``core.access``'s answer.
"""
import hashlib
import pickle
import time
import zlib
from datetime import datetime, timedelta, timezone as dt_timezone
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
from assessments.review.selectors import GRADED, STATUSES
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
    filters = {k: request.GET.get(k, "") for k in ("year", "status", "department", "kind")}
    filters["year"] = filters["year"] if year_param(filters["year"]) else ""
    filters["status"] = filters["status"] if filters["status"] in Assessment.Status.values else ""
    filters["department"] = filters["department"] if int_param(filters["department"]) else ""
    filters["kind"] = filters["kind"] if filters["kind"] in Assessment.Kind.values else ""
    # Counts and distributions come from the database; only one page of rows is loaded, so a
    # province-wide desk (10,000 forms) costs the same queries and memory as a small one. The
    # figures are kept per user and filter, by department, and follow the forms written since
    # (_desk_entry); the entry holds them rendered, with page 1's rows and the filter's options.
    key = _desk_key(request.user.pk, filters)
    query = urlencode({k: v for k, v in filters.items() if v})
    # Read before the desk follows the writes: its figures are then at least as new as this version.
    attention = versions.ATTENTION.current()
    entry, changed = _desk_entry(request.user, filters, _kept(key))
    if not any(filters.values()):
        request.attention_counted = (attention, lambda: _desk_attention(request.user, entry))
    paginator = Paginator((), DESK_PAGE_SIZE)
    paginator.count = entry["total"]  # known from the figures: no second count of the scope
    page = paginator.get_page(request.GET.get("page"))
    if entry["rows"] is None:
        # Most recently changed first: what a reviewer looks for, and an index scan (see Assessment.Meta).
        page.object_list = review_selectors.listed(_desk_forms(request.user, filters)).order_by(
            "-updated_at", "-id")[(page.number - 1) * DESK_PAGE_SIZE:page.number * DESK_PAGE_SIZE]
    if page.number > 1:
        head, tail = _desk_table(page, query)
        rows, rendered = _desk_later_page(request.user, filters, entry, page)
        rows = mark_safe(head + "".join(rows) + tail)
        changed = changed or rendered
    else:
        if entry["rows"] is None:
            forms = list(page.object_list)
            entry["rows"] = list(zip([(a.pk, a.updated_at) for a in forms], _desk_row_html(forms)))
            changed = True
        if entry["table"] is None:
            entry["table"] = _desk_table(page, query)
            changed = True
        rows = mark_safe(entry["table"][0] + "".join(html for _form, html in entry["rows"]) + entry["table"][1])
    if changed:  # one write of the cache for the figures and the page
        _keep(key, entry)
    head, tail = entry["figures"]
    waiting = "".join(line for _form, _chained, line in entry["waiting"][:WAITING_SHOWN])
    return render(request, "assessments/desk.html", {
        "figures_html": mark_safe(head + waiting + tail),
        "rows_html": rows, "filters": filters, "page": page,
        "department_options": entry["department_options"],
        "statuses": Assessment.Status.choices, "kinds": Assessment.Kind.choices,
        "years": list(FiscalYear.objects.order_by("-year").values_list("year", flat=True)),
    })


def _desk_key(user_pk, filters):
    """The cache key of a user's desk with ``filters``, with the form of the entry (a new release's
    desk never reads an entry an earlier one kept)."""
    return "desk%d:%s:%s" % (DESK_ENTRY_FORM, user_pk, urlencode(sorted(filters.items())))


DESK_ENTRY_FORM = 3  # change it with what _desk_count keeps


def _kept(key):
    """Return the desk's entry kept under ``key``, or None."""
    kept = cache.get(key)
    try:
        return pickle.loads(zlib.decompress(kept)) if kept is not None else None
    except (zlib.error, pickle.UnpicklingError, TypeError, EOFError):  # not an entry of this code
        return None


def _keep(key, entry):
    """Keep the desk's entry, compressed: ≈ 95 KB of HTML and figures for a province, ≈ 20 KB so. The
    database cache stores it as base64 text; writing and reading the smaller one costs a third."""
    cache.set(key, zlib.compress(pickle.dumps(entry, pickle.HIGHEST_PROTOCOL), 1), DESK_KEPT_SECONDS)


def _desk_later_page(user, filters, entry, page):
    """Return the rows of a page after the first, and whether any had to be rendered.

    The page's forms are read as (id, updated_at) only; a row kept under the same pair (page 1's,
    or the last later page's) is the same HTML, so after a write, which moves each later page by a
    row or two, only the rows not kept are read and rendered (and kept for the next visit).
    """
    start = (page.number - 1) * DESK_PAGE_SIZE
    keys = list(_desk_forms(user, filters).select_related(None).order_by("-updated_at", "-id")
                .values_list("pk", "updated_at")[start:start + DESK_PAGE_SIZE])
    known = dict(entry["rows"] or ())
    known.update(entry.get("later", ()))
    missing = [pk for pk, written in keys if (pk, written) not in known]
    if missing:
        forms = list(review_selectors.listed(Assessment.objects.filter(pk__in=missing)))
        # Written again since its pair was read: shown as it is now, where the page had it.
        now = {a.pk: (a.pk, a.updated_at) for a in forms}
        known.update(zip(now.values(), _desk_row_html(forms)))
        keys = [now.get(pk, (pk, written)) for pk, written in keys]
        entry["later"] = {key: known[key] for key in keys if key in known}
    return [known[key] for key in keys if key in known], bool(missing)


def _desk_attention(user, entry):
    """Return the 通知 count (web/context_processors.py count_attention) from the desk's figures of the
    whole scope, or None when a change of scope or a deletion may be newer than them: the forms
    returned to the departments the user fills for and the forms waiting for the user."""
    if cache.get(versions.RECOUNT.key) != entry["version"]:  # not this process's copy: it may be 5 s old
        return None
    scope = access.scope_for(user)
    counts = pickle.loads(entry["counts"])
    returned = STATUSES.index(Assessment.Status.RETURNED)
    return counts["sums"]["waiting"] + sum(part[returned] for department, part in counts["parts"].items()
                                           if scope.is_admin or department in scope.fillable)


def _desk_forms(user, filters, departments=None):
    """Return the forms the desk with ``filters`` lists: the user's scope, or only ``departments`` of it."""
    if departments is None:
        qs = review_selectors.desk_forms(user=user)
    else:  # a few departments of the scope: no list of the scope's 300 in the query
        qs = Assessment.objects.select_related("fiscal_year", "department", "project", "scheme").filter(
            department_id__in=departments)
    if filters["year"]:
        qs = qs.filter(fiscal_year__year=year_param(filters["year"]))
    if filters["status"]:
        qs = qs.filter(status=filters["status"])
    if filters["department"]:
        qs = qs.filter(department_id=int_param(filters["department"]))
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    return qs


def _desk_shows(filters, a):
    """Whether the desk with ``filters`` lists form ``a`` (one of the scope's): _desk_forms in Python."""
    return ((not filters["year"] or a.fiscal_year.year == year_param(filters["year"]))
            and (not filters["status"] or a.status == filters["status"])
            and (not filters["department"] or a.department_id == int_param(filters["department"]))
            and (not filters["kind"] or a.kind == filters["kind"]))


def _desk_entry(user, filters, kept):
    """Return the desk's kept entry brought up to date, and whether it changed.

    Kept: the figures by department (review/selectors.py desk_parts) and their sums, the waiting
    forms' lines and page 1's rows, each with its form's (id, updated_at), and all of it rendered.
    Every write of a form moves its ``updated_at``, so the forms written since the entry's newest
    (``written_since``, one read of the index the desk lists by; none while nothing changed) say which
    departments to count again (≈ 33 forms each in a province), which lines and rows to render, and
    which to drop. What that cannot see — a form deleted or moved to another department, a scheme
    re-scored, a change of scope or of review chains — moves ``versions.RECOUNT``, and the scope is
    counted again from nothing.

    A rename of a project, a department or a scheme moves no form, nor does a transaction longer than
    DESK_COMMIT_LAG (see below) show in time: the entry is counted from nothing at least every
    DESK_KEPT_SECONDS, so nothing shown is staler than that.
    """
    version = versions.RECOUNT.current()
    if kept is not None and kept["version"] == version and time.time() - kept["born"] < DESK_KEPT_SECONDS:
        # Since a little before the newest followed: a save takes its updated_at before it commits, so
        # one committing after a later one (concurrent saves) has an older time; the forms of those
        # seconds already followed, as they were then, are known.
        recent = kept["recent"]
        written = review_selectors.written_since(kept["mark"] - DESK_COMMIT_LAG,
                                                 limit=DESK_FOLLOWED_WRITES + len(recent))
        if written is not None:
            written = [row for row in written if row[:2] not in recent]
            if not written:
                return kept, False
            scope = access.scope_for(user)
            ours = review_selectors.listed_forms(
                pk for pk, _at, department in written if scope.is_admin or department in scope.visible)
            # As read now (a form written again since the first read is shown as it is now).
            pairs = [row[:2] for row in written] + [(a.pk, a.updated_at) for a in ours]
            kept["mark"] = mark = max([kept["mark"]] + [at for _pk, at in pairs])
            kept["recent"] = {pair for pair in recent | set(pairs) if pair[1] > mark - DESK_COMMIT_LAG}
            if ours:
                _desk_follow(user, filters, kept, ours)
                return kept, True
            # Writes outside the scope change nothing shown: the newest is kept now and then, not at each visit.
            return kept, len(written) > DESK_FOLLOWED_WRITES // 4
    return _desk_count(user, filters, version), True


def _desk_count(user, filters, version):
    """Count the scope's figures from nothing and render them (the view keeps them, see _desk_entry)."""
    # Read before counting: a form written meanwhile is then also seen as written since, and its
    # department counted again at the next visit (counting a department twice gives the same part).
    newest = review_selectors.newest_writes(limit=DESK_FOLLOWED_WRITES)
    mark = newest[0][1] if newest else OLDEST
    qs = _desk_forms(user, filters)
    # The scope's 300 departments (a finance bureau): plain rows, not model instances.
    departments = list(selectors.departments_visible_to(user=user).order_by("name").values_list("pk", "name"))
    chained = review_selectors.chained_departments()
    parts, waiting_chained = review_selectors.desk_parts(user=user, assessments=qs, chained=chained)
    waiting = review_selectors.desk_waiting(user=user, assessments=qs, chained=chained, limit=_waiting_kept(),
                                            waiting_chained=waiting_chained)
    counts = {
        "parts": parts, "sums": review_selectors.desk_sums(parts.values()),
        "schemes": review_selectors.desk_schemes({s for part in parts.values() for s, _g, _n in part[GRADED]}),
        "departments": departments,
    }
    entry = {
        "version": version, "born": time.time(), "mark": mark,
        "recent": {pair for pair in newest if pair[1] > mark - DESK_COMMIT_LAG}, "chained": chained,
        # 300 options, written here: a template loop over them cost more than the rest of the page.
        "department_options": format_html_join("", '<option value="{}"{}>{}</option>', (
            (pk, SELECTED if str(pk) == filters["department"] else "", name) for pk, name in departments)),
        "waiting": _desk_waiting_lines(waiting, chained),
        "rows": None,  # page 1's rows: read when page 1 is asked for
    }
    _desk_render(entry, counts)
    return entry


def _desk_follow(user, filters, entry, written):
    """Bring ``entry`` up to date with the forms ``written`` since it was counted (newest first, in scope)."""
    scope, chained = access.scope_for(user), entry["chained"]
    ids = {a.pk for a in written}
    departments = sorted({a.department_id for a in written})
    parts, _waiting_chained = review_selectors.desk_parts(
        user=user, assessments=_desk_forms(user, filters, departments), chained=chained)
    counts = pickle.loads(entry["counts"])
    kept = counts["parts"]
    review_selectors.desk_sums([kept.pop(d) for d in departments if d in kept], counts["sums"], sign=-1)
    review_selectors.desk_sums(parts.values(), counts["sums"])
    kept.update(parts)
    missing = {s for part in parts.values() for s, _g, _n in part[GRADED]} - counts["schemes"].keys()
    counts["schemes"].update(review_selectors.desk_schemes(missing))
    shown = [a for a in written if _desk_shows(filters, a)]
    # The forms not written since kept their place in every list: each list is what was kept of it
    # and the forms written since, in order (_desk_merged), unless too few are left to fill it.
    waiting = None
    if not any(a.department_id in chained for a in written):  # a chained form's turn is access's to say
        kept = entry["waiting"]
        waiting = ([line for line in kept if line[1]] + _desk_merged(
            [line for line in kept if not line[1]], ids,
            _desk_waiting_lines([a for a in shown if review_selectors.waits_plainly(scope, chained, a)], chained),
            complete=len(kept) < _waiting_kept()))[:_waiting_kept()]
    if waiting is None or len(waiting) < min(WAITING_SHOWN, counts["sums"]["waiting"]):
        waiting = _desk_waiting_lines(review_selectors.desk_waiting(
            user=user, assessments=_desk_forms(user, filters), chained=chained, limit=_waiting_kept()), chained)
    entry["waiting"] = waiting
    _desk_render(entry, counts)
    if entry["rows"] is not None:
        rows = _desk_merged(entry["rows"], ids, list(zip([(a.pk, a.updated_at) for a in shown], _desk_row_html(shown))),
                            complete=len(entry["rows"]) < DESK_PAGE_SIZE)[:DESK_PAGE_SIZE]
        entry["rows"] = rows if len(rows) >= min(DESK_PAGE_SIZE, entry["total"]) else None


def _desk_merged(kept, ids, written, *, complete):
    """Return a list newest first (items ((id, updated_at), …)) from the first of it as kept, without the
    forms ``ids`` written since, and ``written``, those of them it lists now.

    Below the last form kept, a form not kept (older than it, not written since) may come first:
    the list stops there unless ``complete`` (all of it was kept); the caller reads it again when that
    leaves too few."""
    rest = [item for item in kept if item[0][0] not in ids]
    merged = sorted(rest + written, key=lambda item: (item[0][1], item[0][0]), reverse=True)
    if complete:
        return merged
    if not kept:
        return []
    last = (kept[-1][0][1], kept[-1][0][0])  # every form not kept and not written since comes after it
    return [item for item in merged if (item[0][1], item[0][0]) >= last]


def _desk_render(entry, counts):
    """Render the counts, the waiting list's frame and the charts from the departments' ``counts`` (again
    only when something they show changed: most writes move no count and no chart)."""
    summary = review_selectors.desk_summary(counts["parts"], counts["sums"], counts["schemes"])
    if entry.get("total") != summary.total:
        entry["table"] = None  # its pager says the total
    entry["total"] = summary.total
    context = {"counts": {str(label): summary.counts.get(value, 0) for value, label in Assessment.Status.choices},
               "waiting_count": summary.waiting_count, "waiting_shown": min(len(entry["waiting"]), WAITING_SHOWN),
               "waiting_items": mark_safe(MARK) if entry["waiting"] else "",
               **_desk_charts(summary, counts["departments"])}
    # Pickled apart: a visit that follows nothing does not unpickle the 300 departments' figures.
    entry["counts"] = pickle.dumps(counts, pickle.HIGHEST_PROTOCOL)
    digest = hashlib.blake2b(repr(context).encode(), digest_size=16).digest()
    if entry.get("figures_digest") != digest:
        head, _mark, tail = render_to_string("assessments/_desk_figures.html", context).partition(MARK)
        entry["figures"] = (head, tail)  # around the waiting lines, joined at each visit
        entry["figures_digest"] = digest


def _desk_waiting_lines(forms, chained):
    """Return ((id, updated_at), whether its department has a review chain, its line) of each waiting form."""
    html = render_to_string("assessments/_desk_waiting_list.html", {"waiting": forms}).split("</li>")
    return [((a.pk, a.updated_at), a.department_id in chained, line + "</li>") for a, line in zip(forms, html)]


def _desk_row_html(forms):
    """Render the desk's table rows of ``forms``, one HTML text each (one template run for all)."""
    forms = labels.with_choice_labels(forms, "kind", "status")
    if not forms:
        return []
    return [row + "</tr>" for row in render_to_string("assessments/_desk_row_list.html",
                                                      {"assessments": forms}).split("</tr>")[:-1]]


def _desk_table(page, query):
    """Return the desk's table and pager before and after its rows."""
    head, _mark, tail = render_to_string("assessments/_desk_rows.html", {
        "rows": mark_safe(MARK), "page": page, "query": query}).partition(MARK)
    return head, tail


# Where the kept lines go in a rendered frame: no text of a form can print it (every text is escaped).
MARK = "<!--kept-lines-->"

# Forms written since the entry followed one by one; more (an import, a batch) and the scope is counted again.
DESK_FOLLOWED_WRITES = 200

DESK_KEPT_SECONDS = 60

# Longer than a save's transaction, from taking its updated_at to its commit.
DESK_COMMIT_LAG = timedelta(seconds=5)

OLDEST = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)

SELECTED = mark_safe(" selected")


DESK_PAGE_SIZE = 50


WAITING_SHOWN = 100

# Waiting forms kept beyond those shown: a form returned or approved leaves the list, and the next
# one is then already kept (the list is read again only when fewer than WAITING_SHOWN are left).
WAITING_SPARE = 20


def _waiting_kept():  # read at each call: the tests shorten the lists
    return WAITING_SHOWN + WAITING_SPARE


DESK_DEPARTMENTS_CHARTED = 20


def _desk_charts(summary, departments):
    """The desk's two charts as data (and the tables that say the same in text).

    The grade counts by scheme and the execution by department are counted with the desk's other
    figures (review/selectors.py desk_summary); ``departments`` (pk, name), ordered by name, are the scope's.

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
    rank = {pk: i for i, (pk, _name) in enumerate(departments)}
    names = dict(departments)
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
