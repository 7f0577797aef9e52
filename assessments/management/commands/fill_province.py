"""Fill the database with a province-sized year, for the load benchmark (bench/bench_load.py).

30 主管部门 with 9 units each (300 departments), a 填报人 per department, a reviewer per 主管部门
and a finance-bureau reviewer over all of them; 10,000 assessments (a 部门整体支出绩效自评表 per
主管部门, the rest 项目支出绩效自评表) with budget lines and 20 indicators each (200,000 rows), in
every status. Cached figures are computed by rules.evaluate, as the app does. Rows are written in
bulk, so the whole year takes a minute or two on PostgreSQL.
"""
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments import rules, services
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BudgetLine,
    Department,
    FiscalYear,
    Indicator,
    Membership,
    Project,
    Region,
    ScoringScheme,
)

REGION = "基准测试省"
PREFIX = "基准"
ROWS = [  # (一级, 二级, 三级, target template, actual template)
    ("产出指标", "数量指标", "培训人次", "≥{n}人次", "{m}人次"),
    ("产出指标", "数量指标", "覆盖单位数", "≥{n}个", "{m}个"),
    ("产出指标", "数量指标", "完成项目数", "={n}个", "{m}个"),
    ("产出指标", "质量指标", "验收合格率", "=100%", "100%"),
    ("产出指标", "质量指标", "资料归档完整率", "≥95%", "{p}%"),
    ("产出指标", "质量指标", "服务规范性", "规范", "规范"),
    ("产出指标", "时效指标", "资金拨付及时率", "=100%", "100%"),
    ("产出指标", "时效指标", "完成时限", "≤{d}天", "{e}天"),
    ("产出指标", "成本指标", "人均培训成本", "≤{c}元", "{k}元"),
    ("产出指标", "成本指标", "预算控制率", "≤100%", "{q}%"),
    ("效益指标", "社会效益指标", "职工技能提升", "提升", "提升"),
    ("效益指标", "社会效益指标", "社会影响力", "扩大", "扩大"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "{p}%"),
    ("效益指标", "经济效益指标", "带动就业人数", "≥{n}人", "{m}人"),
    ("效益指标", "可持续影响指标", "长效机制健全性", "健全", "健全"),
    ("效益指标", "可持续影响指标", "成果持续使用年限", "≥3年", "3年"),
    ("效益指标", "生态效益指标", "节能降耗", "有效", "有效"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "{p}%"),
    ("满意度指标", "服务对象满意度指标", "受益单位满意度", "≥90%", "{p}%"),
    ("满意度指标", "服务对象满意度指标", "社会公众满意度", "≥85%", "{p}%"),
]
WEIGHTS = [Decimal(w) for w in ("5", "5", "5", "5", "5", "5", "5", "5", "5", "5",  # 产出 50, 效益 30, 满意度 10
                                "6", "6", "6", "3", "3", "3", "3", "4", "3", "3")]
STATUSES = ([Assessment.Status.DRAFT] * 10 + [Assessment.Status.SUBMITTED] * 4 + [Assessment.Status.RETURNED]
            + [Assessment.Status.APPROVED] * 5)


class Command(BaseCommand):
    help = "生成一个省规模的年度数据（部门、账号、自评表和指标），用于负载基准测试。"

    def add_arguments(self, parser):
        parser.add_argument("--supervisors", type=int, default=30, help="主管部门数（每个另有 --units 个下属单位）")
        parser.add_argument("--units", type=int, default=9)
        parser.add_argument("--assessments", type=int, default=10_000)
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="bench-load-2024")

    def handle(self, *args, supervisors, units, assessments, year, seed, password, **options):
        rng = random.Random(seed)
        if Department.objects.filter(name__startswith=PREFIX).exists():
            raise CommandError("已有基准测试数据；请用新的空数据库")
        scheme = {s.key: s for s in ScoringScheme.objects.all()}
        with transaction.atomic():
            region = Region.objects.create(name=REGION, project_scheme=scheme["national-2020"],
                                           department_scheme=scheme["jiangsu-department"],
                                           targets_scheme=scheme["department-unscored"])
            fiscal_year, _ = FiscalYear.objects.get_or_create(year=year)
            heads = Department.objects.bulk_create(
                [Department(name=f"{PREFIX}第{i + 1:02d}厅", region=region) for i in range(supervisors)])
            below = Department.objects.bulk_create([
                Department(name=f"{PREFIX}第{i + 1:02d}厅第{j + 1}单位", region=region, parent=head)
                for i, head in enumerate(heads) for j in range(units)])
            departments = heads + below
            users = self._users(heads, below, password)
            self._assessments(rng, departments, heads, fiscal_year, scheme, assessments)
        self.stdout.write(f"部门 {len(departments)}、账号 {users}、自评表 {Assessment.objects.filter(fiscal_year=fiscal_year, department__region=region).count()}、"
                          f"指标 {Indicator.objects.filter(assessment__department__region=region).count()}；"
                          f"账号 f0001…（填报人）、r01…（主管部门审核人）、czt（财政厅审核人），密码 {password}")

    def _users(self, heads, below, password):
        User = get_user_model()
        hashed = make_password(password)  # one hash for all: hashing 330 passwords would take a minute
        fillers = [User(username=f"f{i + 1:04d}", first_name=f"填报人{i + 1}", password=hashed)
                   for i in range(len(heads) + len(below))]
        reviewers = [User(username=f"r{i + 1:02d}", first_name=f"审核人{i + 1}", password=hashed) for i in range(len(heads))]
        bureau = User(username="czt", first_name="财政厅审核人", password=hashed)
        User.objects.bulk_create(fillers + reviewers + [bureau])
        fillers = list(User.objects.filter(username__in=[u.username for u in fillers]).order_by("username"))
        reviewers = list(User.objects.filter(username__in=[u.username for u in reviewers]).order_by("username"))
        bureau = User.objects.get(username="czt")
        memberships = [Membership(user=u, department=d, role=Membership.Role.FILLER)
                       for u, d in zip(fillers, heads + below)]
        memberships += [Membership(user=u, department=d, role=Membership.Role.REVIEWER) for u, d in zip(reviewers, heads)]
        memberships += [Membership(user=bureau, department=d, role=Membership.Role.REVIEWER) for d in heads]
        Membership.objects.bulk_create(memberships)
        return len(fillers) + len(reviewers) + 1

    def _assessments(self, rng, departments, heads, fiscal_year, scheme, count):
        project_scheme, department_scheme = scheme["national-2020"], scheme["jiangsu-department"]
        per_department = max(1, -(-(count - len(heads)) // len(departments)))  # ceil, then cut to count
        projects = Project.objects.bulk_create([
            Project(department=d, name=f"{d.name}专项{k + 1:02d}", implementing_unit=d.name)
            for d in departments for k in range(per_department)][: count - len(heads)])
        forms = [Assessment(kind=Assessment.Kind.DEPARTMENT, fiscal_year=fiscal_year, department=d,
                            scheme=department_scheme, status=rng.choice(STATUSES)) for d in heads]
        forms += [Assessment(kind=Assessment.Kind.PROJECT, fiscal_year=fiscal_year, department=p.department,
                             project=p, scheme=project_scheme, status=rng.choice(STATUSES),
                             goal_expected="按计划完成年度任务", goal_achieved="已完成") for p in projects]
        batch = 1000
        for start in range(0, len(forms), batch):
            chunk = Assessment.objects.bulk_create(forms[start:start + batch])
            lines, indicators = [], []
            for a in chunk:
                budget = Decimal(rng.randrange(20, 2000))
                executed = (budget * Decimal(rng.randrange(80, 101)) / 100).quantize(Decimal("0.01"))
                lines.append(BudgetLine(assessment=a, order=0, line=rules.LINE_TOTAL, initial=budget, adjusted=budget,
                                        executed=executed))
                lines.append(BudgetLine(assessment=a, order=1, line=rules.LINE_APPROPRIATION, initial=budget,
                                        adjusted=budget, executed=executed))
                for i, (l1, l2, name, target, actual) in enumerate(ROWS):
                    n = rng.randrange(10, 500)
                    values = {"n": n, "m": n + rng.randrange(-2, 5), "p": rng.randrange(88, 101),
                              "d": 30, "e": rng.randrange(20, 35), "c": 500, "k": rng.randrange(400, 520),
                              "q": rng.randrange(90, 101)}
                    indicator = Indicator(
                        assessment=a, order=i, level1=l1, level2=l2, name=name, target_text=target.format(**values),
                        actual_text=actual.format(**values), weight=WEIGHTS[i] if a.kind == Assessment.Kind.PROJECT else None,
                        reason="受客观因素影响，略有偏差" if rng.random() < 0.3 else "",
                    )
                    indicator.store_parsed()
                    indicators.append(indicator)
            BudgetLine.objects.bulk_create(lines)
            Indicator.objects.bulk_create(indicators, batch_size=5000)
            self._figures(chunk, lines, indicators)
            self._timeline(rng, chunk)
            self.stdout.write(f"  {start + len(chunk)}/{len(forms)}")

    def _timeline(self, rng, chunk):
        """The events a form in that status would have: saves, then submission and the review."""
        events = []
        for a in chunk:
            types = [AssessmentEvent.Type.CREATED] + [AssessmentEvent.Type.SAVED] * rng.randrange(2, 8)
            if a.status != Assessment.Status.DRAFT:
                types.append(AssessmentEvent.Type.SUBMITTED)
            if a.status == Assessment.Status.RETURNED:
                types.append(AssessmentEvent.Type.RETURNED)
            if a.status == Assessment.Status.APPROVED:
                types.append(AssessmentEvent.Type.APPROVED)
            events += [AssessmentEvent(assessment=a, type=t, data={"step": "indicators"}) for t in types]
        AssessmentEvent.objects.bulk_create(events, batch_size=5000)

    def _figures(self, chunk, lines, indicators):
        """The cached figures, from the one computation module, as assessment_recompute stores them."""
        by_form = {a.pk: ([], []) for a in chunk}
        for line in lines:
            by_form[line.assessment_id][0].append(rules.BudgetRow(
                line=line.line, initial=line.initial, adjusted=line.adjusted, executed=line.executed))
        for i in indicators:
            by_form[i.assessment_id][1].append(rules.IndicatorRow(
                level1=i.level1, level2=i.level2, name=i.name, target=i.target_text, actual=i.actual_text,
                weight=i.weight, reason=i.reason))
        by_indicator = {}
        for i in indicators:
            by_indicator.setdefault(i.assessment_id, []).append(i)
        missed = []
        for a in chunk:
            budget, rows = by_form[a.pk]
            form = rules.Form(kind=a.kind, budget=budget, indicators=rows)
            figures, flags = services.cached_figures(form, rules.evaluate(form, a.scheme.as_rules()))
            for name, value in figures.items():
                setattr(a, name, value)
            missed += [i.pk for i, flag in zip(by_indicator.get(a.pk, []), flags) if flag]
        Assessment.objects.bulk_update(chunk, list(figures))
        for start in range(0, len(missed), 5000):
            Indicator.objects.filter(pk__in=missed[start:start + 5000]).update(missed=True)
