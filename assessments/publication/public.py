"""信息公开: the public page of a region's published forms, without signing in.

Only forms a reviewer has published (approved ones; withdrawn on reopen) are reachable: every
other id is a 404 on every URL here. Nothing but what the printed form shows leaves: no user,
no status, no internal id of an unpublished form. The pages read no session (so they carry no
cookie and can be cached by any proxy), answer conditional GETs with 304, and are rate-limited
per address through Django's cache.
"""
from __future__ import annotations

import functools
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_safe

from assessments.models import Assessment, Region
from assessments.core.params import int_param, year_param
from assessments.output import printing

PAGE_SIZE = 50
# Bump when the public templates change, so cached pages are not served with a stale layout.
TEMPLATE_VERSION = "1"


def published():
    """The forms on public pages: published and (still) approved."""
    return Assessment.objects.filter(published_at__isnull=False, status=Assessment.Status.APPROVED)


# ---------------------------------------------------------------------------------------------
# Rate limit: a fixed window per client address, counted in Django's cache
# ---------------------------------------------------------------------------------------------
def rate_limited(bucket: str):
    """Answer 429 once an address has made more than the bucket's requests in the window."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            limit, window = settings.PUBLIC_RATE_LIMITS[bucket]
            address = request.META.get("REMOTE_ADDR", "")
            key = f"public-rate:{bucket}:{address}:{int(time.time() // window)}"
            cache = caches["public"]
            cache.add(key, 0, window + 5)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, window + 5)
                count = 1
            if count > limit:
                response = HttpResponse(
                    render_to_string("public/limited.html", {"message": limited_message(window)}), status=429)
                response["Retry-After"] = str(window - int(time.time()) % window)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _public_cache(view):
    """Let browsers and proxies keep a found page for a while; a 404 is not kept (it may be
    published a minute later)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response

    return wrapped


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------
def _regions_etag(request):
    state = Region.objects.aggregate(n=Count("pk"), version=Sum("publication_version"))
    return _hash("regions", state["n"], state["version"])


@require_safe
@rate_limited("page")
@_public_cache
@condition(etag_func=_regions_etag)
def region_index(request):
    regions = (Region.objects.filter(departments__assessments__in=published()).annotate(n=Count("departments__assessments"))
               .order_by("name"))
    return HttpResponse(render_to_string("public/index.html", {"regions": regions}))


# ---------------------------------------------------------------------------------------------
# One region's list
# ---------------------------------------------------------------------------------------------
def _region_groups(region_id):
    """The (year, department) groups of the region's published forms: the filter choices."""
    return list(published().filter(department__region_id=region_id)
                .values("fiscal_year__year", "department_id", "department__name")
                .annotate(n=Count("pk")).order_by("-fiscal_year__year", "department__name"))


def _list_etag(request, region_id):
    """The page's version: the region's publication version and the query (one primary-key read)."""
    version = Region.objects.filter(pk=region_id).values_list("publication_version", flat=True).first()
    if version is None:
        request._public_etag = None
        return None  # the view answers 404
    request._public_etag = _hash("list", region_id, version, request.GET.urlencode())
    return request._public_etag


def _hash(*parts) -> str:
    return hashlib.sha256(repr((TEMPLATE_VERSION,) + parts).encode()).hexdigest()[:32]


@require_safe
@rate_limited("page")
@_public_cache
@condition(etag_func=_list_etag)
def region_page(request, region_id):
    """A region's published forms: filter by year and department, search by project name.

    The rendered page is kept under its ETag (which changes with every publish and withdrawal),
    so a page many visitors ask for costs one grouped query, not a rendering.
    """
    key = f"public-page:{request._public_etag}"
    html = caches["public"].get(key) if request._public_etag else None
    if html is None:
        html = _render_region_page(request, region_id)
        caches["public"].set(key, html, settings.PUBLIC_CACHE_SECONDS)
    return HttpResponse(html)


def _render_region_page(request, region_id) -> str:
    region = get_object_or_404(Region, pk=region_id)
    groups = _region_groups(region_id)
    years = sorted({g["fiscal_year__year"] for g in groups}, reverse=True)
    departments = sorted({(g["department__name"], g["department_id"]) for g in groups})
    qs = (published().filter(department__region_id=region_id)
          .select_related("fiscal_year", "department", "project")
          .only("pk", "kind", "total_score", "grade", "published_at", "fiscal_year__year", "department__name",
                "project__name")
          .order_by("-fiscal_year__year", "department__name", "kind", "project__name", "pk"))
    # NUL cannot reach PostgreSQL (it refuses the query); no project name contains one.
    filters = {k: request.GET.get(k, "").replace("\x00", "").strip() for k in ("year", "department", "q")}
    year, department = year_param(filters["year"]), int_param(filters["department"])
    if year is not None:
        qs = qs.filter(fiscal_year__year=year)
    else:
        filters["year"] = ""
    if department is not None:
        qs = qs.filter(department_id=department)
    else:
        filters["department"] = ""
    if filters["q"]:
        qs = qs.filter(project__name__icontains=filters["q"][:100])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_to_string("public/region.html", {
        "region": region, "page": page, "forms": list(page.object_list), "years": years,
        "departments": [(pk, name) for name, pk in departments], "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "word": _word_renderer() is not None,
    })


# ---------------------------------------------------------------------------------------------
# Downloads of one published form
# ---------------------------------------------------------------------------------------------
def _published_form(region_id, pk):
    return get_object_or_404(published().select_related("fiscal_year", "department", "project", "scheme"),
                             pk=pk, department__region_id=region_id)


def _form_etag(request, region_id, pk, **kwargs):
    state = published().filter(pk=pk, department__region_id=region_id).values_list(
        "published_at", "revision").first()
    if state is None:
        return None  # the view then answers 404
    return _hash("form", pk, request.path, *state)


def _render_pdf(assessment) -> bytes:
    """The approved revision as a PDF (printing keeps an approved form's PDF once rendered)."""
    return printing.render(assessment=assessment, fmt="pdf")


def _word_renderer():
    """The 自评报告 Word writer, when the print module has one."""
    return getattr(printing, "render_docx", None)


@require_safe
@rate_limited("file")
@_public_cache
@condition(etag_func=_form_etag)
def form_pdf(request, region_id, pk):
    assessment = _published_form(region_id, pk)
    response = HttpResponse(_render_pdf(assessment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(assessment)}.pdf"'
    return response


@require_safe
@rate_limited("file")
@_public_cache
@condition(etag_func=_form_etag)
def form_docx(request, region_id, pk):
    render = _word_renderer()
    assessment = _published_form(region_id, pk)
    if render is None or assessment.kind != Assessment.Kind.DEPARTMENT:
        raise Http404
    response = HttpResponse(render(assessment=assessment),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{_filename(assessment)}.docx"'
    return response


def _filename(assessment) -> str:
    """An ASCII file name (the Chinese title is in the page); the id is of a published form."""
    return f"{assessment.fiscal_year.year}-{assessment.kind}-{assessment.pk}"


def limited_message(window):
    return _("请求过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": window}
