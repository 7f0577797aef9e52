"""The count shown beside 通知: forms returned to this user, and forms waiting for them.

It is on every page, and computing it means counting over the user's whole scope (10,000 forms
for a finance bureau), so it is kept in the cache per user and recomputed only after something
that can change it: a submission, return, approval or reopening (any event but a plain save), or a
change of memberships, departments or review levels. Those bump one shared version; a user's
cached count is used while its version is the current one (one cache read per page, both keys at
once).
"""
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from assessments.core import access, selectors
from assessments.models import Assessment, AssessmentEvent, Department, Membership, ReviewLevel

VERSION_KEY = "attention:version"
TIMEOUT = 24 * 3600


def _user_key(user):
    return f"attention:user:{user.pk}"


def attention(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    found = cache.get_many([VERSION_KEY, _user_key(user)])
    version = found.get(VERSION_KEY)
    if version is None:
        version = invalidate_attention()
    cached = found.get(_user_key(user))
    if cached is not None and cached[0] == version:
        return {"attention": cached[1]}
    count = count_attention(user)
    cache.set(_user_key(user), (version, count), TIMEOUT)
    return {"attention": count}


def count_attention(user):
    returned = Assessment.objects.filter(status=Assessment.Status.RETURNED,
                                         department__in=selectors.departments_fillable_by(user=user)).count()
    waiting, _shown = selectors.waiting_for_review(user=user, assessments=selectors.assessment_list_for(user=user),
                                                   limit=0)
    return returned + waiting


def invalidate_attention(**_signal):
    """Make every user's count be recomputed at their next page (now, and again once committed)."""
    version = time.time_ns()
    cache.set(VERSION_KEY, version, None)
    # A page computing the count between now and the commit would still see the old rows and keep
    # them under the new version: bump again when the change is visible to everyone.
    transaction.on_commit(lambda: cache.set(VERSION_KEY, time.time_ns(), None))
    return version


def _event_saved(sender, instance, created, **_signal):
    if created and instance.type != AssessmentEvent.Type.SAVED:
        invalidate_attention()


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
