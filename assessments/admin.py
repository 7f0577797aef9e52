"""The Chinese admin, for administrators to inspect and fix data.

An administrator's edit of a form goes through ``records.assessment_admin_save`` like any other
write: it locks the form, asks the access module, bumps the version (so a filler's stale save
cannot erase the fix) and logs an 管理员修改 event with the field changes. A form's status is
never a field here — only the workflow's transitions change it — and a submitted or approved form
is read-only. The audit trail (AssessmentEvent) is read-only: it cannot be edited through the app.
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessments.core import access
from assessments.entry import services as entry_services
from assessments.core import records
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
    """Changing a scheme re-computes the forms still open; approved forms keep the scheme they were
    approved with (``Assessment.approved_scheme``)."""

    list_display = ["key", "name", "scored", "execution_weight", "layout"]
    search_fields = ["key", "name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            records.scheme_changed(scheme=obj)


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


class FormRowsInline:
    """Rows of a form are editable only while the form is (the access module decides)."""

    extra = 0

    def _open(self, request, obj):
        return obj is None or access.may_admin_edit(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(request, obj) and super().has_delete_permission(request, obj)


class BudgetLineInline(FormRowsInline, admin.TabularInline):
    model = BudgetLine


class IndicatorInline(FormRowsInline, admin.TabularInline):
    model = Indicator
    fields = ["order", "level1", "level2", "name", "target_text", "actual_text", "weight", "band", "share",
              "manual_score", "source", "reason"]


class KeyTaskInline(FormRowsInline, admin.StackedInline):
    model = KeyTask


class ReportSectionInline(FormRowsInline, admin.StackedInline):
    model = ReportSection


class ComponentScoreInline(FormRowsInline, admin.TabularInline):
    model = ComponentScore


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
    # The status and the review position change only through the workflow's transitions.
    readonly_fields = ["status", "review_level", "revision", "execution_rate", "total_score", "grade",
                       "problem_count", "version", "created_at", "updated_at"]
    inlines = [BudgetLineInline, IndicatorInline, KeyTaskInline, ReportSectionInline, ComponentScoreInline,
               EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fiscal_year", "department", "project", "scheme")

    def has_change_permission(self, request, obj=None):
        if obj is not None and not access.may_admin_edit(request.user, obj):
            return False  # shown read-only: submitted and approved forms are not changed here
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Assessment.Status.APPROVED:
            return False  # an approved form never changes, and never disappears
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
        # A change is written in save_related, under the service's lock, together with its rows.

    def save_related(self, request, form, formsets, change):
        def write():
            if change:
                form.instance.save()
            for formset in formsets:
                if formset.model is Indicator:
                    for indicator_form in formset.forms:
                        if indicator_form.has_changed() and not indicator_form.cleaned_data.get("DELETE"):
                            indicator_form.instance.store_parsed()
            super(AssessmentAdmin, self).save_related(request, form, formsets, change)

        if change:
            records.assessment_admin_save(assessment=form.instance, user=request.user, write=write)
        else:
            write()
            records.assessment_admin_created(assessment=form.instance, user=request.user)


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

    def save_model(self, request, obj, form, change):
        # Through the same service as the base-data page: locked, logged with its field changes.
        saved = entry_services.base_data_upsert(
            department=obj.department, fiscal_year=obj.fiscal_year, user=request.user,
            values={name: form.cleaned_data.get(name) for name in DepartmentBaseData.FIELDS if name in form.cleaned_data})
        obj.pk = saved.pk


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

    def has_change_permission(self, request, obj=None):
        # Comments are written, answered and resolved through their services, which log events.
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
