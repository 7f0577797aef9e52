from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness for a load balancer, and the load benchmark's ceiling: no session, no database."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@login_required
def ping(request):
    """The page benchmark's floor: a session, the signed-in user, no template (bench/bench_pages.py)."""
    return HttpResponse(request.user.get_username(), content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("admin/", admin.site.urls),
    path("", include("assessments.web.urls")),
]
