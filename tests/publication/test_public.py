"""信息公开: only published approved forms reach the public page; nothing else leaks; caching."""
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from assessments.core import records
from assessments.core.errors import AccessDenied, IllegalTransition
from assessments.publication import services as publication_services
from assessments.review import services as review_services
from assessments.models import Assessment, AssessmentEvent, Region
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def sjz_forms():
    return Assessment.objects.filter(department__name__startswith="石家庄", fiscal_year__year=2023)


def region():
    return Region.objects.get(name="河北省石家庄市")


def public_urls(region_id, pk):
    return [reverse("public_form_pdf", args=[region_id, pk]), reverse("public_form_docx", args=[region_id, pk])]


@pytest.fixture
def published(demo):
    """Two of 石家庄's approved forms published by the bureau's reviewer, through the page."""
    reviewer = signed_in("czj_reviewer")
    approved = list(sjz_forms().filter(status="approved", kind=Assessment.Kind.PROJECT).order_by("pk"))
    assert len(approved) >= 4
    for a in approved[:2]:
        response = reviewer.post(reverse("assessment_publication", args=[a.pk, "publish"]))
        assert response.status_code == 302
    return approved[:2], approved[2:]


def test_visitor_sees_only_published_forms_and_no_names(published):
    shown, hidden = published
    page = Client().get(reverse("public_region", args=[region().pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for a in shown:
        assert a.project.name in html
        assert reverse("public_form_pdf", args=[region().pk, a.pk]) in html
    for a in hidden:
        assert a.project.name not in html
    # No user names, no status words, no ids of unpublished forms, no cookies.
    for user in User.objects.all():
        assert user.username not in html and (not user.first_name or user.first_name not in html)
    for a in Assessment.objects.exclude(pk__in=[f.pk for f in shown]):
        assert not re.search(rf"/{a.pk}(\.pdf|-report)", html)
    assert "已审核" not in html and "审核人" not in html
    assert not page.cookies
    assert "Cookie" not in page.get("Vary", "")


def test_unpublished_draft_foreign_and_other_region_ids_404_on_every_public_url(published):
    shown, hidden = published
    draft = Assessment.objects.exclude(status="approved").first()
    other_region = Region.objects.exclude(pk=region().pk).first()
    client = Client()
    for a in hidden + [draft]:
        rid = a.department.region_id or region().pk
        for url in public_urls(rid, a.pk):
            assert client.get(url).status_code == 404, url
    # A published form is not reachable under another region's address, nor an unknown id.
    for url in public_urls(other_region.pk, shown[0].pk) + public_urls(region().pk, 999999):
        assert client.get(url).status_code == 404
    assert client.get(reverse("public_region", args=[999999])).status_code == 404
    # And the 404 is not kept by caches (it may be published a minute later).
    assert "public" not in client.get(public_urls(region().pk, hidden[0].pk)[0]).get("Cache-Control", "")


def test_published_pdf_is_the_approved_form(published):
    shown, _hidden = published
    response = Client().get(reverse("public_form_pdf", args=[region().pk, shown[0].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "public" in response["Cache-Control"] and response.has_header("ETag")


def test_filters_search_and_pagination(published):
    shown, _hidden = published
    url = reverse("public_region", args=[region().pk])
    client = Client()
    name = shown[0].project.name
    html = client.get(url, {"q": name[:3]}).content.decode()
    assert name in html
    html = client.get(url, {"q": "不存在的项目"}).content.decode()
    assert name not in html and "没有符合条件" in html
    assert name not in client.get(url, {"year": "2022"}).content.decode()
    assert name in client.get(url, {"year": "2023", "department": shown[0].department_id}).content.decode()


def test_cache_control_etag_and_304(published):
    url = reverse("public_region", args=[region().pk])
    client = Client()
    first = client.get(url)
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    # Withdrawing a form (the reviewer's 撤回公开 button, with a reason) changes the page, so the old ETag
    # no longer matches.
    shown, _hidden = published
    reviewer = signed_in("czj_reviewer")
    response = reviewer.post(reverse("assessment_publication", args=[shown[0].pk, "withdraw"]), {"reason": "数据复核"})
    assert response.status_code == 302
    assert "已撤回公开" in reviewer.get(response["Location"]).content.decode()
    assert shown[0].events.filter(type="withdrawn", comment="数据复核").exists()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and shown[0].project.name not in changed.content.decode()
    pdf = reverse("public_form_pdf", args=[region().pk, shown[1].pk])
    etag = client.get(pdf)["ETag"]
    assert client.get(pdf, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_reopen_withdraws_the_form(published):
    shown, _hidden = published
    a = shown[0]
    reviewer = User.objects.get(username="czj_reviewer")
    review_services.assessment_reopen(assessment=a, user=reviewer, reason="发现执行数有误")
    a.refresh_from_db()
    assert a.status == "returned" and a.published_at is None
    assert list(a.events.filter(type__in=["withdrawn", "reopened"]).values_list("type", flat=True)) == [
        "withdrawn", "reopened"]
    for url in public_urls(region().pk, a.pk):
        assert Client().get(url).status_code == 404
    assert a.project.name not in Client().get(reverse("public_region", args=[region().pk])).content.decode()


def test_publish_refused_for_unapproved_forms_and_users_out_of_scope(demo):
    bureau = User.objects.get(username="czj_reviewer")
    draft = Assessment.objects.exclude(status="approved").filter(department__region__isnull=False).first()
    with pytest.raises(IllegalTransition):
        publication_services.assessment_publish(assessment=draft, user=bureau)
    approved = sjz_forms().filter(status="approved").first()
    for name in ("jiangmen_reviewer", "shijiazhuang"):  # another region's reviewer; the form's own filler
        with pytest.raises(AccessDenied):
            publication_services.assessment_publish(assessment=approved, user=User.objects.get(username=name))
    approved.refresh_from_db()
    assert approved.published_at is None
    assert not AssessmentEvent.objects.filter(type="published").exists()
    # Through the page: the filler sees no button and a forged POST changes nothing.
    filler = signed_in("shijiazhuang")
    assert "在信息公开页面公开" not in filler.get(reverse("assessment_detail", args=[approved.pk])).content.decode()
    filler.post(reverse("assessment_publication", args=[approved.pk, "publish"]))
    approved.refresh_from_db()
    assert approved.published_at is None
    # Out of scope altogether: 404.
    other = signed_in("jiangmen_reviewer")
    assert other.post(reverse("assessment_publication", args=[approved.pk, "publish"])).status_code == 404


def test_publish_and_withdraw_are_logged_once(demo):
    bureau = User.objects.get(username="czj_reviewer")
    a = sjz_forms().filter(status="approved").first()
    publication_services.assessment_publish(assessment=a, user=bureau)
    publication_services.assessment_publish(assessment=a, user=bureau)  # already published: nothing new
    records.assessment_withdraw(assessment=a, user=bureau, reason="数据复核")
    assert list(a.events.filter(type__in=["published", "withdrawn"]).values_list("type", "comment")) == [
        ("published", "在信息公开页面公开"), ("withdrawn", "数据复核")]


def test_rate_limit_answers_429(published, settings):
    settings.PUBLIC_RATE_LIMITS = {"page": (3, 60), "file": (1, 60)}
    url = reverse("public_region", args=[region().pk])
    client = Client()
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get(url)
    assert limited.status_code == 429 and "请求过于频繁" in limited.content.decode()
    assert "public" not in limited.get("Cache-Control", "")
    # Another address is not affected.
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_list_page_costs_one_query_once_rendered_and_few_when_not(published):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("public_region", args=[region().pk])
    client = Client()
    with CaptureQueriesContext(connection) as first:
        etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as conditional:
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # version, region, filter choices, count, page; then only the version.
    assert len(first) <= 5 and len(again) == 1 and len(conditional) == 1


def test_department_form_offers_its_report_in_word(published):
    import io

    from docx import Document

    shown, _hidden = published
    department_form = sjz_forms().get(kind=Assessment.Kind.DEPARTMENT, status="approved")
    publication_services.assessment_publish(assessment=department_form, user=User.objects.get(username="czj_reviewer"))
    client = Client()
    html = client.get(reverse("public_region", args=[region().pk])).content.decode()
    word = reverse("public_form_docx", args=[region().pk, department_form.pk])
    assert word in html and "自评报告（Word）" in html
    response = client.get(word)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "石家庄市总工会" in text or any("石家庄市总工会" in c.text for t in Document(io.BytesIO(
        response.content)).tables for r in t.rows for c in r.cells)
    # A project form has no 自评报告: no link, and the address is a 404.
    assert reverse("public_form_docx", args=[region().pk, shown[0].pk]) not in html
    assert client.get(reverse("public_form_docx", args=[region().pk, shown[0].pk])).status_code == 404


@pytest.mark.parametrize("value", ["²", "١٢", "abc", "9" * 25, "-1", "2024²", "\x00"])
def test_unreadable_filters_are_ignored_never_a_server_error(published, value):
    client = Client()
    for key in ("year", "department", "page", "q"):
        assert client.get(reverse("public_region", args=[region().pk]), {key: value}).status_code == 200
    bureau = signed_in("czj_reviewer")
    for key in ("year", "kind", "status"):
        assert bureau.get(reverse("summary"), {key: value}).status_code == 200, (key, value)
    assert bureau.get(reverse("summary"), {"department": value}).status_code == 404
