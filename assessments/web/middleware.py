"""A service's refusal (``AppError``) becomes a message on the page the user came from — in one place.

Services raise a subclass of ``core.errors.AppError`` with a Chinese sentence for the user whenever
they refuse (a locked form, a step not allowed, a reviewer out of turn). A page that has nothing more
to say than that sentence lets it propagate; this middleware shows it and sends the user back. Pages
that must keep what was typed (a wizard step, a reply) still catch the refusals they expect themselves.
"""
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from assessments.core.errors import AppError


class RefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AppError):
            return None
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"error": str(exception)}, status=409)
        messages.error(request, str(exception))
        return redirect(_back(request))


def _back(request) -> str:
    """The page the request came from when it is ours; else the form's page; else home."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    kwargs = getattr(request.resolver_match, "kwargs", {}) or {}
    if "pk" in kwargs and request.path.startswith("/assessments/"):
        return reverse("assessment_detail", args=[kwargs["pk"]])
    return reverse("home")
