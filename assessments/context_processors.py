"""The count shown beside 通知: forms returned to this user, and forms waiting for them."""
from assessments import selectors
from assessments.models import Assessment


def attention(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    returned = Assessment.objects.filter(status=Assessment.Status.RETURNED,
                                         department__in=selectors.departments_fillable_by(user=user)).count()
    waiting, _shown = selectors.waiting_for_review(user=user, assessments=selectors.assessment_list_for(user=user),
                                                   limit=0)
    return {"attention": returned + waiting}


def navigation(request):
    """What the navigation offers this user: only what their role can use.

    A 填报人 with no review scope has no 审核工作台; a reviewer with no department to fill for has
    no 新建自评表 (it would dead-end at 请选择部门). Read from the scope cached for the request.
    """
    from assessments import access

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = access.scope_for(user)
    return {"nav": {"desk": scope.is_reviewer, "new": scope.is_admin or bool(scope.fillable)}}
