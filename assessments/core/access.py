"""Who may do what. The one place that decides; views, templates and services all ask here.

Shaped like Wagtail's permission tester: ``access.for_form(user, assessment)`` answers may-see,
may-edit, may-submit, may-approve … for one form, and ``actions()`` lists what the user may do
next (the buttons a page shows). Services call ``require`` before every write, so a view that
forgot a check still cannot change anything it should not.

The workflow is one table, ``TRANSITIONS``: (state, action) → (new state, who may). Nothing else
changes a form's status — not a field in the admin, not an import.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connections

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.core.errors import AccessDenied, AssessmentLocked, IllegalTransition, NotAReviewer
from assessments.models import Assessment, Department, Membership

S = Assessment.Status

# Who may take an action:
#   filler   — a 填报人 of the form's department;
#   reviewer — the reviewer of the form's current review level (with no chain set: a reviewer whose
#              review scope covers the department);
#   approver — the level that approved the form (its department chain's last level; with no chain,
#              a reviewer whose review scope covers the department), or an administrator.
# Nobody reviews, approves or reopens a form of a department they fill for.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.DRAFT, "submit"): (S.SUBMITTED, "filler"),
    (S.RETURNED, "submit"): (S.SUBMITTED, "filler"),
    # Approving at a level before the last keeps 已提交 and moves the form up the chain.
    (S.SUBMITTED, "approve"): (S.APPROVED, "reviewer"),
    (S.SUBMITTED, "return"): (S.RETURNED, "reviewer"),
    (S.APPROVED, "reopen"): (S.RETURNED, "approver"),
}
ACTION_LABELS = {"submit": gettext_lazy("提交"), "approve": gettext_lazy("审核通过"), "return": gettext_lazy("退回修改"), "reopen": gettext_lazy("重新打开")}


@dataclass(frozen=True)
class Scope:
    """What a user's memberships give, read once per request."""

    fillable: frozenset
    reviewed: frozenset  # departments under a 审核人 membership, with all their units
    visible: frozenset
    is_admin: bool

    @property
    def is_reviewer(self) -> bool:
        return self.is_admin or bool(self.reviewed)


EMPTY = Scope(frozenset(), frozenset(), frozenset(), False)


def scope_for(user) -> Scope:
    """Return the user's scope, cached on the user object (Django makes a new one per request)."""
    if user is None or not user.is_authenticated:
        return EMPTY
    cached = getattr(user, "_yusuan_scope", None)
    if cached is None:
        rows = _memberships_and_reviewed_units(user.pk)
        own = {d for d, role in rows if role == Membership.Role.FILLER}
        reviewed = {d for d, role in rows if role == UNIT}
        cached = Scope(frozenset(own), frozenset(reviewed), frozenset(own | reviewed), bool(user.is_superuser))
        user._yusuan_scope = cached
    return cached


UNIT = ""  # the role column of a department reached below a 审核人 membership


def _memberships_and_reviewed_units(user_id):
    """Return (department id, role) of the user's memberships, and (id, UNIT) of every department
    their 审核人 memberships cover with all its units: one query, read on every page a user opens
    (before: the memberships, then one query per level of the tree and one for the result)."""
    connection = connections[Membership.objects.db]
    quote = connection.ops.quote_name
    membership, department = quote(Membership._meta.db_table), quote(Department._meta.db_table)
    sql = (f"WITH RECURSIVE tree(id) AS (SELECT department_id FROM {membership} WHERE user_id = %s AND role = %s "
           f"UNION SELECT unit.id FROM {department} unit JOIN tree ON unit.parent_id = tree.id) "
           f"SELECT department_id, role FROM {membership} WHERE user_id = %s UNION ALL SELECT id, %s FROM tree")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, Membership.Role.REVIEWER, user_id, UNIT])
        return cursor.fetchall()


def forget_scope(user) -> None:
    """Drop the cached scope (after memberships change within one request, e.g. in tests)."""
    if user is not None and hasattr(user, "_yusuan_scope"):
        del user._yusuan_scope


# ---------------------------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------------------------
def may_see_department(user, department_id) -> bool:
    scope = scope_for(user)
    return scope.is_admin or department_id in scope.visible


def may_fill_for(user, department_id) -> bool:
    """May the user create forms and edit base data for the department (填报人, or administrator)?"""
    scope = scope_for(user)
    return scope.is_admin or department_id in scope.fillable


def may_edit_base_data(user, department_id) -> bool:
    return may_fill_for(user, department_id)


def may_review_department(user, department_id) -> bool:
    """May the user act as a reviewer of this department's forms (in scope, not their own)?"""
    scope = scope_for(user)
    return scope.is_admin or (department_id in scope.reviewed and department_id not in scope.fillable)


def may_admin_edit(user, assessment) -> bool:
    """May the user change the form in the admin? Staff with the permission, and only while the
    form is open (draft or returned): submitted and approved forms are read-only there too."""
    return (user is not None and user.is_active and user.is_staff
            and user.has_perm("assessments.change_assessment")
            and assessment.status in (S.DRAFT, S.RETURNED))


# ---------------------------------------------------------------------------------------------
# One form
# ---------------------------------------------------------------------------------------------
# The annotation (selectors.with_row_flags) saying whether a form's department has a review chain.
LEVELS_FLAG = "department_has_levels"


class FormAccess:
    """What one user may do with one form. Cheap: the scope is cached per request, and the
    review chain comes from ``department.review_levels`` (prefetch it when listing many forms)."""

    def __init__(self, user, assessment: Assessment):
        self.user = user
        self.assessment = assessment
        self.scope = scope_for(user)

    # -- reading ------------------------------------------------------------------------------
    def can_see(self) -> bool:
        return self.scope.is_admin or self.assessment.department_id in self.scope.visible

    def can_export(self) -> bool:
        return self.can_see()

    # -- filling ------------------------------------------------------------------------------
    def is_filler(self) -> bool:
        return self.scope.is_admin or self.assessment.department_id in self.scope.fillable

    def can_edit(self) -> bool:
        return may_edit(self.scope, department_id=self.assessment.department_id, status=self.assessment.status)

    def can_submit(self) -> bool:
        return self.can_edit()

    def can_attach(self) -> bool:
        return self.can_edit()

    def can_reply(self, comment=None) -> bool:
        """The 填报人 answers a reviewer's comment while the form is theirs to change."""
        return self.can_edit()

    # -- reviewing ----------------------------------------------------------------------------
    def _levels(self):
        # Read once per form object: a page asks several questions of the same form. A form read by
        # selectors.with_row_flags already says whether its department has a chain at all.
        levels = getattr(self.assessment, "_access_levels", None)
        if levels is None:
            levels = ([] if getattr(self.assessment, LEVELS_FLAG, True) is False
                      else list(self.assessment.department.review_levels.all()))
            self.assessment._access_levels = levels
        return levels

    def _reviews_at(self, level_index) -> bool:
        """Is the user a reviewer of the given level of the chain (``None``: the last one)?

        Administrators always are; nobody reviews a department they fill for; with no chain set, a
        reviewer whose review scope covers the department is.
        """
        if self.scope.is_admin:
            return True
        if self.assessment.department_id in self.scope.fillable:
            return False
        levels = self._levels()
        if levels:
            level = levels[-1] if level_index is None else levels[min(level_index, len(levels) - 1)]
            return any(r.pk == self.user.pk for r in level.reviewers.all())
        return self.assessment.department_id in self.scope.reviewed

    def is_current_reviewer(self) -> bool:
        """Is the user the reviewer of the form's current level (ignoring its state)?"""
        return self._reviews_at(self.assessment.review_level)

    def is_approver(self) -> bool:
        """Is the user of the level that approves the form last (or an administrator)?"""
        return self._reviews_at(None)

    def can_review(self) -> bool:
        return self.assessment.status == S.SUBMITTED and self.is_current_reviewer()

    def can_approve(self) -> bool:
        return self.can_review()

    def can_return(self) -> bool:
        return self.can_review()

    def can_comment(self) -> bool:
        """Reviewers write comments as part of returning a form."""
        return self.can_review()

    def can_resolve(self, comment) -> bool:
        """Confirm a comment resolved: its author or the current reviewer, never on an approved form."""
        if self.assessment.status == S.APPROVED or not self.can_see():
            return False
        return comment.author_id == getattr(self.user, "pk", None) or self.is_current_reviewer()

    def can_reopen(self) -> bool:
        return self.assessment.status == S.APPROVED and self.is_approver()

    def can_publish(self) -> bool:
        return self.assessment.status == S.APPROVED and self.is_approver()

    def can_withdraw(self) -> bool:
        return self.is_approver()

    # -- the workflow -------------------------------------------------------------------------
    def may(self, action: str) -> bool:
        """May the user take a workflow action now (per ``TRANSITIONS``)?"""
        entry = TRANSITIONS.get((self.assessment.status, action))
        if entry is None:
            return False
        who = entry[1]
        if who == "filler":
            return self.can_edit()
        if who == "reviewer":
            return self.is_current_reviewer()
        return self.is_approver()

    def actions(self) -> list[str]:
        """The workflow actions open to the user now, in the order a page shows them."""
        return [action for (state, action) in TRANSITIONS if state == self.assessment.status and self.may(action)]


def may_edit(scope, *, department_id, status) -> bool:
    """Whether a user with ``scope`` may fill in a form of that department in that status (for lists
    read as plain values; ``FormAccess.can_edit`` asks the same)."""
    return (scope.is_admin or department_id in scope.fillable) and status in (S.DRAFT, S.RETURNED)


def for_form(user, assessment) -> FormAccess:
    return FormAccess(user, assessment)


ABILITIES = {
    "see": FormAccess.can_see, "edit": FormAccess.can_edit, "submit": FormAccess.can_submit,
    "review": FormAccess.can_review, "approve": FormAccess.can_approve, "return": FormAccess.can_return,
    "reopen": FormAccess.can_reopen, "comment": FormAccess.can_comment, "reply": FormAccess.can_reply,
    "export": FormAccess.can_export, "attach": FormAccess.can_attach, "publish": FormAccess.can_publish,
    "withdraw": FormAccess.can_withdraw,
}
REFUSALS = {
    "edit": gettext_lazy("“%(title)s”状态为“%(status)s”，不能修改"),
    "submit": gettext_lazy("“%(title)s”状态为“%(status)s”，不能提交"),
    "review": gettext_lazy("您不是此表当前级次的审核人"),
    "approve": gettext_lazy("您不是此表当前级次的审核人"),
    "return": gettext_lazy("您不是此表当前级次的审核人"),
    "comment": gettext_lazy("您不是此表当前级次的审核人"),
    "reopen": gettext_lazy("只有审核通过此表的审核级次（或管理员）可以重新打开"),
    "reply": gettext_lazy("“%(title)s”状态为“%(status)s”，不能答复意见"),
    "attach": gettext_lazy("“%(title)s”状态为“%(status)s”，不能上传或删除佐证材料"),
    "publish": gettext_lazy("只有审核通过此表的审核级次（或管理员）可以公开已审核的表"),
    "withdraw": gettext_lazy("只有审核通过此表的审核级次（或管理员）可以撤回公开"),
}


def require(user, assessment, ability: str) -> None:
    """Raise unless the user may do ``ability`` to the form: ``AssessmentLocked`` when the form's
    state forbids it for anyone, ``AccessDenied`` when this user may not.

    ``user=None`` is the operator at the command line (``manage.py``): trusted with access, but
    still bound by the states (an approved form is never changed, by anyone).
    """
    if ability in OPEN_ONLY and assessment.status not in (S.DRAFT, S.RETURNED):
        raise AssessmentLocked(REFUSALS[ability] % {"title": assessment.title,
                                                    "status": assessment.get_status_display()})
    if user is None:
        return
    if not ABILITIES[ability](FormAccess(user, assessment)):
        message = REFUSALS.get(ability, gettext_lazy("您无权进行此操作"))
        error = NotAReviewer if ability in ("review", "approve", "return", "comment", "reopen") else AccessDenied
        raise error(message % {"title": assessment.title, "status": assessment.get_status_display()}
                           if "%(" in str(message) else str(message))


OPEN_ONLY = {"edit", "submit", "attach", "reply"}


def require_transition(user, assessment, action: str) -> str:
    """Check the transition table and the user; return the new state (raise when not allowed)."""
    entry = TRANSITIONS.get((assessment.status, action))
    if entry is None:
        raise IllegalTransition(_("状态为“%(status)s”的表不能%(action)s")
                                % {"status": assessment.get_status_display(), "action": ACTION_LABELS[action]})
    if user is not None and not FormAccess(user, assessment).may(action):
        refusal = {"submit": REFUSALS["submit"], "reopen": REFUSALS["reopen"]}.get(action, REFUSALS["review"])
        raise (AccessDenied if action == "submit" else NotAReviewer)(refusal % {"title": assessment.title, "status": assessment.get_status_display()}
                           if "%(" in str(refusal) else str(refusal))
    return entry[0]
