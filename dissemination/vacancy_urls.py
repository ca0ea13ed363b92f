"""The vacancy finder, mounted at ``vacancies/`` by ``capacity_tracker/urls.py``."""

from django.urls import path

from dissemination import vacancy_views

app_name = "vacancies"
urlpatterns = [
    path("", vacancy_views.finder, name="finder"),
]
