"""One figure, one text: the grade of a 石家庄 form on detail, desk and PDF; 得分率 as published;
and which rows are empty, judged by the server for the page (domain/rows.py)."""
import json
import subprocess

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from assessments.core import selectors
from assessments.domain import interchange, rows
from assessments.exchange import services as exchange_services
from assessments.models import Assessment
from assessments.publication import summaries
from tests.conftest import EXAMPLES
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def shijiazhuang_form(name, first_actual):
    """The 石家庄 培训 example (weights 10 + 50 + 30 + 10) with its first indicator's actual changed."""
    data = json.loads((EXAMPLES / "shijiazhuang-peixun-2023.json").read_text(encoding="utf-8"))
    data["project"]["name"] = name
    data["indicators"][0]["actual"] = first_actual
    document, errors = interchange.parse_document(data, schemes=selectors.scheme_map())
    assert not errors, errors
    return exchange_services.assessment_import(document=document)


def pdf_text(client, assessment):
    response = client.get(reverse("assessment_download", args=[assessment.pk, "pdf"]))
    assert response.status_code == 200
    return subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True,
                          check=True).stdout.decode()


@pytest.mark.parametrize("actual, total, grade", [
    # 8.35 for execution (83.47%) + 50 × actual + 30 + 10. Nationally 88.35 would be 良 and 78.35 中.
    ("80%", "88.35", "优秀"), ("60%", "78.35", "良好"), ("54%", "75.35", "良好"), ("53%", "74.85", "一般"),
])
def test_a_shijiazhuang_grade_reads_the_same_on_detail_desk_and_pdf(demo, actual, total, grade):
    form = shijiazhuang_form(f"评分档次 {actual}", actual)
    assert (str(form.total_score), form.grade) == (total, grade)
    reviewer = signed_in("czj_reviewer")

    detail = reviewer.get(reverse("assessment_detail", args=[form.pk])).content.decode()
    figures = detail.split('class="figures"')[1].split("</section>")[0]
    assert f"<strong>{total}</strong>" in figures and f"<strong>{grade}</strong>" in figures

    desk = reviewer.get(reverse("review_desk")).content.decode()
    row = desk.split(reverse("assessment_detail", args=[form.pk]))[1].split("</tr>")[0]
    assert f'<td class="num">{total}</td><td>{grade}</td>' in row

    assert f"评价等级：{grade}" in pdf_text(reviewer, form).replace(" ", "")


def test_the_detail_page_prints_score_rates_as_published_never_none_or_a_trailing_zero(demo):
    form = Assessment.objects.get(department__name="武汉市新洲区总工会", kind=Assessment.Kind.DEPARTMENT)
    reviewer = signed_in("czj_reviewer")
    page = reviewer.get(reverse("assessment_detail", args=[form.pk])).content.decode()
    table = page.split(">评分结果</h2>")[1].split("</table>")[0]
    for rate in ("88.8%", "80.3%", "95.5%", "95%"):
        assert f'<td class="num">{rate}</td>' in table, rate
    assert "95.0%" not in table and "None" not in page


def test_the_server_tells_the_page_which_posted_rows_are_empty(demo):
    form = shijiazhuang_form("空行", "100%")
    filler = signed_in("shijiazhuang")
    posted = {"level1": ["产出指标", "", "效益指标", ""], "level2": ["数量指标", "", "", ""],
              "name": ["完成任务数量", "", "生活质量", "  "], "target": ["100%", "", "提高", ""],
              "actual": ["90%", "", "提高", ""], "weight": ["50", "", "30", ""],
              "band": ["", "achieved", "", "partial"], "share": ["", "", "", ""], "reason": ["", "", "", ""],
              "source": ["", "", "", ""]}
    response = filler.post(reverse("assessment_live", args=[form.pk, "indicators"]), posted)
    assert response.status_code == 200
    data = response.json()
    # Rows 2 and 4 hold only a preset choice (band) or spaces: empty, as the save will judge them.
    assert data["posted"] == [0, None, 1, None]
    assert len(data["rows"]) == 2 and data["rows"][0]["score"] == "45.00"
    for i, expected in enumerate([False, True, False, True]):
        values = {column: texts[i] for column, texts in posted.items()}
        assert rows.is_empty(values) is expected


def test_the_summary_lists_grades_in_the_order_of_the_forms_own_scale(demo):
    for actual in ("80%", "60%", "53%"):  # 优秀, 良好, 一般 on the 石家庄 scale
        shijiazhuang_form(f"汇总 {actual}", actual)
    summary = summaries.build_summary(user=User.objects.get(username="czj_reviewer"), year=2023,
                                      kind=Assessment.Kind.PROJECT, status=summaries.STATUS_ALL)
    labels = [t.label for t in summary.by_grade]
    assert [label for label in labels if label in ("优秀", "良好", "一般")] == ["优秀", "良好", "一般"]
