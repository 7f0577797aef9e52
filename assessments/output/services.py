"""Writes of the output feature: request a batch export (its rendering runs in output.batch).
"""
from __future__ import annotations


from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.core.errors import AppError, IllegalTransition
from assessments.core.selectors import batch_export_scope, departments_visible_to
from assessments.models import BatchExport, FiscalYear
from assessments.output.tasks import batch_export_task


class NothingToExport(AppError):
    """The chosen year and scope hold no approved form."""


class TooManyExports(AppError):
    """The user already has as many unfinished batch exports as one may queue."""


def _batch_export_check_pending(*, user):
    """Refuse a new export while the user has BATCH_EXPORT_MAX_PENDING unfinished ones.

    The user's row is locked so that simultaneous requests are counted one after the other. An
    export still unfinished after a day is taken as abandoned (its worker died) and not counted,
    so nobody is locked out for good.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    limit = settings.BATCH_EXPORT_MAX_PENDING
    pending = BatchExport.objects.filter(
        requested_by=user, status__in=[BatchExport.Status.QUEUED, BatchExport.Status.RUNNING],
        created_at__gte=timezone.now() - timedelta(days=1)).count()
    if pending >= limit:
        raise TooManyExports(_("您已有 %(n)d 个批量导出尚未完成（最多同时 %(max)d 个），请等其完成后再申请。")
                             % {"n": pending, "max": limit})


@transaction.atomic
def batch_export_request(*, user, year: int, fmt: str, department=None):
    """Queue a batch export of the approved forms in the user's scope; return its record.

    The queue row is written in the same transaction as the export, so a job is never queued for
    an export that was not saved, nor an export saved without its job.
    """
    if fmt not in BatchExport.Format.values:
        raise IllegalTransition(_("导出格式“%(fmt)s”无效") % {"fmt": fmt})
    if department is not None and not departments_visible_to(user=user).filter(pk=department.pk).exists():
        raise NothingToExport(_("无权导出该部门"))
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    count = batch_export_scope(user=user, fiscal_year=fiscal_year, department=department).count() if fiscal_year else 0
    if not count:
        raise NothingToExport(_("%(year)s 年度%(scope)s没有已审核的表可以导出")
                              % {"year": year, "scope": f"“{department.name}”及下属单位" if department else ""})
    _batch_export_check_pending(user=user)
    export = BatchExport.objects.create(requested_by=user, fiscal_year=fiscal_year, department=department,
                                        format=fmt, total=count)
    result = batch_export_task.enqueue(export.pk)
    export.task_id = str(result.id)
    export.save(update_fields=["task_id"])
    return export
