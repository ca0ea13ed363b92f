"""The portal's benchmark page; included by ``capacity_tracker/urls.py`` beside the portal's
own ``locations/<cqc_id>/...`` pages (``returns.urls``)."""

from django.urls import path

from dissemination import benchmark_views
from providers import urls as _provider_urls  # noqa: F401 - registers the "cqc" converter

app_name = "benchmark"
urlpatterns = [
    path("locations/<cqc:cqc_id>/benchmark/", benchmark_views.location, name="location"),
]
