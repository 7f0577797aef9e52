"""Sign-in with throttling: repeated failures for a user name from an address are paused."""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _


def _key(request):
    username = (request.POST.get("username") or "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return f"login-failures:{address}:{username}"


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        if cache.get(_key(request), 0) >= settings.LOGIN_FAILURE_LIMIT:
            form = self.get_form()
            form.add_error(None, _("登录失败次数过多，请 %(minutes)d 分钟后再试。")
                           % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60})
            return self.render_to_response(self.get_context_data(form=form, throttled=True), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _key(self.request)
        cache.set(key, cache.get(key, 0) + 1, settings.LOGIN_LOCKOUT_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_key(self.request))
        return super().form_valid(form)
