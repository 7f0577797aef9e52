"""Numbers read from a query string or a form: '²' passes str.isdigit() but not int(), and ids
beyond 64 bits overflow PostgreSQL's bigint. Each is ignored or a message, never a server error."""
import pytest
from django.urls import reverse

from assessments.models import Assessment, Department
from assessments.core.params import int_param
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

BAD = ["²", "١٢", "abc", "9" * 25, "-1", "0", " 12", "1e3", "", "2024²"]
LIST_PAGES = ["home", "review_desk", "notifications", "batch_exports"]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_ignore_unreadable_numbers(demo, name):
    client = signed_in("jiangmen_reviewer")
    for key in ("year", "department", "page", "status", "kind"):
        for value in BAD:
            response = client.get(reverse(name), {key: value})
            assert response.status_code == 200, (key, value)


def test_an_unreadable_department_filter_shows_everything_and_a_good_one_filters(demo):
    client = signed_in("jiangmen_reviewer")
    everything = client.get(reverse("review_desk")).context["page"].paginator.count
    assert everything > 0
    for value in ("²", "9" * 25, "abc"):
        assert client.get(reverse("review_desk"), {"department": value}).context["page"].paginator.count == everything
    department = Assessment.objects.filter(department__name__contains="江门").first().department
    filtered = client.get(reverse("review_desk"), {"department": str(department.pk)}).context["page"].paginator.count
    assert 0 < filtered <= everything


@pytest.mark.parametrize("value", ["²", "9" * 25, "abc", "2024²"])
def test_the_year_filter_on_the_home_page_ignores_unreadable_years(demo, value):
    client = signed_in("xinzhou")
    assert client.get(reverse("home"), {"year": value}).status_code == 200


@pytest.mark.parametrize("field,value", [("department", "²"), ("department", "9" * 25), ("department", "abc"),
                                         ("year", "²"), ("year", "9" * 25)])
def test_a_new_form_with_an_unreadable_department_or_year_is_a_message(demo, field, value):
    client = signed_in("xinzhou")
    department = Department.objects.get(name="武汉市新洲区总工会")
    post = {"kind": "project_self_assessment", "department": department.pk, "year": "2024", "project_name": "测试"}
    post[field] = value
    response = client.post(reverse("assessment_new"), post)
    assert response.status_code == 200
    assert ("请选择部门" if field == "department" else "年度应为") in response.content.decode()


@pytest.mark.parametrize("field,value", [("department", "²"), ("department", "9" * 25), ("department", "abc"),
                                         ("year", "²"), ("year", "9" * 25)])
def test_a_batch_export_with_an_unreadable_department_or_year_is_refused(demo, field, value):
    client = signed_in("shijiazhuang")
    post = {"year": "2023", "format": "pdf", field: value}
    response = client.post(reverse("batch_exports"), post)
    assert response.status_code in (400, 404)


@pytest.mark.parametrize("version", ["²", "9" * 25, "abc"])
def test_a_save_with_an_unreadable_version_is_not_a_server_error(demo, version):
    client = signed_in("xinzhou")
    assessment = Assessment.objects.filter(department__name="武汉市新洲区总工会", status="draft").first()
    response = client.post(reverse("assessment_step", args=[assessment.pk, "goals"]) if assessment.kind ==
                           "project_self_assessment" else reverse("assessment_step", args=[assessment.pk, "basic"]),
                           {"version": version, "action": "stay"})
    assert response.status_code in (302, 409)


def test_the_helper_reads_only_plain_ascii_digits_in_range():
    assert int_param("12") == 12
    assert int_param("²") is None and int_param("١٢") is None and int_param(" 12") is None
    assert int_param("9" * 25) is None and int_param("0") is None and int_param("-1") is None
    assert int_param(None) is None and int_param("2024", low=2000, high=2100) == 2024
    assert int_param("1999", low=2000, high=2100) is None


def test_the_public_region_page_ignores_unreadable_numbers(demo):
    from django.test import Client

    from assessments.models import Region

    region = Region.objects.order_by("pk").first()
    anonymous = Client()
    for key in ("year", "department", "page"):
        for value in BAD:
            response = anonymous.get(reverse("public_region", args=[region.pk]), {key: value})
            assert response.status_code == 200, (key, value)
