"""Bulk update by CSV or XLSX. Included from capacity_tracker/urls.py with path("", include(...))."""

from django.urls import path

from returns.bulk import views as bulk_views

app_name = "bulk"
urlpatterns = [
    path("returns/bulk/", bulk_views.start, name="start"),
    path(
        "returns/bulk/template/<slug:care_type>.csv",
        bulk_views.template_download,
        name="template",
    ),
    path(
        "returns/bulk/template/<slug:care_type>.xlsx",
        bulk_views.template_xlsx,
        name="template_xlsx",
    ),
    path("returns/bulk/<int:upload_id>/", bulk_views.upload_detail, name="upload"),
    path(
        "returns/bulk/<int:upload_id>/progress.json",
        bulk_views.upload_progress,
        name="progress",
    ),
    path("returns/bulk/<int:upload_id>/errors.csv", bulk_views.upload_errors, name="errors"),
    path("returns/bulk/<int:upload_id>/confirm/", bulk_views.upload_confirm, name="confirm"),
]
