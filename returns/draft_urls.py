"""Suppliers' drafts in the portal (included from capacity_tracker/urls.py)."""

from django.urls import path

from returns import draft_views

app_name = "drafts"
urlpatterns = [
    path("returns/drafts/<str:reference>/", draft_views.draft_detail, name="draft"),
    path("returns/drafts/<str:reference>/confirm/", draft_views.draft_confirm_view, name="confirm"),
    path("returns/drafts/<str:reference>/discard/", draft_views.draft_discard_view, name="discard"),
]
