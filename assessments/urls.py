from django.contrib.auth import views as auth_views
from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/export.json", views.assessment_export_json, name="assessment_export_json"),
    path("assessments/<int:pk>/print/", views.assessment_print_preview, name="assessment_print_preview"),
    path("assessments/<int:pk>/download.<str:fmt>", views.assessment_download, name="assessment_download"),
]
