"""The records of 预算绩效自评: organisation, schemes, assessments and their rows.

Money is stored exactly in 万元 with 6 decimals (RULES §1); every computed figure comes from
``assessments.rules`` — the few stored on ``Assessment`` are a cache refreshed by the services.
"""
import json
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.domain import rules, schemes


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=6, **kwargs)


# ---------------------------------------------------------------------------------------------
# Scoring schemes
# ---------------------------------------------------------------------------------------------
class ScoringScheme(models.Model):
    """A jurisdiction's scoring parameters (评分规则), data rather than code (RULES.md)."""

    class Layout(models.TextChoices):
        NATIONAL = "national", _("全国通用项目支出绩效自评表")
        HUBEI = "hubei", _("湖北省项目支出绩效自评表")
        JIANGSU = "jiangsu", _("江苏省部门整体自评表")
        WUHAN = "wuhan", _("武汉市部门整体评价评分表")

    key = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    scored = models.BooleanField(_("计分"), default=True)
    execution_weight = models.DecimalField(
        _("预算执行分值"), max_digits=6, decimal_places=2, null=True, blank=True,
        help_text=_("为空表示不单独计预算执行得分"),
    )
    level1_weights = models.JSONField(_("一级指标建议分值"), default=list, blank=True)
    grade_scale = models.JSONField(_("等级划分"), default=list, blank=True,
                                   help_text=_("按分数从高到低：[[\"90\", \"优\"], …]"))
    deviation_threshold = models.DecimalField(_("须说明原因的偏差（%）"), max_digits=6, decimal_places=2, default=Decimal(10))
    execution_threshold = models.DecimalField(_("须说明原因的执行率（%）"), max_digits=6, decimal_places=2, default=Decimal(90))
    total_weight = models.DecimalField(_("满分"), max_digits=6, decimal_places=2, default=Decimal(100))
    components = models.JSONField(_("评价维度及权重"), default=list, blank=True)
    manual_level1 = models.JSONField(_("评价人打分的一级指标"), default=list, blank=True)
    execution_rounding = models.CharField(
        _("执行得分舍入"), max_length=16, default="deduction",
        choices=[("deduction", _("扣分四舍五入")), ("score", _("得分四舍五入"))],
    )
    three_public_basis = models.CharField(
        _("“三公经费”变动率口径"), max_length=16, default="budget",
        choices=[("budget", _("预算")), ("final", _("决算"))],
    )
    layout = models.CharField(_("打印版式"), max_length=16, choices=Layout.choices, default=Layout.NATIONAL)
    print_outline = models.JSONField(
        _("打印标题和章节顺序"), default=dict, blank=True,
        help_text=_("各表标题、报告各节和表格的顺序、表格标题；留空则用通用版式（见 schemes.py 的说明）"),
    )

    class Meta:
        verbose_name = _("评分规则")
        verbose_name_plural = _("评分规则")
        ordering = ["key"]

    def __str__(self):
        return self.name

    def as_rules(self) -> rules.Scheme:
        """Return the pure scheme the computations take."""
        return schemes.to_rules(self.as_data())

    def as_data(self) -> dict:
        """Return the parameters as JSON-able data (decimals as text), e.g. to freeze at approval."""
        return json.loads(json.dumps({
            "key": self.key,
            "name": self.name,
            "scored": self.scored,
            "execution_weight": self.execution_weight,
            "level1_weights": self.level1_weights,
            "grade_scale": self.grade_scale,
            "deviation_threshold": self.deviation_threshold,
            "execution_threshold": self.execution_threshold,
            "total_weight": self.total_weight,
            "components": self.components,
            "manual_level1": self.manual_level1,
            "execution_rounding": self.execution_rounding,
            "three_public_basis": self.three_public_basis,
            "layout": self.layout,
            "print_outline": self.print_outline,
        }, cls=DjangoJSONEncoder))


# ---------------------------------------------------------------------------------------------
# Organisation
# ---------------------------------------------------------------------------------------------
class Region(models.Model):
    """An administrative region; its schemes are the defaults for its departments' forms."""

    name = models.CharField(_("地区"), max_length=100, unique=True)
    project_scheme = models.ForeignKey(ScoringScheme, models.PROTECT, related_name="+",
                                       verbose_name=_("项目自评评分规则"))
    department_scheme = models.ForeignKey(ScoringScheme, models.PROTECT, related_name="+",
                                          verbose_name=_("部门整体自评评分规则"))
    targets_scheme = models.ForeignKey(ScoringScheme, models.PROTECT, related_name="+",
                                       verbose_name=_("部门整体目标表规则"))
    # Raised by every publish and withdrawal of a form of the region: the public page's ETag and
    # cache key, so a visitor's conditional GET costs one primary-key read.
    publication_version = models.PositiveIntegerField(_("公开版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def scheme_for(self, kind):
        return {
            rules.KIND_PROJECT: self.project_scheme,
            rules.KIND_DEPARTMENT: self.department_scheme,
            rules.KIND_TARGETS: self.targets_scheme,
        }[kind]


class DepartmentQuerySet(models.QuerySet):
    def descendants_of(self, departments):
        """Return the given departments and every unit below them (主管部门 hierarchy)."""
        return self.filter(pk__in=self.descendant_ids(departments))

    def descendant_ids(self, departments) -> set:
        """Return the ids of the given departments and every unit below them, in one query.

        A recursive query (PostgreSQL and SQLite both have them) instead of one query per level of
        the tree and one more for the result: a finance bureau's scope is read on every page it opens.
        """
        roots = sorted({getattr(d, "pk", d) for d in departments})  # departments or their ids
        if not roots:
            return set()
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        placeholders = ", ".join(["%s"] * len(roots))
        # UNION (not UNION ALL) drops rows already reached, so even a cycle in the data ends.
        sql = (f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id IN ({placeholders}) "
               f"UNION SELECT unit.id FROM {table} unit JOIN tree ON unit.parent_id = tree.id) SELECT id FROM tree")
        with connection.cursor() as cursor:
            cursor.execute(sql, roots)
            return {row[0] for row in cursor.fetchall()}


class Department(models.Model):
    """A budget department or unit; ``parent`` is its 主管部门."""

    name = models.CharField(_("部门名称"), max_length=200, unique=True)
    code = models.CharField(_("部门编码"), max_length=50, blank=True)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="units",
                               verbose_name=_("主管部门"))
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="departments",
                               verbose_name=_("地区"))

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门（单位）")
        verbose_name_plural = _("部门（单位）")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FiscalYear(models.Model):
    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    is_open = models.BooleanField(_("开放填报"), default=True)

    class Meta:
        verbose_name = _("年度")
        verbose_name_plural = _("年度")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年度"


class Membership(models.Model):
    """Which department a user fills for (填报人) or reviews (审核人, with its units)."""

    class Role(models.TextChoices):
        FILLER = "filler", _("填报人")
        REVIEWER = "reviewer", _("审核人")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships",
                             verbose_name=_("用户"))
    department = models.ForeignKey(Department, models.CASCADE, related_name="memberships",
                                   verbose_name=_("部门"))
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("用户权限")
        verbose_name_plural = _("用户权限")
        constraints = [models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class Project(models.Model):
    class Category(models.TextChoices):
        DEPARTMENT_BUDGET = "部门预算项目", _("部门预算项目")
        DISTRICT_SPECIAL = "区直专项", _("区直专项")
        CITY_SPECIAL = "市直专项", _("市直专项")
        TRANSFER = "转移支付项目", _("转移支付项目")

    class Attribute(models.TextChoices):
        CONTINUING = "持续性项目", _("持续性项目")
        NEW = "新增性项目", _("新增性项目")

    class Type(models.TextChoices):
        RECURRING = "常年性项目", _("常年性项目")
        EXTENDED = "延续性项目", _("延续性项目")
        ONE_OFF = "一次性项目", _("一次性项目")

    department = models.ForeignKey(Department, models.PROTECT, related_name="projects", verbose_name=_("主管部门"))
    name = models.CharField(_("项目名称"), max_length=200)
    implementing_unit = models.CharField(_("实施单位"), max_length=200, blank=True)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices, blank=True)
    attribute = models.CharField(_("项目属性"), max_length=20, choices=Attribute.choices, blank=True)
    type = models.CharField(_("项目类型"), max_length=20, choices=Type.choices, blank=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["department__name", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="project_unique_name")]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------
class AssessmentQuerySet(models.QuerySet):
    def for_departments(self, departments):
        return self.filter(department__in=departments)


class Assessment(models.Model):
    """One official form (FORMS F1–F3) for a project or a department in a year."""

    class Kind(models.TextChoices):
        PROJECT = rules.KIND_PROJECT, _("项目支出绩效自评表")
        DEPARTMENT = rules.KIND_DEPARTMENT, _("部门整体支出绩效自评表")
        TARGETS = rules.KIND_TARGETS, _("部门整体预算绩效目标表")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("已审核")

    kind = models.CharField(_("表单类型"), max_length=32, choices=Kind.choices)
    fiscal_year = models.ForeignKey(FiscalYear, models.PROTECT, related_name="assessments", verbose_name=_("年度"))
    department = models.ForeignKey(Department, models.PROTECT, related_name="assessments", verbose_name=_("部门"))
    project = models.ForeignKey(Project, models.PROTECT, null=True, blank=True, related_name="assessments",
                                verbose_name=_("项目"))
    scheme = models.ForeignKey(ScoringScheme, models.PROTECT, related_name="assessments", verbose_name=_("评分规则"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(_("修订次数"), default=1)
    version = models.PositiveIntegerField(_("版本"), default=1, help_text=_("每次保存加一，用于防止覆盖他人修改"))

    filled_by_name = models.CharField(_("填报人"), max_length=50, blank=True)
    filled_by_phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    fill_date = models.DateField(_("填报日期"), null=True, blank=True)
    goal_expected = models.TextField(_("预期目标"), blank=True)
    goal_achieved = models.TextField(_("实际完成情况"), blank=True)
    goal_long_term = models.TextField(_("中长期目标"), blank=True)
    goal_annual = models.TextField(_("年度目标"), blank=True)
    profile_functions = models.TextField(_("单位主要职能"), blank=True)
    profile_organization = models.TextField(_("机构设置及人员配置"), blank=True)
    deviation_reasons = models.TextField(_("偏差大或目标未完成原因分析"), blank=True)
    improvements = models.TextField(_("改进措施及结果应用方案"), blank=True)
    entered_total = models.DecimalField(_("填报总分"), max_digits=6, decimal_places=2, null=True, blank=True,
                                        help_text=_("发布单位直接给出、并非由各行计算的总分"))
    # The project's particulars as this form states them. They belong to the form, not to the
    # shared Project record: a 2024 form that changes its 项目类别 must not rewrite the 2023 form.
    implementing_unit = models.CharField(_("实施单位"), max_length=200, blank=True)
    PROJECT_FIELDS = {"implementing_unit": "implementing_unit", "category": "project_category",
                      "attribute": "project_attribute", "type": "project_type"}
    project_category = models.CharField(_("项目类别"), max_length=20, choices=Project.Category.choices, blank=True)
    project_attribute = models.CharField(_("项目属性"), max_length=20, choices=Project.Attribute.choices, blank=True)
    project_type = models.CharField(_("项目类型"), max_length=20, choices=Project.Type.choices, blank=True)
    # What the form was approved with: the document (interchange JSON) and the scoring scheme's
    # parameters. An approved form is shown and printed from these, so neither a later edit of a
    # shared record nor an administrator's change of the scheme alters it. Empty unless approved.
    approved_document = models.JSONField(_("审核通过时的内容"), default=dict, blank=True, editable=False)
    approved_scheme = models.JSONField(_("审核通过时的评分规则"), default=dict, blank=True, editable=False)

    # Cache of the figures rules.evaluate gives; refreshed by services on every write.
    execution_rate = models.DecimalField(_("执行率（%）"), max_digits=9, decimal_places=2, null=True, blank=True,
                                         editable=False)
    total_score = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True, editable=False)
    grade = models.CharField(_("等级"), max_length=10, blank=True, editable=False)
    problem_count = models.PositiveIntegerField(_("待解决问题数"), default=0, editable=False)
    # 预算数 and 执行数 of the form's 年度资金总额/预算总金额 row, cached like the figures above so
    # that the bureau's summary of a province's 10,000 forms is one query, not 10,000 evaluations.
    budget_amount = money_field(_("预算数（万元）"), null=True, blank=True, editable=False)
    executed_amount = money_field(_("执行数（万元）"), null=True, blank=True, editable=False)
    # 信息公开: set while a reviewer has published the (approved) form on the public page.
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True, editable=False, db_index=True)

    wizard_step = models.CharField(_("填报步骤"), max_length=32, blank=True)
    # What a user typed on a step that could not be stored yet (e.g. text in an amount field),
    # kept verbatim by step so that nothing typed is ever lost; submission waits until it is empty.
    draft_inputs = models.JSONField(_("未通过校验的输入"), default=dict, blank=True, editable=False)
    review_level = models.PositiveSmallIntegerField(_("当前审核级次"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效自评")
        verbose_name_plural = _("绩效自评")
        ordering = ["-fiscal_year__year", "department__name", "kind", "project__name"]
        constraints = [
            # One form of a kind per subject and year (INTERCHANGE: import replaces the draft).
            models.UniqueConstraint(fields=["kind", "fiscal_year", "department", "project"],
                                    name="assessment_unique_project", condition=Q(project__isnull=False)),
            models.UniqueConstraint(fields=["kind", "fiscal_year", "department"],
                                    name="assessment_unique_department", condition=Q(project__isnull=True)),
        ]
        indexes = [
            models.Index(fields=["department", "fiscal_year", "status"]),
            # The review desk lists the most recently changed forms first; with this index a page of
            # 50 out of a province's 10,000 takes 0.8 ms instead of 98 ms (sorting by joined names).
            models.Index(fields=["-updated_at", "-id"], name="assessment_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def subject(self):
        return self.project.name if self.project_id else self.department.name

    @property
    def title(self):
        return self.title_of(self.fiscal_year.year, self.subject, self.kind)

    @classmethod
    def title_of(cls, year, subject, kind):
        """The title of a form from its year, its subject (project or department name) and its kind
        (for lists that read those as plain values)."""
        # The enum's label, not get_kind_display (which translates every kind at every call: lists show many titles).
        return f"{year}年度 {subject} {cls.Kind(kind).label if kind in cls.Kind.values else kind}"

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def rules_scheme(self) -> rules.Scheme:
        """The scheme the form is computed with: as approved (frozen), else the current one."""
        if self.status == self.Status.APPROVED and self.approved_scheme:
            return schemes.to_rules(self.approved_scheme)
        return self.scheme.as_rules()


class BudgetLine(models.Model):
    class Line(models.TextChoices):
        TOTAL = rules.LINE_TOTAL, _("年度资金总额")
        APPROPRIATION = rules.LINE_APPROPRIATION, _("当年财政拨款")
        CARRYOVER = rules.LINE_CARRYOVER, _("上年结转资金")
        OTHER = rules.LINE_OTHER, _("其他资金")
        BASIC = rules.LINE_BASIC, _("基本支出")
        PROJECT = rules.LINE_PROJECT, _("项目支出")
        ITEM = rules.LINE_ITEM, _("项目")
        GENERAL_BUDGET = rules.LINE_GENERAL_BUDGET, _("一般公共预算资金")
        GOV_FUND = rules.LINE_GOV_FUND, _("政府性基金")
        SPECIAL_ACCOUNT = rules.LINE_SPECIAL_ACCOUNT, _("财政专户管理资金")
        STATE_CAPITAL = rules.LINE_STATE_CAPITAL, _("国有资本金")
        SOCIAL_INSURANCE = rules.LINE_SOCIAL_INSURANCE, _("社保基金")

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="budget_lines", verbose_name=_("自评表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    line = models.CharField(_("资金行"), max_length=20, choices=Line.choices)
    name = models.CharField(_("项目名称"), max_length=200, blank=True)
    initial = money_field(_("年初预算数（万元）"), null=True, blank=True)
    adjustment = models.DecimalField(_("上年结转及追加追减数（万元）"), max_digits=20, decimal_places=6,
                                     null=True, blank=True)
    adjusted = money_field(_("全年预算数（万元）"), null=True, blank=True)
    executed = money_field(_("全年执行数（万元）"), null=True, blank=True)
    half_year = money_field(_("半年计划执行数（万元）"), null=True, blank=True)

    class Meta:
        verbose_name = _("预算资金行")
        verbose_name_plural = _("预算资金行")
        ordering = ["assessment_id", "order"]  # by id: "assessment" would join four tables to sort by its title

    def __str__(self):
        return self.name or self.get_line_display()

    def as_rules(self) -> rules.BudgetRow:
        return rules.BudgetRow(line=self.line, name=self.name, initial=self.initial, adjustment=self.adjustment,
                               adjusted=self.adjusted, executed=self.executed, half_year=self.half_year)


class Indicator(models.Model):
    """A 三级指标 row with its 一级/二级 group, target and actual as printed and as parsed."""

    class Band(models.TextChoices):
        ACHIEVED = rules.BAND_ACHIEVED, _("达成年度指标")
        PARTIAL = rules.BAND_PARTIAL, _("部分达成并具有一定效果")
        NOT_ACHIEVED = rules.BAND_NOT_ACHIEVED, _("未达成且效果较差")

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="indicators", verbose_name=_("自评表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    level1 = models.CharField(_("一级指标"), max_length=50)
    level2 = models.CharField(_("二级指标"), max_length=50, blank=True)
    name = models.CharField(_("三级指标"), max_length=200)
    target_text = models.CharField(_("年度指标值"), max_length=200)
    actual_text = models.CharField(_("实际完成值"), max_length=200, blank=True)
    half_year_target = models.CharField(_("半年指标值"), max_length=200, blank=True)
    # The parsed form (RULES §3.1 says it is stored); the printed text is what the PDF shows.
    target_comparator = models.CharField(_("指标值比较符"), max_length=4, blank=True, editable=False)
    target_value = models.DecimalField(_("指标值数值"), max_digits=24, decimal_places=8, null=True, blank=True,
                                       editable=False)
    target_unit = models.CharField(_("指标值单位"), max_length=20, blank=True, editable=False)
    actual_value = models.DecimalField(_("完成值数值"), max_digits=24, decimal_places=8, null=True, blank=True,
                                       editable=False)
    actual_unit = models.CharField(_("完成值单位"), max_length=20, blank=True, editable=False)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("达成档次"), max_length=16, choices=Band.choices, blank=True)
    share = models.DecimalField(_("得分比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    manual_score = models.DecimalField(_("评价人打分"), max_digits=6, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("完成值来源"), max_length=200, blank=True)
    reason = models.TextField(_("偏差原因分析及改进措施"), blank=True)
    key_work = models.CharField(_("重点工作"), max_length=200, blank=True)
    project_name = models.CharField(_("对应项目"), max_length=200, blank=True)
    # Cache of rules.target_missed for this row, refreshed with the form's figures: the summary
    # tables list the missed indicators of thousands of forms with one query.
    missed = models.BooleanField(_("未完成目标"), default=False, editable=False)

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["assessment_id", "order"]  # by id: "assessment" would join four tables to sort by its title
        indexes = [models.Index(fields=["assessment"], condition=Q(missed=True), name="indicator_missed")]

    def __str__(self):
        return self.name

    # The one boundary between this record and the rules' row: the record keeps the printed texts
    # as target_text / actual_text (beside their parsed columns) and the evaluator's score as
    # manual_score; the rules and the interchange format call them target, actual and score.
    # Renaming the columns would need a migration for nothing a user sees, so the names are mapped
    # here, in both directions, and nowhere else.
    @classmethod
    def from_rules(cls, row: rules.IndicatorRow, *, assessment, order: int) -> "Indicator":
        """Return an unsaved record of a rules row, with its parsed target and actual stored."""
        indicator = cls(
            assessment=assessment, order=order, level1=row.level1, level2=row.level2, name=row.name,
            target_text=row.target, actual_text=row.actual, half_year_target=row.half_year_target,
            weight=row.weight, band=row.band, share=row.share, manual_score=row.score, source=row.source,
            reason=row.reason, key_work=row.key_work, project_name=row.project_name,
        )
        indicator.store_parsed()
        return indicator

    def as_rules(self) -> rules.IndicatorRow:
        """Return the rules' row of this record (the mapping of ``from_rules``, reversed)."""
        return rules.IndicatorRow(
            level1=self.level1, level2=self.level2, name=self.name, target=self.target_text,
            actual=self.actual_text, weight=self.weight, band=self.band, share=self.share,
            score=self.manual_score, reason=self.reason, source=self.source,
            half_year_target=self.half_year_target, key_work=self.key_work, project_name=self.project_name,
        )

    def store_parsed(self):
        """Store the parsed target and actual (RULES §3.1) next to the printed text."""
        try:
            target = rules.parse_target(self.target_text)
        except rules.TargetError:
            target = None
        actual = rules.parse_target(self.actual_text) if self.actual_text.strip() else None
        self.target_comparator = target.comparator if target else ""
        self.target_value = _storable(target.value) if target else None
        self.target_unit = target.unit[:20] if target else ""
        self.actual_value = _storable(actual.value) if actual else None
        self.actual_unit = actual.unit[:20] if actual else ""


def _storable(value):
    """The parsed figure as the numeric(24,8) column holds it, or None when it cannot.

    The parsed columns only serve queries; scoring reads the printed text, so a figure too large
    for the column (or a unit longer than 20 characters, cut above) changes no score.
    """
    if value is None or abs(value) >= Decimal(10) ** 16:
        return None
    return value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


class KeyTask(models.Model):
    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="key_tasks", verbose_name=_("自评表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    duty = models.TextField(_("对应部门主要职责"), blank=True)
    task = models.CharField(_("任务名称"), max_length=300)
    result = models.TextField(_("完成情况"), blank=True)

    class Meta:
        verbose_name = _("年度重点任务")
        verbose_name_plural = _("年度重点任务")
        ordering = ["assessment_id", "order"]  # by id: "assessment" would join four tables to sort by its title

    def __str__(self):
        return self.task


class ReportSection(models.Model):
    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="report_sections",
                                   verbose_name=_("自评表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("章节标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)

    class Meta:
        verbose_name = _("自评报告章节")
        verbose_name_plural = _("自评报告章节")
        ordering = ["assessment_id", "order"]  # by id: "assessment" would join four tables to sort by its title

    def __str__(self):
        return self.title


class ComponentScore(models.Model):
    """An evaluation component's entered score (新洲: 投入/过程/产出/效果)."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="component_scores",
                                   verbose_name=_("自评表"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    name = models.CharField(_("评价指标"), max_length=50)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("评价维度得分")
        verbose_name_plural = _("评价维度得分")
        ordering = ["assessment_id", "order"]  # by id: "assessment" would join four tables to sort by its title

    def __str__(self):
        return self.name


class AssessmentEvent(models.Model):
    """One entry of an assessment's timeline, which is its audit log; never edited."""

    class Type(models.TextChoices):
        CREATED = "created", _("创建")
        IMPORTED = "imported", _("导入")
        SAVED = "saved", _("保存")
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("审核通过")
        REOPENED = "reopened", _("重新打开")
        # Each kind of write has its own type (issue: one guard for every write).
        AUTOSAVED = "autosaved", _("自动保存")
        COPIED_PREVIOUS = "copied_previous", _("复制上年指标")
        TARGETS_TAKEN = "targets_taken", _("从目标表导入目标值")
        BASE_FILLED = "base_filled", _("用基础数据填写")
        EXCEL_IMPORTED = "excel_imported", _("从 Excel 导入指标")
        COMMENTED = "commented", _("审核意见")
        REPLIED = "replied", _("答复意见")
        RESOLVED = "resolved", _("确认意见已解决")
        ADMIN_EDITED = "admin_edited", _("管理员修改")
        BASE_SAVED = "base_saved", _("保存基础数据")
        PUBLISHED = "published", _("公开")
        WITHDRAWN = "withdrawn", _("撤回公开")
        ATTACHED = "attached", _("上传佐证材料")
        DETACHED = "detached", _("删除佐证材料")

    # Null only for department-level writes (base data), which name the department instead.
    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="events", verbose_name=_("自评表"),
                                   null=True, blank=True)
    department = models.ForeignKey(Department, models.CASCADE, related_name="events", verbose_name=_("部门"),
                                   null=True, blank=True)
    type = models.CharField(_("事件"), max_length=20, choices=Type.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("操作人"))
    comment = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["assessment", "created_at", "pk"]
        # The 通知 page reads the newest events of some types across a reviewer's whole scope; in
        # the load run (63,000 events) this index took that query from 71 ms to 10 ms.
        indexes = [models.Index(fields=["type", "-created_at"], name="event_type_newest")]

    def __str__(self):
        return f"{self.get_type_display()} · {self.created_at:%Y-%m-%d %H:%M}"


def _attachment_path(instance, filename):
    """A generated name under the form's folder: nothing the uploader typed reaches the file system."""
    return f"attachments/{instance.assessment_id}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A supporting document (佐证材料) of a form, or of one of its 绩效指标 rows.

    Indicator rows are rewritten on every save, so a row is named by its number (``row``, from 0)
    and by the 三级指标 it had at upload (``row_name``) rather than by a foreign key.
    """

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="attachments", verbose_name=_("自评表"))
    row = models.PositiveIntegerField(_("绩效指标行"), null=True, blank=True, help_text=_("为空表示属于整张表"))
    row_name = models.CharField(_("三级指标"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    extension = models.CharField(_("扩展名"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["assessment", "row", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class DepartmentBaseData(models.Model):
    """A department's 基础数据 for a year, from which RULES §5 computes its indicators."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="base_data", verbose_name=_("部门"))
    fiscal_year = models.ForeignKey(FiscalYear, models.PROTECT, related_name="base_data", verbose_name=_("年度"))
    initial_budget = money_field(_("年初预算数（万元）"), null=True, blank=True)
    adjusted_budget = money_field(_("调整预算数（万元）"), null=True, blank=True)
    actual_expense = money_field(_("实际支出数（万元）"), null=True, blank=True)
    basic_budget = money_field(_("基本支出预算（万元）"), null=True, blank=True)
    project_budget = money_field(_("项目支出预算（万元）"), null=True, blank=True)
    basic_expense = money_field(_("基本支出决算（万元）"), null=True, blank=True)
    project_expense = money_field(_("项目支出决算（万元）"), null=True, blank=True)
    carryover_end = money_field(_("年末结转结余（万元）"), null=True, blank=True)
    public_funds_budget = money_field(_("预算公用经费（万元）"), null=True, blank=True)
    public_funds_actual = money_field(_("实际公用经费（万元）"), null=True, blank=True)
    three_public_budget = money_field(_("“三公”经费预算数（万元）"), null=True, blank=True)
    three_public_actual = money_field(_("“三公”经费实际支出（万元）"), null=True, blank=True)
    three_public_prev_budget = money_field(_("上年“三公”经费预算数（万元）"), null=True, blank=True)
    three_public_prev_actual = money_field(_("上年“三公”经费决算数（万元）"), null=True, blank=True)
    procurement_budget = money_field(_("政府采购预算（万元）"), null=True, blank=True)
    procurement_actual = money_field(_("实际政府采购金额（万元）"), null=True, blank=True)
    staff_quota = models.PositiveIntegerField(_("编制数"), null=True, blank=True)
    staff_actual = models.PositiveIntegerField(_("在职人员数"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    FIELDS = [f for f in rules.BaseData.__dataclass_fields__]

    class Meta:
        verbose_name = _("部门基础数据")
        verbose_name_plural = _("部门基础数据")
        constraints = [models.UniqueConstraint(fields=["department", "fiscal_year"], name="base_data_unique")]

    def __str__(self):
        return f"{self.department} {self.fiscal_year}"

    def as_rules(self) -> rules.BaseData:
        values = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            values[name] = None if value is None else Decimal(value)
        return rules.BaseData(**values)


class ReviewLevel(models.Model):
    """One level of a department's review chain (e.g. 单位 → 主管部门 → 财政局), set by an administrator."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="review_levels", verbose_name=_("被审核部门"))
    order = models.PositiveSmallIntegerField(_("级次"), default=0)
    name = models.CharField(_("名称"), max_length=50)
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="review_levels", verbose_name=_("审核人"))

    class Meta:
        verbose_name = _("审核级次")
        verbose_name_plural = _("审核级次")
        ordering = ["department", "order"]
        constraints = [models.UniqueConstraint(fields=["department", "order"], name="review_level_unique")]

    def __str__(self):
        return f"{self.department} · {self.order + 1}. {self.name}"


class Comment(models.Model):
    """A reviewer's comment on the whole form (path ""), a step ("step:budget") or a row ("indicators[3]")."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="comments", verbose_name=_("自评表"))
    path = models.CharField(_("位置"), max_length=100, blank=True)
    text = models.TextField(_("意见"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("提出人"))
    reply = models.TextField(_("填报人答复"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("确认人"))

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["assessment", "created_at", "pk"]

    def __str__(self):
        return self.text[:30]


class BatchExport(models.Model):
    """A year's approved forms printed as one PDF or a ZIP, made by the background worker.

    The row is the job's record and its log: who asked for what, when it was queued, started and
    finished, how far it got, and what went wrong.
    """

    class Format(models.TextChoices):
        PDF = "pdf", _("合并为一个 PDF")
        ZIP = "zip", _("ZIP（每张表一个 PDF）")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="batch_exports",
                                     verbose_name=_("申请人"))
    fiscal_year = models.ForeignKey(FiscalYear, models.PROTECT, related_name="+", verbose_name=_("年度"))
    department = models.ForeignKey(Department, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("部门（含下属单位）"))
    format = models.CharField(_("格式"), max_length=8, choices=Format.choices, default=Format.PDF)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("表数"), default=0)
    done = models.PositiveIntegerField(_("已完成表数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量导出")
        verbose_name_plural = _("批量导出")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.fiscal_year.year} {self.get_format_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        """Progress for the bar: whole percent of forms printed (a count, not a figure of the rules)."""
        return 100 if self.status == self.Status.DONE else (self.done * 100 // self.total if self.total else 0)

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
