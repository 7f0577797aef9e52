from django.contrib.auth import views as auth_views
from django.urls import path

from assessments import public, views, views_publish
from assessments.auth import ThrottledLoginView

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("assessments/new/", views.assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/edit/<slug:step>/", views.assessment_step, name="assessment_step"),
    path("assessments/<int:pk>/live/<slug:step>/", views.assessment_live, name="assessment_live"),
    path("assessments/<int:pk>/reuse/<slug:action>/", views.assessment_reuse, name="assessment_reuse"),
    path("assessments/<int:pk>/review/<slug:action>/", views.assessment_review, name="assessment_review"),
    path("assessments/<int:pk>/comments/<int:comment_pk>/reply/", views.comment_reply, name="comment_reply"),
    path("assessments/<int:pk>/comments/<int:comment_pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("assessments/<int:pk>/revisions/<int:event_pk>/", views.assessment_revision, name="assessment_revision"),
    path("assessments/<int:pk>/import/indicators/", views.indicators_import, name="indicators_import"),
    path("assessments/<int:pk>/import/indicators/template.xlsx", views.indicators_import_template,
         name="indicators_import_template"),
    path("assessments/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("assessments/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("assessments/<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("exports/", views.batch_exports, name="batch_exports"),
    path("exports/<int:pk>/", views.batch_export_detail, name="batch_export_detail"),
    path("exports/<int:pk>/status.json", views.batch_export_status, name="batch_export_status"),
    path("exports/<int:pk>/download", views.batch_export_download, name="batch_export_download"),
    path("review/", views.review_desk, name="review_desk"),
    path("assessments/<int:pk>/publication/<slug:action>/", views_publish.assessment_publication,
         name="assessment_publication"),
    path("summary/", views_publish.summary, name="summary"),
    path("summary/download.<str:fmt>", views_publish.summary, name="summary_download"),
    path("compare/project/<int:pk>/", views_publish.compare_project, name="compare_project"),
    path("compare/department/<int:pk>/<slug:kind>/", views_publish.compare_department, name="compare_department"),
    # 信息公开: no sign-in (see assessments/public.py)
    path("gongkai/", public.region_index, name="public_index"),
    path("gongkai/<int:region_id>/", public.region_page, name="public_region"),
    path("gongkai/<int:region_id>/<int:pk>.pdf", public.form_pdf, name="public_form_pdf"),
    path("gongkai/<int:region_id>/<int:pk>-report.docx", public.form_docx, name="public_form_docx"),
    path("notifications/", views.notifications, name="notifications"),
    path("departments/<int:department_pk>/base-data/<int:year>/", views.base_data_edit, name="base_data_edit"),
    path("assessments/<int:pk>/export.json", views.assessment_export_json, name="assessment_export_json"),
    path("assessments/<int:pk>/print/", views.assessment_print_preview, name="assessment_print_preview"),
    path("assessments/<int:pk>/download.<str:fmt>", views.assessment_download, name="assessment_download"),
]
