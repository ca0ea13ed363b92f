"""Every endpoint of the public API, version 1 (the one router; views live beside what they
expose, see DESIGN.md)."""

from __future__ import annotations

from django.urls import path

from api.docs import DocsView, SchemaView
from dissemination import api as dissemination_api
from providers import api as providers_api
from returns import api as returns_api

urlpatterns = [
    path("calendar/", returns_api.CalendarView.as_view(), name="api-calendar"),
    path("data-items/", returns_api.DataItemsView.as_view(), name="api-data-items"),
    path("locations/", providers_api.LocationsView.as_view(), name="api-locations"),
    path("returns/", returns_api.ReturnsView.as_view(), name="api-returns"),
    path("aggregates/", dissemination_api.AggregatesView.as_view(), name="api-aggregates"),
    path("compliance/", dissemination_api.ComplianceView.as_view(), name="api-compliance"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
