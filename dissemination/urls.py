from django.urls import path

from dissemination import views

app_name = "dissemination"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("exports/", views.exports, name="exports"),
    path("compliance/", views.compliance, name="compliance"),
    path("at-risk/", views.at_risk_list, name="at-risk"),
]
