"""The count shown beside 通知: forms returned to this user, and forms waiting for them."""
from assessments import selectors, services
from assessments.models import Assessment


def attention(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    returned = Assessment.objects.filter(status=Assessment.Status.RETURNED,
                                         department__in=selectors.departments_fillable_by(user=user)).count()
    submitted = selectors.assessment_list_for(user=user).filter(status=Assessment.Status.SUBMITTED)
    waiting = sum(1 for a in submitted.prefetch_related("department__review_levels__reviewers")
                  if services.can_review(assessment=a, user=user))
    return {"attention": returned + waiting}
