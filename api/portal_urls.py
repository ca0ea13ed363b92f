"""The provider's API access pages (included from capacity_tracker/urls.py)."""

from django.urls import path

from api import portal_views

app_name = "api_access"
urlpatterns = [
    path("account/api-access/", portal_views.access, name="index"),
    path("account/api-access/suppliers/add/", portal_views.grant_add, name="grant-add"),
    path(
        "account/api-access/suppliers/<int:grant_id>/",
        portal_views.grant_change,
        name="grant-change",
    ),
    path(
        "account/api-access/suppliers/<int:grant_id>/remove/",
        portal_views.grant_remove,
        name="grant-remove",
    ),
    path("account/api-access/keys/add/", portal_views.key_add, name="key-add"),
    path(
        "account/api-access/keys/<int:key_id>/revoke/",
        portal_views.key_revoke,
        name="key-revoke",
    ),
]
