"""The pages that bring the features together: home, a form's page, its approved revisions,
notifications. Every form comes through the user's scope, so a foreign id is a 404.
"""
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from assessments.core import access, labels, selectors, textdiff
from assessments.domain import interchange, rules, schemes as shipped_schemes
from assessments.core.params import year_param
from assessments.review import attachments, forms as review_forms, services as review_services
from assessments.models import (
    Assessment,
    AssessmentEvent,
)


@login_required
def home(request):
    assessments = selectors.assessment_list_for(user=request.user)
    # The years and the number of forms in each, in one scan: the list's total (all years or the
    # chosen one) is then known without the paginator's own count.
    per_year = dict(assessments.order_by().values_list("fiscal_year__year").annotate(n=Count("pk")))
    years = sorted(per_year, reverse=True)
    year_number = year_param(request.GET.get("year"))
    year = str(year_number) if year_number else ""
    if year_number:
        assessments = assessments.filter(fiscal_year__year=year_number)
    scope = access.scope_for(request.user)
    departments = selectors.departments_visible_to(user=request.user).order_by("name").only("name")
    # Only what a row shows, as plain values: not the forms' texts and JSON (an approved form's whole
    # document), and not five model objects per row (they cost more Python than the rest of the page).
    paginator = Paginator(assessments.values_list(*LISTED_FIELDS), LIST_PAGE_SIZE)
    paginator.count = per_year.get(year_number, 0) if year_number else sum(per_year.values())
    page = paginator.get_page(request.GET.get("page"))
    kinds, statuses = labels.choice_words(Assessment, "kind"), labels.choice_words(Assessment, "status")
    detail, edit = _form_url("assessment_detail"), _form_url("assessment_edit")
    rows = []
    for pk, kind, status, rate, total, grade, problems, department_id, year_of, department, project in page.object_list:
        rows.append({
            "year": year_of, "department": department, "project": project, "kind_label": kinds.get(kind, kind),
            "status_label": statuses.get(status, status), "execution_rate": rate, "total_score": total,
            "grade": grade, "problem_count": problems, "detail_url": detail(pk),
            "edit_url": edit(pk) if access.may_edit(scope, department_id=department_id, status=status) else ""})
    return render(request, "assessments/home.html", {
        "assessments": rows, "page": page,
        "query": urlencode({"year": year} if year else {}),
        "years": years, "year": year,
        "departments": departments[:DEPARTMENTS_SHOWN],
        # The scope's departments are existing ones (memberships and the tree): counted without a query.
        "department_count": departments.count() if scope.is_admin else len(scope.visible),
        # A reviewer fills for no department: no 新建自评表 that would dead-end.
    })


LIST_PAGE_SIZE = 50


LISTED_FIELDS = ("pk", "kind", "status", "execution_rate", "total_score", "grade", "problem_count", "department_id",
                 "fiscal_year__year", "department__name", "project__name")


def _form_url(name):
    """Return pk → the URL of a form's page ``name``, reversed once: a list of 50 forms reversed 100
    URLs, a fifth of its page's time."""
    head, tail = reverse(name, args=[987654321]).split("987654321")
    return lambda pk: f"{head}{pk}{tail}"


DEPARTMENTS_SHOWN = 20


@login_required
def assessment_detail(request, pk):
    # An approved form is shown from its frozen document: its five row tables are then not read.
    assessment = selectors.with_live_rows(selectors.assessment_visible_or_404(user=request.user, pk=pk,
                                                                              with_rows=False))
    document = selectors.assessment_document(assessment=assessment)
    evaluation = rules.evaluate(document.form(), assessment.rules_scheme())
    perms = access.for_form(request.user, assessment)
    return render(request, "assessments/detail.html", {
        "perms": perms,
        "can_review": perms.can_review(),
        # The same rule as review_services.comment_resolve asks (or the comment's author, checked per comment).
        "may_resolve": assessment.status != Assessment.Status.APPROVED and perms.is_current_reviewer(),
        "can_reopen": perms.can_reopen(),
        "review_form": review_forms.ReviewForm(), "reopen_form": review_forms.ReopenForm(),
        "changes": _marked_changes(assessment) if assessment.status == Assessment.Status.SUBMITTED else [],
        # Sorted within the form: their models' ordering starts with "assessment", which sorts by the
        # form's own ordering and so joins four more tables (PostgreSQL planned that longer than it ran).
        "comments": _with_resolve(perms, assessment.comments.select_related("author", "resolved_by")
                                  .order_by("created_at", "pk")) if selectors.has_any(assessment, "comments") else [],
        "assessment": assessment,
        "document": document,
        "evaluation": evaluation,
        "budget_rows": list(zip(document.budget, evaluation.budget)),
        **_timeline(assessment, everything=request.GET.get("timeline") == "all"),
        **_detail_sections(request, assessment, document, evaluation, perms),
    })


# A draft saved for weeks has hundreds of events: its page shows the newest ones and links the rest,
# so the page costs the same for a form saved 50 times as for one saved 500 times.
TIMELINE_SHOWN = 50


def _timeline(assessment, *, everything=False):
    """The form's events as its timeline shows them (the newest TIMELINE_SHOWN unless ``everything``),
    oldest first, each line's words made here once; with how many older ones are not shown.

    Without their ``data`` (an approval carries the whole form as JSON, once per revision): only its
    listed changes and whether it has a snapshot. As plain values, with each time, place and value
    put in words in Python: a form saved for weeks has hundreds of events, and a model object and a
    dozen template lookups and filters per event and per change were most of its page's time.
    """
    rows = (assessment.events.order_by("-created_at", "-pk")
            .annotate(changes=KeyTransform("changes", "data"),
                      has_snapshot=ExpressionWrapper(Q(data__has_key="snapshot"), output_field=BooleanField()))
            .values_list("pk", "created_at", "type", "comment", "user_id", "user__first_name", "user__username",
                         "changes", "has_snapshot"))
    hidden = 0
    if everything:
        rows = list(rows)
    else:
        rows = list(rows[:TIMELINE_SHOWN + 1])
        if len(rows) > TIMELINE_SHOWN:  # only a long timeline is counted
            rows = rows[:TIMELINE_SHOWN]
            hidden = assessment.events.count() - TIMELINE_SHOWN
    words = labels.choice_words(AssessmentEvent, "type")
    kind = assessment.kind
    lines = []
    for pk, created_at, type_, comment, user_id, first_name, username, changes, has_snapshot in reversed(rows):
        lines.append({
            "pk": pk, "comment": comment, "type_label": words.get(type_, type_),
            # As the template's |date:"Y-m-d H:i:s" printed it: in the current time zone.
            "when": template_localtime(created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "revision": type_ == AssessmentEvent.Type.APPROVED and bool(has_snapshot),
            "who": (first_name or username) if user_id else None,
            "changes": [(c.get("label") or labels.describe(c.get("path") or "", kind=kind),
                         labels.shown(c.get("before"), c.get("path")), labels.shown(c.get("after"), c.get("path")))
                        for c in changes] if changes else [],
        })
    return {"events": lines, "events_hidden": hidden}


def _marked_changes(assessment):
    """The changes since the last return, each named as the form prints it, with the new text and
    its insertions and deletions marked (codes such as a band shown as their printed words)."""
    out = []
    for change in review_services.changes_since_return(assessment):
        path = change["path"]
        before, after = labels.display_value(path, change["before"]), labels.display_value(path, change["after"])
        out.append({**change, "label": labels.describe(path, kind=assessment.kind),
                    "marked": textdiff.mark(before, after), "before_shown": before})
    return out


def _detail_sections(request, assessment, document, evaluation, perms, with_attachments=True):
    """Everything the print preview shows, for the detail page: particulars, goals, analysis, report,
    key tasks, and the 佐证材料 of the form and of each indicator row."""
    field = Assessment._meta.get_field
    items = (list(assessment.attachments.select_related("uploaded_by").order_by("row", "uploaded_at", "pk"))
             if with_attachments and selectors.has_any(assessment, "attachments") else [])
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
    date = filled.get("date")
    particulars += [(_("填报人"), filled.get("name")), (_("联系电话"), filled.get("phone")),
                    (_("填报日期"), date.isoformat() if hasattr(date, "isoformat") else date)]
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
        "particulars": particulars, "goals": goals, "profile": profile, "analysis": analysis,
        "goals_title": _("年度总体目标") if assessment.kind == Assessment.Kind.PROJECT else _("中长期目标与年度目标"),
        "report": list(document.report.items()), "key_tasks": document.key_tasks,
        "indicator_rows": [(row, result, by_row.get(i, []))
                           for i, (row, result) in enumerate(zip(document.indicators, evaluation.indicators))],
        "attachment_rows": [(i, attachments.indicator_row_label(assessment.kind, i, row.name))
                            for i, row in enumerate(document.indicators)] if with_attachments else [],
        "attachments": items, "can_attach": with_attachments and perms.can_attach(),
        "attachment_accept": attachments.ACCEPT_ATTRIBUTE, "attachment_limit": settings.ATTACHMENT_MAX_BYTES,
        "attachment_types": attachments.ACCEPTED,
    }


def _with_resolve(perms, comments):
    """Mark each comment with whether the user may confirm it resolved (the access module decides)."""
    comments = list(comments)
    for comment in comments:
        comment.may_resolve = perms.can_resolve(comment)
    return comments


@login_required
def signed_in_again(request):
    """Where signing in from an autosaving page's 登录已过期 notice lands (in its own tab)."""
    return render(request, "assessments/signed_in_again.html")


@login_required
def notifications(request):
    """What needs this user: returned or approved forms of their departments, forms waiting for them."""
    scope = access.scope_for(request.user)
    # The scope as plain ids on the joined form (not forms in departments in a department subquery):
    # for a finance bureau's 300 departments that took PostgreSQL as long to plan as to run.
    events = AssessmentEvent.objects.filter(assessment__isnull=False)
    if not scope.is_admin:
        events = events.filter(assessment__department_id__in=sorted(scope.visible))
    own = (Q() if scope.is_admin else Q(assessment__department_id__in=sorted(scope.fillable))
           if scope.fillable else Q(pk__in=[]))
    events = (events
              .filter(Q(type__in=[AssessmentEvent.Type.RETURNED, AssessmentEvent.Type.APPROVED]) & own
                      | Q(type=AssessmentEvent.Type.SUBMITTED))
              # Only what a line shows, as plain values: an approval's event carries the whole form as
              # JSON, and so does its approved form; and six model objects per line cost more
              # Python than the rest of the page.
              .values_list("created_at", "type", "comment", "assessment_id", "assessment__kind",
                           "assessment__fiscal_year__year", "assessment__department__name",
                           "assessment__project__name", "user_id", "user__first_name", "user__username")
              .order_by("-created_at")[:50])
    words = labels.choice_words(AssessmentEvent, "type")
    detail = _form_url("assessment_detail")
    # Times as the template's |date:"Y-m-d H:i" printed them (in the current time zone), made here.
    lines = [{"when": template_localtime(created_at).strftime("%Y-%m-%d %H:%M"), "type_label": words.get(type_, type_),
              "comment": comment, "url": detail(assessment_id), "who": (first_name or username) if user_id else "",
              "title": Assessment.title_of(year, project if project is not None else department, kind)}
             for (created_at, type_, comment, assessment_id, kind, year, department, project, user_id, first_name,
                  username) in events]
    return render(request, "assessments/notifications.html", {"events": lines})


@login_required
def assessment_revision(request, pk, event_pk):
    """Show an approved revision as it was approved, read-only, from the timeline's snapshot."""
    assessment = selectors.assessment_visible_or_404(user=request.user, pk=pk)
    event = get_object_or_404(assessment.events, pk=event_pk, type=AssessmentEvent.Type.APPROVED)
    if "snapshot" not in event.data:
        raise Http404
    document, errors = interchange.parse_document(event.data["snapshot"], schemes=selectors.scheme_map())
    if document is None:
        raise Http404
    schemes = selectors.scheme_map()
    if "scheme" in event.data:  # the scheme as it was when this revision was approved

        schemes[document.scheme] = shipped_schemes.to_rules(event.data["scheme"])
    evaluation = rules.evaluate(document.form(), schemes[document.scheme])
    return render(request, "assessments/detail.html", {
        "assessment": assessment, "document": document, "evaluation": evaluation, "revision": event,
        "budget_rows": list(zip(document.budget, evaluation.budget)),
        "events": [], "comments": [], "changes": [],
        **_detail_sections(request, assessment, document, evaluation, access.for_form(request.user, assessment),
                           with_attachments=False),
    })
