"""What a filer posts after their session expired is kept and saved once they sign in again.

``login_required`` alone answers a signed-out POST with a redirect to the sign-in page, and the
posted step is gone. ``login_required_keeping_post`` first keeps the POST in the (new, anonymous)
session; signing in keeps the session's data (``django.contrib.auth.login`` only cycles its key),
and the ``user_logged_in`` receiver below saves each kept step through the same service as a normal
save, as the user who has just signed in, after the same access checks. Nothing is trusted from the
anonymous request except the values typed: the form is looked up in the signed-in user's own
scope, and a form they may not edit (or one submitted meanwhile) is refused with a message.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.core import records, selectors
from assessments.core.errors import AppError
from assessments.entry import services
from assessments.core import formsteps
from assessments.entry import wizard

KEPT = "posts_kept_at_expiry"
CONFLICTS = "posts_kept_in_conflict"
MAX_KEPT = 5  # posts of one signed-out browser session (an anonymous visitor cannot grow it further)
NOT_KEPT = {"csrfmiddlewaretoken", "action"}


def login_required_keeping_post(view):
    """``login_required`` for a wizard step that keeps a signed-out POST to save after sign-in."""
    protected = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not request.user.is_authenticated:
            kept = [k for k in request.session.get(KEPT, [])
                    if (k["pk"], k["step"]) != (kwargs.get("pk"), kwargs.get("step"))]
            kept.append({"pk": kwargs.get("pk"), "step": kwargs.get("step"), "at": timezone.now().isoformat(),
                         "post": {key: request.POST.getlist(key) for key in request.POST if key not in NOT_KEPT}})
            request.session[KEPT] = kept[-MAX_KEPT:]
            messages.warning(request, _("登录已过期，请重新登录。您刚才填写的内容已保留，登录后会自动保存。"))
        return protected(request, *args, **kwargs)

    return wrapper


def _query_dict(values: dict) -> QueryDict:
    post = QueryDict(mutable=True)
    for key, items in values.items():
        post.setlist(key, [str(v) for v in items])
    return post


@receiver(user_logged_in, dispatch_uid="assessments.entry.drafts.save_kept_posts")
def save_kept_posts(sender, request, user, **kwargs):
    """Save the steps posted while signed out, now as ``user``; say what happened to each."""
    if request is None or not hasattr(request, "session"):
        return
    kept = request.session.pop(KEPT, None)
    if not kept:
        return
    for item in kept:
        _save_kept(request, user, item)


def _save_kept(request, user, item):
    assessment = selectors.assessment_queryset().filter(
        department__in=selectors.departments_fillable_by(user=user), pk=item.get("pk")).first()
    step = formsteps.step_by_key(assessment, item.get("step")) if assessment is not None else None
    if step is None or step.key == "preview":
        messages.error(request, _("登录已过期前填写的内容所属的表不在您可以填写的范围内，未保存。"))
        return
    post = _query_dict(item.get("post", {}))
    data = wizard.read_step(step, post)
    version = post.get("version", "")
    try:
        services.assessment_save_step(
            assessment=assessment, user=user, step=step, data=data,
            expected_version=int(version) if version.isascii() and version.isdigit() else None,
            comment=_("%(step)s（登录过期后重新登录时保存）") % {"step": step.label})
    except records.ConcurrentEdit as conflict:
        # Someone saved the form meanwhile: never overwrite; the step page shows both (see take_conflict).
        conflicts = request.session.get(CONFLICTS, [])
        conflicts.append({**item, "changes": conflict.changes, "by": conflict.by})
        request.session[CONFLICTS] = conflicts[-MAX_KEPT:]
        messages.error(request, _("登录已过期期间此表已被%(by)s修改，您刚才填写的“%(step)s”未写入，显示在下面，"
                                  "请核对后再保存。") % {"by": conflict.by, "step": step.label})
    except AppError as refusal:
        messages.error(request, _("您在登录过期前填写的“%(step)s”未能保存：%(reason)s")
                       % {"step": step.label, "reason": refusal})
    else:
        if data.errors:
            messages.warning(request, _("会话已过期，您刚才填写的“%(step)s”已在重新登录后保存；有内容未通过校验，"
                                        "已原样保留，请按提示修改。") % {"step": step.label})
        else:
            messages.success(request, _("会话已过期，您刚才填写的“%(step)s”已在重新登录后保存。")
                             % {"step": step.label})


def take_conflict(request, pk, step_key):
    """Return ``(post, ConcurrentEdit)`` for a kept post of this step that met a conflict, once."""
    conflicts = request.session.get(CONFLICTS)
    if not conflicts:
        return None
    for i, item in enumerate(conflicts):
        if (item.get("pk"), item.get("step")) == (pk, step_key):
            del conflicts[i]
            request.session[CONFLICTS] = conflicts
            return _query_dict(item.get("post", {})), records.ConcurrentEdit(item.get("changes", []), item.get("by", ""))
    return None
