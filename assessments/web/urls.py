from django.contrib.auth import views as auth_views
from django.urls import path

from assessments.publication import public, views as views_publish
from assessments.entry import views as entry_views
from assessments.exchange import views as exchange_views
from assessments.output import views as output_views
from assessments.review import views as review_views
from assessments.web import auth, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=auth.SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("assessments/new/", entry_views.assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", entry_views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/edit/<slug:step>/", entry_views.assessment_step, name="assessment_step"),
    path("assessments/<int:pk>/live/<slug:step>/", entry_views.assessment_live, name="assessment_live"),
    path("assessments/<int:pk>/autosave/<slug:step>/", entry_views.assessment_autosave, name="assessment_autosave"),
    path("login/again/", views.signed_in_again, name="signed_in_again"),
    path("assessments/<int:pk>/reuse/<slug:action>/", entry_views.assessment_reuse, name="assessment_reuse"),
    path("assessments/<int:pk>/review/<slug:action>/", review_views.assessment_review, name="assessment_review"),
    path("assessments/<int:pk>/comments/<int:comment_pk>/reply/", review_views.comment_reply, name="comment_reply"),
    path("assessments/<int:pk>/comments/<int:comment_pk>/resolve/", review_views.comment_resolve, name="comment_resolve"),
    path("assessments/<int:pk>/revisions/<int:event_pk>/", views.assessment_revision, name="assessment_revision"),
    path("assessments/<int:pk>/import/indicators/", entry_views.indicators_import, name="indicators_import"),
    path("assessments/<int:pk>/import/indicators/template.xlsx", entry_views.indicators_import_template,
         name="indicators_import_template"),
    path("assessments/<int:pk>/attachments/", review_views.attachment_upload, name="attachment_upload"),
    path("assessments/<int:pk>/attachments/<int:attachment_pk>/", review_views.attachment_download, name="attachment_download"),
    path("assessments/<int:pk>/attachments/<int:attachment_pk>/delete/", review_views.attachment_delete,
         name="attachment_delete"),
    path("exports/", output_views.batch_exports, name="batch_exports"),
    path("exports/<int:pk>/", output_views.batch_export_detail, name="batch_export_detail"),
    path("exports/<int:pk>/status.json", output_views.batch_export_status, name="batch_export_status"),
    path("exports/<int:pk>/download", output_views.batch_export_download, name="batch_export_download"),
    path("review/", review_views.review_desk, name="review_desk"),
    path("assessments/<int:pk>/publication/<slug:action>/", views_publish.assessment_publication,
         name="assessment_publication"),
    path("summary/", views_publish.summary, name="summary"),
    path("summary/download.<str:fmt>", views_publish.summary, name="summary_download"),
    path("compare/project/<int:pk>/", views_publish.compare_project, name="compare_project"),
    path("compare/department/<int:pk>/<slug:kind>/", views_publish.compare_department, name="compare_department"),
    # 信息公开: no sign-in (see assessments/publication/public.py)
    path("gongkai/", public.region_index, name="public_index"),
    path("gongkai/<int:region_id>/", public.region_page, name="public_region"),
    path("gongkai/<int:region_id>/<int:pk>.pdf", public.form_pdf, name="public_form_pdf"),
    path("gongkai/<int:region_id>/<int:pk>-report.docx", public.form_docx, name="public_form_docx"),
    path("notifications/", views.notifications, name="notifications"),
    path("departments/<int:department_pk>/base-data/<int:year>/", entry_views.base_data_edit, name="base_data_edit"),
    path("assessments/<int:pk>/export.json", exchange_views.assessment_export_json, name="assessment_export_json"),
    path("assessments/<int:pk>/print/", output_views.assessment_print_preview, name="assessment_print_preview"),
    path("assessments/<int:pk>/download.<str:fmt>", output_views.assessment_download, name="assessment_download"),
]
