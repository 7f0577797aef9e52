"""The count shown beside 通知: forms returned to this user, and forms waiting for them.

It is on every page, and computing it means counting over the user's whole scope (10,000 forms
for a finance bureau), so it is kept in the user's session (read for every page anyway) and
recomputed only after something that can change it: a submission, return, approval or reopening
(any event but a plain save), or a change of memberships, departments or review levels. Those bump
one shared version in the cache; a session's count is used while its version is the current one.
Each process reads that version at most every few seconds (core/versions.py), so a page costs no
query for the badge while nothing changed, and a change made in another worker process is seen
within those seconds.
"""
from django.db.models.signals import m2m_changed, post_delete, post_save

from assessments.core import access, selectors
from assessments.core.versions import ATTENTION
from assessments.models import Assessment, AssessmentEvent, Department, Membership, ReviewLevel

SESSION_KEY = "attention"


def attention(request):
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    version = ATTENTION.current()
    kept = session.get(SESSION_KEY)
    if kept is not None and kept[0] == version:
        return {"attention": kept[1]}
    # A page that has counted the same figures (the review desk) answers for them when it can.
    counted = getattr(request, "attention_counted", None)
    count = counted[1]() if counted is not None and counted[0] == version else None
    if count is None:
        count = count_attention(user)
    session[SESSION_KEY] = [version, count]
    return {"attention": count}


def count_attention(user):
    returned = Assessment.objects.filter(status=Assessment.Status.RETURNED,
                                         department__in=selectors.departments_fillable_by(user=user)).count()
    waiting, _shown = selectors.waiting_for_review(user=user, assessments=selectors.assessment_list_for(user=user),
                                                   limit=0)
    return returned + waiting


def invalidate_attention(**_signal):
    """Make every user's count be recomputed at their next page."""
    return ATTENTION.bump()


def _event_saved(sender, instance, created, **_signal):
    if created and instance.type not in CONTENT_ONLY:
        ATTENTION.bump()


T = AssessmentEvent.Type
# Writes that change what a form says, never its status: typing in a rush would otherwise
# invalidate every user's count at every autosave.
CONTENT_ONLY = {T.SAVED, T.AUTOSAVED, T.COPIED_PREVIOUS, T.TARGETS_TAKEN, T.BASE_FILLED, T.EXCEL_IMPORTED,
                T.BASE_SAVED, T.ATTACHED, T.DETACHED}


def connect_signals():
    post_save.connect(_event_saved, sender=AssessmentEvent, dispatch_uid="attention-event")
    post_delete.connect(invalidate_attention, sender=Assessment, dispatch_uid="attention-assessment")
    for model in (Membership, Department, ReviewLevel):
        post_save.connect(invalidate_attention, sender=model, dispatch_uid=f"attention-save-{model.__name__}")
        post_delete.connect(invalidate_attention, sender=model, dispatch_uid=f"attention-delete-{model.__name__}")
    m2m_changed.connect(invalidate_attention, sender=ReviewLevel.reviewers.through, dispatch_uid="attention-levels")


def navigation(request):
    """What the navigation offers this user: only what their role can use.

    A 填报人 with no review scope has no 审核工作台; a reviewer with no department to fill for has
    no 新建自评表 (it would dead-end at 请选择部门). Read from the scope cached for the request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    return {"nav": {"desk": scope.is_reviewer, "new": scope.is_admin or bool(scope.fillable)}}
