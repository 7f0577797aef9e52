"""The count shown beside 通知: forms returned to this user, and forms waiting for them.

It is on every page, and computing it means counting over the user's whole scope (10,000 forms
for a finance bureau), so it is kept in the user's session (read for every page anyway) and
recomputed only after something that can change it: a submission, return, approval or reopening
(any event but a plain save), or a change of memberships, departments or review levels. Those bump
one shared version in the cache; a session's count is used while its version is the current one.
Each process reads that version at most every VERSION_SECONDS and bumps its own copy at once, so a
page costs no query for the badge while nothing changed, and a change made in another worker
process is seen within that many seconds.
"""
import time

from django.core.cache import cache
from django.db import transaction

from assessments.core import selectors
from assessments.models import Assessment

VERSION_KEY = "attention:version"
SESSION_KEY = "attention"
VERSION_SECONDS = 5.0

# (version, when this process read it): one tuple, replaced whole, so threads see a consistent pair.
_known = (None, 0.0)


def current_version():
    """Return the shared version, read from the cache at most every VERSION_SECONDS per process."""
    global _known
    version, read_at = _known
    now = time.monotonic()
    if version is not None and now - read_at < VERSION_SECONDS:
        return version
    version = cache.get(VERSION_KEY)
    if version is None:
        version = invalidate_attention()
    _known = (version, now)
    return version


def attention(request):
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    version = current_version()
    kept = session.get(SESSION_KEY)
    if kept is not None and kept[0] == version:
        return {"attention": kept[1]}
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
    """Make every user's count be recomputed at their next page (now, and again once committed)."""
    version = _bump()
    # A page computing the count between now and the commit would still see the old rows and keep
    # them under the new version: bump again when the change is visible to everyone.
    transaction.on_commit(_bump)
    return version


def _bump():
    global _known
    version = time.time_ns()
    cache.set(VERSION_KEY, version, None)
    _known = (version, time.monotonic())
    return version


def _event_saved(sender, instance, created, **_signal):
    from assessments.models import AssessmentEvent

    if created and instance.type != AssessmentEvent.Type.SAVED:
        invalidate_attention()


def connect_signals():
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from assessments.models import AssessmentEvent, Department, Membership, ReviewLevel

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
    from assessments.core import access

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    return {"nav": {"desk": scope.is_reviewer, "new": scope.is_admin or bool(scope.fillable)}}
