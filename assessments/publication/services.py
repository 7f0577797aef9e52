"""Writes of 信息公开: publish an approved form on its region's public page (withdrawal is in
core.records, because reopening a form withdraws it too).
"""
from __future__ import annotations


from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.core import access
from assessments.core import records
from assessments.core.records import Event
from assessments.core.errors import IllegalTransition
from assessments.models import (
    Assessment,
)


# 信息公开: publishing an approved form on the public page, and withdrawing it
# ---------------------------------------------------------------------------------------------
@transaction.atomic
def assessment_publish(*, assessment: Assessment, user) -> Assessment:
    """Show an approved form on its region's public page (信息公开).

    Only approved forms, and only the level that approved it (or an administrator). Publishing
    an already published form changes nothing and logs nothing.
    """
    a = records.lock(assessment)
    if a.status != Assessment.Status.APPROVED:
        raise IllegalTransition(_("只有已审核的表可以公开；此表状态为“%(status)s”") % {"status": a.get_status_display()})
    access.require(user, a, "publish")
    if a.department.region_id is None:
        raise IllegalTransition(_("“%(name)s”未设地区，没有可公开的信息公开页面") % {"name": a.department.name})
    if a.published_at is None:
        a.published_at = timezone.now()
        a.save(update_fields=["published_at"])
        records.public_page_changed(a)
        records.log_event(assessment=a, type=Event.PUBLISHED, user=user, comment=_("在信息公开页面公开"), revision=a.revision)
    assessment.published_at = a.published_at
    return a


# Withdrawing is a shared record write (reopening an approved form withdraws it too, from review), so it
# lives in core.records; the publication pages call it from here like their other writes.
assessment_withdraw = records.assessment_withdraw
