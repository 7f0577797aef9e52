"""The Chinese admin, for administrators to inspect and fix data.

Computed figures are shown read-only (they come from rules.evaluate); saving an assessment or
its rows here goes through ``services.assessment_recompute`` so the cached figures stay true.
The audit trail (AssessmentEvent) is read-only: it cannot be edited through the app.
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BatchExport,
    BudgetLine,
    Comment,
    ComponentScore,
    Department,
    DepartmentBaseData,
    FiscalYear,
    Indicator,
    KeyTask,
    Membership,
    Project,
    Region,
    ReportSection,
    ReviewLevel,
    ScoringScheme,
)

admin.site.site_header = _("预算绩效自评 · 管理")
admin.site.site_title = _("预算绩效自评")
admin.site.index_title = _("数据管理")


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "scored", "execution_weight", "layout"]
    search_fields = ["key", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "project_scheme", "department_scheme", "targets_scheme"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "region", "code"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ["year", "is_open"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "department__name"]
    autocomplete_fields = ["user", "department"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "category", "attribute", "type"]
    list_filter = ["category", "attribute", "type"]
    search_fields = ["name", "department__name"]
    autocomplete_fields = ["department"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "level1", "level2", "name", "target_text", "actual_text", "weight", "band", "share",
              "manual_score", "source", "reason"]


class KeyTaskInline(admin.StackedInline):
    model = KeyTask
    extra = 0


class ReportSectionInline(admin.StackedInline):
    model = ReportSection
    extra = 0


class ComponentScoreInline(admin.TabularInline):
    model = ComponentScore
    extra = 0


class EventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "type", "user", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "department", "fiscal_year", "kind", "status", "execution_rate", "total_score",
                    "grade", "problem_count"]
    list_filter = ["fiscal_year", "kind", "status", "scheme"]
    search_fields = ["department__name", "project__name"]
    autocomplete_fields = ["department", "project"]
    readonly_fields = ["execution_rate", "total_score", "grade", "problem_count", "version", "created_at",
                       "updated_at"]
    inlines = [BudgetLineInline, IndicatorInline, KeyTaskInline, ReportSectionInline, ComponentScoreInline,
               EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fiscal_year", "department", "project", "scheme")

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            if formset.model is Indicator:
                for indicator_form in formset.forms:
                    if indicator_form.has_changed() and not indicator_form.cleaned_data.get("DELETE"):
                        indicator_form.instance.store_parsed()
        super().save_related(request, form, formsets, change)
        services.assessment_recompute(assessment=form.instance)
        AssessmentEvent.objects.create(assessment=form.instance, type=AssessmentEvent.Type.SAVED, user=request.user,
                                       comment=str(_("管理员在后台修改")))


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "assessment", "type", "user", "comment"]
    list_filter = ["type"]
    search_fields = ["assessment__department__name", "comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DepartmentBaseData)
class DepartmentBaseDataAdmin(admin.ModelAdmin):
    list_display = ["department", "fiscal_year", "adjusted_budget", "actual_expense", "staff_quota", "staff_actual"]
    list_filter = ["fiscal_year"]
    search_fields = ["department__name"]
    autocomplete_fields = ["department"]


@admin.register(ReviewLevel)
class ReviewLevelAdmin(admin.ModelAdmin):
    list_display = ["department", "order", "name"]
    autocomplete_fields = ["department"]
    filter_horizontal = ["reviewers"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["assessment", "path", "text", "author", "created_at", "resolved_at"]
    search_fields = ["text", "assessment__department__name"]
    readonly_fields = ["assessment", "path", "text", "author", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(BatchExport)
class BatchExportAdmin(admin.ModelAdmin):
    """Read-only: an export is the record of a job; it is made from the 批量导出 page."""

    list_display = ["pk", "requested_by", "fiscal_year", "department", "format", "status", "done", "total",
                    "created_at", "finished_at"]
    list_filter = ["status", "format", "fiscal_year"]
    readonly_fields = [f.name for f in BatchExport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
