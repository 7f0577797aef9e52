"""Fill the database with a province-sized fiscal year, for the load benchmark (bench/bench_load.py).

    python manage.py fill_province [--departments 300] [--assessments 10000] [--indicators 200000]
                                   [--year 2024] [--seed 1] [--force]

Organisation (made once, reused by later years): a region, 主管部门 with 9 units each (300
departments = 30 × (1 + 9)), a 填报人 per department (f0001…), a reviewer per 主管部门 (r01…, who
sees it and its units) and a finance-bureau reviewer over all of them (czt), all with one known
password. The year: a 部门整体支出绩效自评表 (F2) and a 部门整体预算绩效目标表 (F3) for each
主管部门, the rest 项目支出绩效自评表 (F1) spread evenly over the departments; every form with its
budget lines and ``--indicators / --assessments`` (20) indicator rows in the usual three levels,
targets in the printed grammar rules.parse_target reads (≥95%, =100%, ≤10天, 好 …); statuses
draft / submitted / returned / approved with the timeline (and the reviewers' comments and the
approved or returned snapshot) those statuses have. A form past the draft stage has its problems
resolved (reasons, bands), as submission requires.

The cached figures on Assessment come from the app's own computation: each form's document is
built by selectors.assessment_document from the rows in memory and scored by rules.evaluate, as
records.assessment_recompute does, then written with bulk_update. Rows are written with
bulk_create in batches of 1,000 forms, so a province takes about a minute on PostgreSQL.

The year must have no assessments yet; --force first deletes the forms this command made for
that year (and everything hanging off them), keeping departments, users and projects.
"""
import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from assessments.domain import figures, interchange, library, rules
from assessments.core import selectors
from assessments.core import records
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BudgetLine,
    Comment,
    ComponentScore,
    Department,
    FiscalYear,
    Indicator,
    KeyTask,
    Membership,
    Project,
    Region,
    ReportSection,
    ScoringScheme,
)

REGION = "基准测试省"
PREFIX = "基准"
PASSWORD = "bench-load-2024"
BATCH = 1000
UNITS_PER_SUPERVISOR = 9

# F1 rows: (一级, 二级, 三级, printed target; {n} is a count drawn per form). Interleaved by 一级
# so that any first few rows cover all three groups and the weights can add up.
PROJECT_ROWS = [
    ("产出指标", "数量指标", "培训人次", "≥{n}人次"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%"),
    ("产出指标", "质量指标", "验收合格率", "=100%"),
    ("效益指标", "社会效益指标", "职工技能提升", "提升"),
    ("满意度指标", "服务对象满意度指标", "受益单位满意度", "≥95%"),
    ("产出指标", "时效指标", "资金拨付及时率", "=100%"),
    ("效益指标", "社会效益指标", "群众评价", "好"),
    ("满意度指标", "服务对象满意度指标", "社会公众满意度", "≥85%"),
    ("产出指标", "时效指标", "完成时限", "≤{d}天"),
    ("效益指标", "经济效益指标", "带动就业人数", "≥{n}人"),
    ("产出指标", "数量指标", "覆盖单位数", "≥{n}个"),
    ("效益指标", "可持续影响指标", "长效机制健全性", "健全"),
    ("产出指标", "质量指标", "资料归档完整率", "≥95%"),
    ("效益指标", "可持续影响指标", "成果持续使用年限", "≥3年"),
    ("产出指标", "成本指标", "人均培训成本", "≤{c}元"),
    ("效益指标", "生态效益指标", "节能降耗", "有效"),
    ("产出指标", "数量指标", "完成项目数", "={k}个"),
    ("产出指标", "质量指标", "服务规范性", "规范"),
    ("产出指标", "成本指标", "预算控制率", "≤100%"),
]
PROJECT_GROUP_WEIGHTS = {"产出指标": Decimal(50), "效益指标": Decimal(30), "满意度指标": Decimal(10)}
# F2 and F3 rows: the 决策/过程/满意度 rows of the 苏州 and 无锡 tables, plus 履职 rows.
DEPARTMENT_ROWS = [(l1, l2, name, target) for l1, l2, name, target in library.DEPARTMENT_COMMON] + [
    ("产出", "履职目标", "重点工作完成率", "≥95%"), ("产出", "履职目标", "服务职工人次", "≥{n}人次"),
    ("效果", "社会效益", "职工群众获得感", "好"), ("效果", "可持续影响", "工作机制长效性", "长效"),
]
SHORTFALL = {"好": "较好", "提升": "有所提升", "健全": "基本健全", "规范": "基本规范", "有效": "基本有效",
             "长效": "基本长效", "合理": "基本合理", "明确": "基本明确", "完善": "基本完善"}
REASON = "受客观因素影响略有偏差，下一年度加强过程监控，按月跟踪完成进度。"
# Half drafts, a fifth waiting for review, a few returned, a quarter approved.
STATUSES = ([Assessment.Status.DRAFT] * 10 + [Assessment.Status.SUBMITTED] * 4 + [Assessment.Status.RETURNED]
            + [Assessment.Status.APPROVED] * 5)
REPORT_TITLES = ["一、部门基本情况", "二、年度履职目标完成情况", "三、部门预算及执行情况",
                 "四、部门整体支出绩效实现情况", "五、存在问题及改进措施", "六、绩效自评结果拟应用和公开情况"]
TZ = ZoneInfo("Asia/Shanghai")


@contextmanager
def explicit_timestamps(*fields):
    """Let bulk_create keep the times given (forms filled over weeks, not all in this second)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def split3(amount):
    """Three parts of an amount that add up to it exactly (the per-project rows of an F2)."""
    part = (amount * Decimal("0.3")).quantize(Decimal("0.01"))
    return [part, part, amount - 2 * part]


def cached(model, rows):
    """A queryset that holds ``rows`` as if prefetched, so reading it makes no query."""
    qs = model.objects.none()
    qs._result_cache, qs._prefetch_done = list(rows), True
    return qs


class Command(BaseCommand):
    help = "生成一个省规模的年度数据（部门、账号、项目、自评表和指标），用于负载基准测试。"

    def add_arguments(self, parser):
        parser.add_argument("--departments", type=int, default=300,
                            help="部门总数，每个主管部门带 9 个下属单位（缺省 300 = 30 × 10）")
        parser.add_argument("--supervisors", type=int, help="主管部门数（代替 --departments）")
        parser.add_argument("--units", type=int, help=f"每个主管部门的下属单位数（缺省 {UNITS_PER_SUPERVISOR}）")
        parser.add_argument("--assessments", type=int, default=10_000, help="自评表数")
        parser.add_argument("--indicators", type=int, help="指标行总数（缺省每表 20 行）")
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default=PASSWORD, help="全部生成账号的密码（缺省 %(default)s）")
        parser.add_argument("--force", action="store_true", help="先删除本命令为该年度生成的自评表")

    def handle(self, *args, departments, supervisors, units, assessments, indicators, year, seed, password, force,
               **options):
        units = UNITS_PER_SUPERVISOR if units is None else units
        if supervisors is None:
            supervisors = max(1, round(departments / (units + 1)))
        per_form = 20 if indicators is None else indicators // max(1, assessments)
        if supervisors < 1 or units < 0 or assessments < 1 or per_form < 1:
            raise CommandError("部门数、自评表数和每表指标数都至少为 1")
        self.rng = random.Random(seed)
        self.per_form = per_form
        fiscal_year, _ = FiscalYear.objects.get_or_create(year=year)
        existing = Assessment.objects.filter(fiscal_year=fiscal_year)
        if existing.exists():
            if not force:
                raise CommandError(f"{year} 年度已有 {existing.count()} 张自评表；加 --force 删除本命令生成的该年度数据后重新生成")
            generated = existing.filter(department__region__name=REGION, department__name__startswith=PREFIX)
            deleted = generated.count()
            with transaction.atomic():
                generated.delete()
            self.stdout.write(f"已删除 {year} 年度生成的 {deleted} 张自评表（及其指标、资金、记录和意见）")
            if existing.exists():
                self.stdout.write(f"注意：{year} 年度另有 {existing.count()} 张非本命令生成的自评表，保留不动")

        with transaction.atomic():
            region = self._region()
            heads, below = self._departments(region, supervisors, units)
            fillers, reviewers = self._users(heads, below, password)
        with transaction.atomic(), explicit_timestamps(
                Assessment._meta.get_field("created_at"), Assessment._meta.get_field("updated_at"),
                AssessmentEvent._meta.get_field("created_at"), Comment._meta.get_field("created_at")):
            made = self._assessments(region, heads, below, fillers, reviewers, fiscal_year, assessments)

        forms = Assessment.objects.filter(fiscal_year=fiscal_year, department__region=region)
        by_status = dict(forms.order_by().values_list("status").annotate(n=Count("pk")))
        self.stdout.write(
            f"{year} 年度：部门 {len(heads) + len(below)}（主管部门 {len(heads)}）、自评表 {made}"
            f"（{'、'.join(f'{Assessment.Status(s).label} {n}' for s, n in sorted(by_status.items()))}）、"
            f"指标 {Indicator.objects.filter(assessment__in=forms).count()} 行、"
            f"操作记录 {AssessmentEvent.objects.filter(assessment__in=forms).count()} 条")
        self.stdout.write(
            f"账号：f0001–f{len(fillers):04d}（填报人，f0001–f{len(heads):04d} 为主管部门本级）、"
            f"r01–r{len(heads):02d}（主管部门审核人）、czt（财政厅审核人，全部部门）；密码 {password}")

    # -- organisation ---------------------------------------------------------------------------
    def _region(self):
        schemes = {s.key: s for s in ScoringScheme.objects.filter(
            key__in=["national-2020", "jiangsu-department", "department-unscored"])}
        if len(schemes) < 3:
            raise CommandError("缺少内置评分规则（national-2020、jiangsu-department、department-unscored）；请先 migrate")
        region, _ = Region.objects.get_or_create(name=REGION, defaults={
            "project_scheme": schemes["national-2020"], "department_scheme": schemes["jiangsu-department"],
            "targets_scheme": schemes["department-unscored"]})
        return region

    def _departments(self, region, supervisors, units):
        """The 主管部门 and their units, reusing those an earlier year made."""
        have = {d.name: d for d in Department.objects.filter(name__startswith=PREFIX)}
        head_names = [f"{PREFIX}第{i + 1:02d}厅" for i in range(supervisors)]
        Department.objects.bulk_create([Department(name=n, code=f"JZ{i + 1:02d}", region=region)
                                        for i, n in enumerate(head_names) if n not in have])
        have.update({d.name: d for d in Department.objects.filter(name__in=head_names)})
        heads = [have[n] for n in head_names]
        unit_names = [(head, f"{head.name}第{j + 1}单位", f"{head.code}{j + 1:02d}") for head in heads for j in range(units)]
        Department.objects.bulk_create([Department(name=n, code=c, region=region, parent=head)
                                        for head, n, c in unit_names if n not in have])
        have.update({d.name: d for d in Department.objects.filter(name__in=[n for _h, n, _c in unit_names])})
        return heads, [have[n] for _h, n, _c in unit_names]

    def _users(self, heads, below, password):
        """A 填报人 per department, a reviewer per 主管部门 and the finance bureau's; one password."""
        User = get_user_model()
        departments = heads + below
        wanted = [(f"f{i + 1:04d}", f"填报人{i + 1}") for i in range(len(departments))]
        wanted += [(f"r{i + 1:02d}", f"{h.name}审核人") for i, h in enumerate(heads)] + [("czt", "财政厅审核人")]
        hashed = make_password(password)  # one hash for all: hashing each of 331 would take minutes
        have = set(User.objects.filter(username__in=[u for u, _n in wanted]).values_list("username", flat=True))
        User.objects.bulk_create([User(username=u, first_name=n, password=hashed) for u, n in wanted if u not in have])
        User.objects.filter(username__in=have).update(password=hashed)
        users = {u.username: u for u in User.objects.filter(username__in=[u for u, _n in wanted])}
        fillers = [users[f"f{i + 1:04d}"] for i in range(len(departments))]
        reviewers = [users[f"r{i + 1:02d}"] for i in range(len(heads))]
        memberships = [Membership(user=u, department=d, role=Membership.Role.FILLER) for u, d in zip(fillers, departments)]
        memberships += [Membership(user=u, department=d, role=Membership.Role.REVIEWER) for u, d in zip(reviewers, heads)]
        memberships += [Membership(user=users["czt"], department=d, role=Membership.Role.REVIEWER) for d in heads]
        Membership.objects.bulk_create(memberships, ignore_conflicts=True)
        return dict(zip([d.pk for d in departments], fillers)), dict(zip([h.pk for h in heads], reviewers))

    def _projects(self, departments, count):
        """``count`` projects spread evenly over the departments (reused across years)."""
        rng = self.rng
        names = [(departments[i % len(departments)], f"{departments[i % len(departments)].name}专项{i // len(departments) + 1:02d}")
                 for i in range(count)]
        have = {(p.department_id, p.name): p for p in Project.objects.filter(department__in=departments)}
        Project.objects.bulk_create([
            Project(department=d, name=n, implementing_unit=d.name, category=rng.choice(interchange.PROJECT_CATEGORIES),
                    attribute=rng.choice(interchange.PROJECT_ATTRIBUTES), type=rng.choice(interchange.PROJECT_TYPES))
            for d, n in names if (d.pk, n) not in have], batch_size=BATCH)
        have = {(p.department_id, p.name): p for p in Project.objects.filter(department__in=departments)}
        return [have[(d.pk, n)] for d, n in names]

    # -- the year -------------------------------------------------------------------------------
    def _assessments(self, region, heads, below, fillers, reviewers, fiscal_year, count):
        rng = self.rng
        department_forms = min(2 * len(heads), count // 10)
        projects = self._projects(heads + below, count - department_forms)
        schemes = {kind: region.scheme_for(kind) for kind in Assessment.Kind.values}
        self.scheme_rules = {s.pk: s.as_rules() for s in schemes.values()}
        self.scheme_data = {s.pk: s.as_data() for s in schemes.values()}
        head_of = {d.pk: (d.parent_id or d.pk) for d in heads + below}
        self.fillers, self.reviewer_of = fillers, {pk: reviewers[h] for pk, h in head_of.items()}
        forms = []
        for i in range(department_forms):
            kind = Assessment.Kind.DEPARTMENT if i % 2 == 0 else Assessment.Kind.TARGETS
            forms.append(self._form(kind, heads[i // 2], None, schemes[kind], fiscal_year))
        forms += [self._form(Assessment.Kind.PROJECT, p.department, p, schemes[Assessment.Kind.PROJECT], fiscal_year)
                  for p in projects]
        rng.shuffle(forms)  # ids in no particular order of department or kind, as entered over weeks
        for start in range(0, len(forms), BATCH):
            chunk = forms[start:start + BATCH]
            Assessment.objects.bulk_create(chunk)
            rows = {model: [] for model in (BudgetLine, Indicator, KeyTask, ReportSection)}
            for a in chunk:
                mine = self._rows(a)
                for model, items in mine.items():
                    rows[model].extend(items)
                a._prefetched_objects_cache = {
                    "budget_lines": cached(BudgetLine, mine[BudgetLine]), "indicators": cached(Indicator, mine[Indicator]),
                    "key_tasks": cached(KeyTask, mine[KeyTask]), "report_sections": cached(ReportSection, mine[ReportSection]),
                    "component_scores": cached(ComponentScore, [])}
                self._evaluate(a)
            for model, items in rows.items():
                model.objects.bulk_create(items, batch_size=5000)
            events, comments = self._timeline(chunk)
            AssessmentEvent.objects.bulk_create(events, batch_size=2000)
            Comment.objects.bulk_create(comments, batch_size=2000)
            Assessment.objects.bulk_update(chunk, [
                "execution_rate", "total_score", "grade", "problem_count", "budget_amount", "executed_amount",
                "deviation_reasons", "approved_document", "approved_scheme"], batch_size=BATCH)
            for a in chunk:
                del a._prefetched_objects_cache
            self.stdout.write(f"  {start + len(chunk)}/{len(forms)}")
        return len(forms)

    def _form(self, kind, department, project, scheme, fiscal_year):
        rng = self.rng
        status = rng.choice(STATUSES)
        a = Assessment(kind=kind, fiscal_year=fiscal_year, department=department, project=project, scheme=scheme,
                       status=status, filled_by_name=f"{department.name[-6:]}财务", filled_by_phone=f"0311-8{rng.randrange(10**6, 10**7)}",
                       fill_date=datetime(fiscal_year.year + 1, 1, 10).date() + timedelta(days=rng.randrange(90)),
                       wizard_step="indicators" if status == Assessment.Status.DRAFT else "preview")
        if kind == Assessment.Kind.PROJECT:
            a.goal_expected = f"按计划完成{project.name}年度任务，资金使用规范，服务对象满意。"
            a.goal_achieved = "已按计划完成年度任务，资金按进度拨付，绩效目标基本实现。"
        elif kind == Assessment.Kind.DEPARTMENT:
            a.profile_functions = f"{department.name}承担本系统职工服务、权益维护和组织建设等职能。"
            a.profile_organization = f"内设机构 {rng.randrange(4, 12)} 个，编制 {rng.randrange(20, 120)} 人。"
            a.improvements = "加强预算执行监控，完善绩效指标体系。"
        else:
            a.profile_functions = f"{department.name}承担本系统职工服务、权益维护和组织建设等职能。"
            a.goal_long_term = "健全服务职工体系，提升工作质效。"
            a.goal_annual = "完成年度重点工作，预算执行率达到 95% 以上。"
        self._plan(a)
        return a

    def _plan(self, a):
        """When what happened to the form: created, saved a few times, submitted, reviewed."""
        rng = self.rng
        when = datetime(a.fiscal_year.year + 1, 1, 5, 9, tzinfo=TZ) + timedelta(minutes=rng.randrange(80 * 24 * 60))
        plan = [(AssessmentEvent.Type.CREATED, when)]
        for _ in range(rng.randrange(2, 8)):
            when += timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
            plan.append((AssessmentEvent.Type.SAVED, when))
        if a.status != Assessment.Status.DRAFT:
            when += timedelta(hours=rng.randrange(1, 72))
            plan.append((AssessmentEvent.Type.SUBMITTED, when))
        if a.status == Assessment.Status.RETURNED:
            when += timedelta(hours=rng.randrange(1, 120))
            plan.append((AssessmentEvent.Type.RETURNED, when))
        elif a.status == Assessment.Status.APPROVED:
            when += timedelta(hours=rng.randrange(1, 120))
            plan.append((AssessmentEvent.Type.APPROVED, when))
        a.created_at, a.updated_at, a.version = plan[0][1], when, len(plan)  # each step after creation adds one
        a._plan = plan

    def _rows(self, a):
        """Budget lines, indicators (and for F2 key tasks and report sections) of one form."""
        rng = self.rng
        budget = Decimal(rng.randrange(2_000, 200_000)) / 100  # 20–2,000 万元
        rate = Decimal(rng.choice([100] * 5 + list(range(60, 100))))
        executed = (budget * rate / 100).quantize(Decimal("0.01"))
        lines, tasks, sections = [], [], []
        if a.kind == Assessment.Kind.PROJECT:
            lines = [BudgetLine(line=rules.LINE_TOTAL, initial=budget, adjusted=budget, executed=executed),
                     BudgetLine(line=rules.LINE_APPROPRIATION, initial=budget, adjusted=budget, executed=executed)]
        else:
            basic = (budget * Decimal("0.4")).quantize(Decimal("0.01"))
            basic_done = min(basic, executed)
            if a.kind == Assessment.Kind.DEPARTMENT:
                adjustment = Decimal(rng.randrange(-500, 2_000)) / 100
                lines = [BudgetLine(line=rules.LINE_TOTAL, initial=budget, adjustment=adjustment,
                                    adjusted=budget + adjustment, executed=executed),
                         BudgetLine(line=rules.LINE_BASIC, initial=basic, adjustment=Decimal(0), adjusted=basic,
                                    executed=basic_done),
                         BudgetLine(line=rules.LINE_PROJECT, initial=budget - basic, adjustment=adjustment,
                                    adjusted=budget - basic + adjustment, executed=executed - basic_done)]
                planned, done = split3(budget - basic), split3(executed - basic_done)
                lines += [BudgetLine(line=rules.LINE_ITEM, name=f"重点项目{k + 1}", initial=planned[k], executed=done[k])
                          for k in range(3)]
                tasks = [KeyTask(order=k, duty="履行本部门主要职责", task=f"年度重点任务{k + 1}",
                                 result="已按计划完成。") for k in range(3)]
                sections = [ReportSection(order=k, title=t, text=f"{t[2:]}：按要求完成。") for k, t in enumerate(REPORT_TITLES)]
            else:
                lines = [BudgetLine(line=rules.LINE_TOTAL, initial=budget, half_year=budget / 2),
                         BudgetLine(line=rules.LINE_APPROPRIATION, initial=budget, half_year=budget / 2),
                         BudgetLine(line=rules.LINE_BASIC, initial=basic, half_year=basic / 2),
                         BudgetLine(line=rules.LINE_PROJECT, initial=budget - basic, half_year=(budget - basic) / 2)]
        for k, line in enumerate(lines):
            line.assessment, line.order = a, k
        for row in tasks + sections:
            row.assessment = a
        return {BudgetLine: lines, Indicator: self._indicators(a), KeyTask: tasks, ReportSection: sections}

    def _indicators(self, a):
        rng = self.rng
        templates = PROJECT_ROWS if a.kind == Assessment.Kind.PROJECT else DEPARTMENT_ROWS
        if a.kind == Assessment.Kind.DEPARTMENT:
            templates = templates[-4:] + templates[:-4]  # the 履职 rows first when a form has only a few
        values = {"n": rng.randrange(10, 500), "d": rng.choice([10, 15, 30, 60]), "c": rng.choice([300, 500, 800]),
                  "k": rng.randrange(2, 12)}
        scored = a.kind == Assessment.Kind.PROJECT
        self.miss = rng.choice([0.1] * 5 + [0.3] * 3 + [0.5, 0.7])  # how often this form falls short of a target
        rows = []
        for i in range(self.per_form):
            l1, l2, name, target = templates[i % len(templates)]
            if i >= len(templates):
                name += f"（{i // len(templates) + 1}）"
            target = target.format(**values)
            row = Indicator(assessment=a, order=i, level1=l1, level2=l2, name=name, target_text=target,
                            source=rng.choice(["验收报告", "统计台账", "问卷调查", "财务决算", ""]))
            if a.kind == Assessment.Kind.TARGETS:
                row.half_year_target = target
                if l1 == "产出":
                    row.key_work, row.project_name = "年度重点任务", f"{a.department.name}专项01"
            else:
                row.actual_text = self._actual(target)
            rows.append(row)
        if scored:  # 执行 10 + 产出 50 + 效益 30 + 满意度 10, split evenly within each 一级
            groups = {}
            for row in rows:
                groups.setdefault(row.level1, []).append(row)
            weights = dict(PROJECT_GROUP_WEIGHTS)
            for missing in [g for g in weights if g not in groups]:
                weights[next(iter(groups))] += weights.pop(missing)
            for group, members in groups.items():
                each = (weights[group] / len(members)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
                for row in members:
                    row.weight = each
                members[-1].weight += weights[group] - each * len(members)
        for row in rows:
            row.store_parsed()
        return rows

    def _actual(self, target):
        """A plausible 实际完成值 for a printed target: mostly met, sometimes short."""
        rng = self.rng
        parsed = rules.parse_target(target)
        short = rng.random() < self.miss
        if parsed.is_qualitative:
            return SHORTFALL.get(target, f"基本{target}") if short else target
        value, unit = parsed.value, parsed.unit
        if value == 0 or (not short and rng.random() < 0.7):
            actual = value  # met exactly
        elif parsed.comparator == rules.LE:
            actual = value * Decimal(rng.randrange(105, 160) if short else rng.randrange(60, 100)) / 100
        else:
            actual = value * Decimal(rng.randrange(40, 98) if short else rng.randrange(100, 115)) / 100
        if unit == "%" and value <= 100:
            actual = min(actual, Decimal(100))
        actual = actual.quantize(Decimal("0.1") if unit == "%" else Decimal(1))
        return f"{figures.plain(actual)}{unit}"

    def _evaluate(self, a):
        """The cached figures by the app's own path; a form past the draft stage has no problems left."""
        scheme = self.scheme_rules[a.scheme_id]
        evaluation = rules.evaluate(selectors.assessment_document(assessment=a).form(), scheme)
        if a.status != Assessment.Status.DRAFT and evaluation.problems:
            indicators = a._prefetched_objects_cache["indicators"]._result_cache
            for issue in evaluation.problems:
                if issue.path == "analysis.deviation_reasons":
                    a.deviation_reasons = "部分资金因项目进度调整未能在年内支付，已结转下年继续使用。"
                elif issue.path.startswith("indicators["):
                    row = indicators[int(issue.path[len("indicators["):].split("]")[0])]
                    if issue.path.endswith(".band"):
                        row.band, row.share = rules.BAND_PARTIAL, Decimal(70)
                    row.reason = REASON
            evaluation = rules.evaluate(selectors.assessment_document(assessment=a).form(), scheme)
        elif a.status == Assessment.Status.DRAFT and evaluation.problems and self.rng.random() < 0.5:
            for row in a._prefetched_objects_cache["indicators"]._result_cache:
                row.reason = REASON if row.actual_text != row.target_text else ""
            evaluation = rules.evaluate(selectors.assessment_document(assessment=a).form(), scheme)
        # The figures and each row's 未完成 flag as the services cache them on every write.
        cached, missed = records.cached_figures(selectors.assessment_document(assessment=a).form(), evaluation)
        for name, value in cached.items():
            setattr(a, name, value)
        for row, flag in zip(a._prefetched_objects_cache["indicators"]._result_cache, missed):
            row.missed = flag

    def _timeline(self, chunk):
        """The events of each form's plan, with the snapshot a review stores; the reviewer's comments."""
        rng = self.rng
        events, comments = [], []
        for a in chunk:
            filler, reviewer = self.fillers[a.department_id], self.reviewer_of[a.department_id]
            for version, (kind, when) in enumerate(a._plan, start=1):
                event = AssessmentEvent(assessment=a, type=kind, user=filler, created_at=when)
                if kind == AssessmentEvent.Type.SAVED:
                    event.comment = "保存"
                    event.data = {"step": rng.choice(["basic", "budget", "indicators"]), "version": version,
                                  "changes": []}
                elif kind == AssessmentEvent.Type.APPROVED:
                    event.user = reviewer
                    snapshot = interchange.document_to_json(selectors.assessment_document(assessment=a))
                    event.data = {"level": 0, "level_name": "审核", "snapshot": snapshot}
                    # Frozen as the approval service freezes them: shown and printed from these.
                    a.approved_document, a.approved_scheme = snapshot, self.scheme_data[a.scheme_id]
                elif kind == AssessmentEvent.Type.RETURNED:
                    row = f"indicators[{rng.randrange(self.per_form)}]"
                    event.user, event.comment = reviewer, "请补充说明偏差原因"
                    event.data = {"snapshot": interchange.document_to_json(selectors.assessment_document(assessment=a)),
                                  "rows": [row]}
                    comments += [Comment(assessment=a, path="", text=event.comment, author=reviewer, created_at=when),
                                 Comment(assessment=a, path=row, text="完成值请附佐证材料", author=reviewer,
                                         created_at=when)]
                events.append(event)
            del a._plan
        return events, comments
