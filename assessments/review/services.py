"""Writes of the review: approve, return, reopen, reply to and resolve comments, attach files.

Each write locks the form's row (``records.lock``), asks ``core.access`` (the transition table decides
who may move a form where) and logs an event with what changed.
"""
from __future__ import annotations


from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.core import access
from assessments.core import records
from assessments.core.records import Event
from assessments.domain import interchange
from assessments.core.errors import IllegalTransition, NotAReviewer
from assessments.models import Assessment, Attachment, Comment
from assessments.review import attachments


def review_levels(assessment):
    """Return the review chain of the assessment's department (a single level when none is set)."""
    return list(assessment.department.review_levels.prefetch_related("reviewers"))


def can_review(*, assessment, user) -> bool:
    """Return whether the user may approve or return the assessment now (asks the access module)."""
    return access.for_form(user, assessment).can_review()


@transaction.atomic
def assessment_approve(*, assessment: Assessment, user, comment: str = "") -> Assessment:
    """已提交 → next review level, or 已审核 at the last level (an approved form is frozen)."""
    a = records.lock(assessment)
    final_status = access.require_transition(user, a, "approve")
    levels = review_levels(a)
    level_name = levels[a.review_level].name if levels else _("审核")
    data = {"level": a.review_level, "level_name": level_name}
    if levels and a.review_level + 1 < len(levels):
        a.review_level += 1
        data["next_level"] = levels[a.review_level].name
    else:
        a.status = final_status
        # Freeze what was approved: shown and printed from here on, whatever changes elsewhere.
        a.approved_document = data["snapshot"] = records.snapshot(a)
        a.approved_scheme = data["scheme"] = a.scheme.as_data()
    a.version += 1
    a.save(update_fields=["status", "review_level", "version", "approved_document", "approved_scheme",
                          "updated_at"])
    records.log_event(assessment=a, type=Event.APPROVED, user=user, comment=comment, version=a.version, **data)
    return a


@transaction.atomic
def assessment_return(*, assessment: Assessment, user, comment: str, row_comments=()) -> Assessment:
    """已提交 → 退回修改, with a comment on the whole form and any on sections or rows."""
    a = records.lock(assessment)
    new_status = access.require_transition(user, a, "return")
    if not comment.strip() and not any(text.strip() for _path, text in row_comments):
        raise IllegalTransition(_("退回须填写意见"))
    if comment.strip():
        Comment.objects.create(assessment=a, path="", text=comment.strip(), author=user)
    for path, text in row_comments:
        if text.strip():
            Comment.objects.create(assessment=a, path=path, text=text.strip(), author=user)
    a.status = new_status
    a.review_level = 0
    a.version += 1
    a.save(update_fields=["status", "review_level", "version", "updated_at"])
    records.log_event(assessment=a, type=Event.RETURNED, user=user, comment=comment, version=a.version,
                      snapshot=records.snapshot(a), rows=[p for p, t in row_comments if t.strip()])
    return a


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user, reason: str) -> Assessment:
    """已审核 → 退回修改 as a new revision; the approved revision stays readable in the timeline.

    Only the level that approved the form (or an administrator) may, and only with a reason.
    """
    a = records.lock(assessment)
    new_status = access.require_transition(user, a, "reopen")
    if not reason.strip():
        raise IllegalTransition(_("重新打开须说明理由"))
    records.assessment_withdraw(assessment=a, user=user, reason=_("重新打开，自动撤回公开"))
    a.status = new_status
    a.revision += 1
    a.review_level = 0
    a.version += 1
    # The frozen copy goes with the approval; the APPROVED event keeps it for the revision page.
    a.approved_document, a.approved_scheme = {}, {}
    a.save(update_fields=["status", "revision", "review_level", "version", "approved_document", "approved_scheme",
                          "updated_at"])
    records.log_event(assessment=a, type=Event.REOPENED, user=user, comment=reason, version=a.version, revision=a.revision,
                      snapshot=records.snapshot(a))
    return a


REPLY_SEPARATOR = "\n"


@transaction.atomic
def comment_reply(*, comment, user, text: str):
    """The 填报人 answers a comment; a later answer is added below the earlier ones, never over them."""
    a = records.lock(comment.assessment)
    access.require(user, a, "reply")
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    text = text.strip()
    if not text:
        raise IllegalTransition(_("答复不能为空"))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    entry = f"〔{stamp}〕{text}"
    comment.reply = f"{comment.reply}{REPLY_SEPARATOR}{entry}" if comment.reply else entry
    comment.save(update_fields=["reply"])
    records.log_event(assessment=a, type=Event.REPLIED, user=user, comment=_("答复审核意见：%(text)s") % {"text": text},
                      comment_id=comment.pk)
    return comment


@transaction.atomic
def comment_resolve(*, comment, user):
    """The reviewer (or the comment's author) marks a comment resolved."""
    a = records.lock(comment.assessment)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not access.for_form(user, a).can_resolve(comment):
        raise NotAReviewer(_("只有审核人可以确认意见已解决，已审核的表不能再改动意见"))
    comment.resolved_at = timezone.now()
    comment.resolved_by = user
    comment.save(update_fields=["resolved_at", "resolved_by"])
    records.log_event(assessment=a, type=Event.RESOLVED, user=user, comment=_("确认审核意见已解决"), comment_id=comment.pk)
    return comment


def changes_since_return(assessment) -> list[dict]:
    """Return the field-level changes since the form was last returned (for the reviewer)."""
    event = assessment.events.filter(type__in=[Event.RETURNED, Event.REOPENED]).last()
    if event is None or "snapshot" not in event.data:
        return []
    return interchange.changes(event.data["snapshot"], records.snapshot(assessment))


@transaction.atomic
def attachment_add(*, assessment: Assessment, user, upload, row: int | None = None):
    """Store an uploaded supporting document on the form (or one of its 绩效指标 rows).

    The type is read from the content (``attachments.inspect``); the file is stored under a
    generated name, the uploader's name kept for display. Only while the form is open.
    """
    a = records.lock(assessment)
    access.require(user, a, "attach")
    kind = attachments.inspect(upload)
    row_name = ""
    if row is not None:
        indicator = a.indicators.filter(order=row).first() if row >= 0 else None
        if indicator is None:
            raise attachments.AttachmentRefused(
                _("%(row)s不存在") % {"row": attachments.indicator_row_label(a.kind, max(row, 0))})
        row_name = indicator.name[:200]
    item = Attachment(assessment=a, row=row, row_name=row_name, original_name=attachments.display_name(upload.name),
                      content_type=kind.content_type, extension=kind.extension, size=upload.size, uploaded_by=user)
    item.file.save("upload", upload, save=False)
    try:  # a failed write leaves no stored file without its record
        item.save()
        label = attachments.row_label(item)
        records.log_event(assessment=a, type=Event.ATTACHED, user=user,
                          comment=_("%(where)s：%(name)s") % {"where": label, "name": item.original_name},
                          attachment_id=item.pk, file=item.original_name, row=row, size=item.size)
    except Exception:
        item.file.delete(save=False)
        raise
    return item


@transaction.atomic
def attachment_delete(*, attachment, user) -> None:
    """Remove a supporting document while the form is open; the file goes when the record does."""
    a = records.lock(attachment.assessment)
    access.require(user, a, "attach")
    item = Attachment.objects.select_for_update().get(pk=attachment.pk, assessment=a)
    label, name, storage, path = attachments.row_label(item), item.original_name, item.file.storage, item.file.name
    item.delete()
    records.log_event(assessment=a, type=Event.DETACHED, user=user,
                      comment=_("%(where)s：%(name)s") % {"where": label, "name": name},
                      attachment_id=attachment.pk, file=name)
    transaction.on_commit(lambda: storage.delete(path))
