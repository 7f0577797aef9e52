"""The bureau's summary tables: rows from the cached figures, totals in Decimal, Excel and PDF."""
import io
import subprocess
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.core import access, selectors
from assessments.domain import rules
from assessments.publication import summaries
from assessments.core import records
from assessments.models import Assessment, Department, Indicator
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db
PROJECT = Assessment.Kind.PROJECT


def sjz_projects():
    return Assessment.objects.filter(department__name="石家庄市总工会", kind=PROJECT, fiscal_year__year=2023)


def test_rows_are_the_forms_own_figures_and_missed_indicators(demo):
    bureau = User.objects.get(username="czj_reviewer")
    summary = summaries.build_summary(user=bureau, year=2023, kind=PROJECT)
    assert {r.project for r in summary.rows} == set(sjz_projects().values_list("project__name", flat=True))
    for row in summary.rows:
        a = selectors.assessment_queryset().get(pk=row.pk)
        document = selectors.assessment_document(assessment=a)
        evaluation = rules.evaluate(document.form(), a.rules_scheme())
        assert (row.budget, row.executed) == rules.budget_totals(document.form())
        assert row.rate == evaluation.execution_rate and row.grade == (evaluation.grade or "")
        expected = [(i.name, i.reason) for i, result in zip(document.indicators, evaluation.indicators)
                    if rules.target_missed(result)]
        assert [(m.name, m.reason) for m in row.missed] == expected
    assert summary.total.count == len(summary.rows) == 6
    assert summary.total.budget == sum(r.budget for r in summary.rows)
    assert summary.total.rate == rules.execution_rate(summary.total.executed, summary.total.budget)
    assert sum(t.count for t in summary.by_grade) == sum(t.count for t in summary.by_department) == 6


def test_scope_one_department_and_foreign_department(demo):
    other = User.objects.get(username="jiangmen_reviewer")
    assert summaries.build_summary(user=other, year=2023, kind=PROJECT).rows == []
    bureau = signed_in("czj_reviewer")
    sjz = Department.objects.get(name="石家庄市总工会")
    page = bureau.get(reverse("summary"), {"year": 2023, "kind": PROJECT, "department": sjz.pk})
    assert page.status_code == 200 and "专项业务培训费" in page.content.decode()
    jiangmen = signed_in("jiangmen_reviewer")
    assert jiangmen.get(reverse("summary"), {"year": 2023, "department": sjz.pk}).status_code == 404
    assert "专项业务培训费" not in jiangmen.get(reverse("summary"), {"year": 2023}).content.decode()


def test_excel_columns_sum_to_the_totals_row(demo):
    bureau = signed_in("czj_reviewer")
    response = bureau.get(reverse("summary_download", args=["xlsx"]), {"year": 2023, "kind": PROJECT})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["汇总表"]
    header = [c.value for c in ws[3]]
    budget_col, executed_col = header.index("预算数（万元）") + 1, header.index("执行数（万元）") + 1
    rate_col = header.index("执行率（%）") + 1
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert total[0] == "合计" and len(body) == 6
    for col in (budget_col, executed_col):
        assert all(isinstance(r[col - 1], (int, float)) for r in body)  # numbers, not text
        assert round(sum(Decimal(str(r[col - 1])) for r in body), 2) == round(Decimal(str(total[col - 1])), 2)
    assert ws.cell(row=4, column=budget_col).number_format == "#,##0.00"
    assert Decimal(str(total[rate_col - 1])) == rules.execution_rate(
        Decimal(str(total[executed_col - 1])), Decimal(str(total[budget_col - 1])))
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    for name in ("按部门汇总", "按等级汇总"):
        sheet = wb[name]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        body, total = rows[:-1], rows[-1]
        for col in (1, 2, 3, 6):  # 表数, 预算数, 执行数, 未完成指标数
            assert round(sum(Decimal(str(r[col])) for r in body), 2) == round(Decimal(str(total[col])), 2)


def test_pdf_summary_prints_through_the_forms_layout(demo, tmp_path):
    bureau = signed_in("czj_reviewer")
    response = bureau.get(reverse("summary_download", args=["pdf"]), {"year": 2023, "kind": PROJECT})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "2023年度项目支出绩效自评结果汇总表" in text
    assert "专项业务培训费" in text and "按部门汇总" in text and "按等级汇总" in text and "合计" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts


def test_department_summary(demo):
    bureau = signed_in("czj_reviewer")
    page = bureau.get(reverse("summary"), {"year": 2023, "kind": Assessment.Kind.DEPARTMENT, "status": "all"})
    html = page.content.decode()
    assert "部门整体绩效自评结果汇总表" in html and "石家庄市总工会" in html and "苏州市总工会" in html


def test_query_count_is_flat_as_forms_grow(django_user_model):
    call_command("fill_province", "--supervisors", "2", "--units", "3", "--assessments", "60", stdout=StringIO())
    few, many = django_user_model.objects.get(username="r01"), django_user_model.objects.get(username="czt")
    year = 2024
    counts = []
    for user in (few, many):
        access.scope_for(user)  # the user's scope is read once per request, before any page
        with CaptureQueriesContext(connection) as queries:
            summary = summaries.build_summary(user=user, year=year, kind=PROJECT, status=summaries.STATUS_ALL)
        counts.append((len(queries), len(summary.rows)))
    (few_queries, few_rows), (many_queries, many_rows) = counts
    assert many_rows > few_rows * 1.5
    assert few_queries == many_queries == 2  # the forms, and their missed indicators
    assert sum(len(r.missed) for r in summary.rows) == Indicator.objects.filter(
        missed=True, assessment__kind=PROJECT).count() > 0


def test_cached_figures_of_fill_province_are_the_services_own():
    call_command("fill_province", "--supervisors", "1", "--units", "2", "--assessments", "8", stdout=StringIO())
    for form in Assessment.objects.filter(kind=PROJECT):
        cached = (form.budget_amount, form.executed_amount,
                  sorted(form.indicators.filter(missed=True).values_list("pk", flat=True)))
        records.assessment_recompute(assessment=form)
        form.refresh_from_db()
        assert cached == (form.budget_amount, form.executed_amount,
                          sorted(form.indicators.filter(missed=True).values_list("pk", flat=True)))


def test_migration_fills_the_new_cached_figures_of_stored_forms(demo):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("assessments.migrations.0009_publish_figures_and_publication")
    expected = {a.pk: (a.budget_amount, a.executed_amount) for a in Assessment.objects.all()}
    missed = set(Indicator.objects.filter(missed=True).values_list("pk", flat=True))
    assert any(v[0] is not None for v in expected.values())
    Assessment.objects.update(budget_amount=None, executed_amount=None)
    Indicator.objects.update(missed=False)
    migration.fill_cached_figures(apps, None)
    assert {a.pk: (a.budget_amount, a.executed_amount) for a in Assessment.objects.all()} == expected
    assert set(Indicator.objects.filter(missed=True).values_list("pk", flat=True)) == missed
