"""The pages a new user sees after `make run`: sign-in, the scoped list, an assessment's figures."""

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests.helpers import DEMO_PASSWORDS

pytestmark = pytest.mark.django_db


def login(client, username):
    """Sign in through the sign-in page itself, as a demo user."""
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORDS[username]})
    assert response.status_code == 302, response.content.decode()[:500]


def test_anonymous_users_are_sent_to_the_chinese_sign_in_page(client):
    response = client.get(reverse("home"), follow=True)
    assert "登录" in response.content.decode()
    bad = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()


def test_a_filler_sees_only_their_department(client, demo):
    login(client, "xinzhou")
    page = client.get(reverse("home")).content.decode()
    assert "困难职工帮扶" in page and "武汉市新洲区总工会" in page
    assert "苏州市总工会" not in page and "专项业务培训费" not in page


def test_another_departments_assessment_is_a_404_for_every_view(client, demo):
    login(client, "xinzhou")
    foreign = Assessment.objects.get(project__name="专项业务培训费")
    for name in ("assessment_detail", "assessment_export_json", "assessment_print_preview"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    for fmt in ("pdf", "xlsx"):
        assert client.get(reverse("assessment_download", args=[foreign.pk, fmt])).status_code == 404


def test_the_detail_page_shows_the_computed_figures(client, demo):
    login(client, "shijiazhuang")
    assessment = Assessment.objects.get(project__name="专项业务培训费")
    page = client.get(reverse("assessment_detail", args=[assessment.pk])).content.decode()
    for figure in ("83.47%", "8.35", "98.35", "优秀"):
        assert figure in page
    data = client.get(reverse("assessment_export_json", args=[assessment.pk])).json()
    assert data["computed"]["total"] == "98.35"


def test_a_reviewer_sees_the_supervised_units_but_not_other_departments(client, demo):
    login(client, "jiangmen_reviewer")
    page = client.get(reverse("home")).content.decode()
    assert "江门市工人文化宫" in page and "江门市总工会" in page
    assert "苏州市总工会" not in page
    suzhou = Assessment.objects.get(department__name="苏州市总工会")
    assert client.get(reverse("assessment_detail", args=[suzhou.pk])).status_code == 404


def test_amounts_print_in_wan_yuan_with_two_decimals_and_official_labels(client, demo):
    login(client, "shijiazhuang")
    assessment = Assessment.objects.get(project__name="专项业务培训费")
    page = client.get(reverse("assessment_detail", args=[assessment.pk])).content.decode()
    assert "年度资金总额" in page and ">8.70<" in page and ">10.42<" in page
    assert "8.697600" not in page


def test_downloads_in_the_page_give_the_pdf_and_the_excel_file(client, demo):
    login(client, "xinzhou")
    assessment = Assessment.objects.get(project__name="困难职工帮扶")
    page = client.get(reverse("assessment_detail", args=[assessment.pk])).content.decode()
    pdf_url = reverse("assessment_download", args=[assessment.pk, "pdf"])
    assert pdf_url in page
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("assessment_download", args=[assessment.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    preview = client.get(reverse("assessment_print_preview", args=[assessment.pk])).content.decode()
    assert "2023年度困难职工帮扶项目自评表" in preview and ">100%<" in preview
    assert client.get(reverse("assessment_download", args=[assessment.pk, "exe"])).status_code == 404
