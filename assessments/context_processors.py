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
