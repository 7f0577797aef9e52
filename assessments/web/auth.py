"""Sign-in: the form of the sign-in page, and the project's two hooks of django-axes' throttling (settings AXES_*)."""
import unicodedata

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from assessments.core.forms import FieldMessages


class SignInForm(FieldMessages, AuthenticationForm):
    """The sign-in page's form (drawn by crispy): Django's own checks, the app's labels and message."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # A wrong user name and a wrong password get the same message: a stranger learns no user names.
        "invalid_login": _("用户名或密码不正确，请重新输入。"),
        "inactive": _("此账号已停用，请联系管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})


def throttle_username(request, credentials):
    """Return the user name a sign-in is counted under: normalised as Django signs it in.

    AuthenticationForm's UsernameField strips and NFKC-normalises, so "ｈuitang" signs in as "huitang";
    counting the raw text would let the fullwidth spelling walk past a pause.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field)
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get(field)
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFKC", value.strip())


class SignInThrottleBackend(AxesStandaloneBackend):
    """Refuse a paused user name and address before any password is checked.

    Every sign-in over HTTP (the app's page and /admin/login/) hands Django the request; a call
    without one comes from code (the test client's login(), a shell), which has no address to count,
    so it is let through to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_page(request, original_response=None, credentials=None):
    """Render the Chinese lockout page (429) for both sign-in pages."""
    cool_off = get_cool_off(request)
    return render(request, "registration/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
