"""View decorators every feature's pages share."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils.translation import gettext as _


def login_required_answering_scripts(view):
    """``login_required``, but a script's request (``X-Requested-With: fetch``) signed out gets 401 JSON.

    A script following the redirect would read the sign-in page as a success (and, for a reply to a
    comment, clear what was typed); a 401 lets it say 登录已过期 and keep the text.
    """
    protected = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"error": _("登录已过期，未保存；请重新登录后再试（可在新标签页中登录，本页内容不会丢失）。")},
                                status=401)
        return protected(request, *args, **kwargs)

    return wrapper
