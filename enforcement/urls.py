from django.urls import path

from enforcement import views

app_name = "enforcement"
urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/compliance.csv", views.compliance_csv, name="compliance-csv"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/actions/<slug:slug>/", views.case_action, name="action"),
    path(
        "cases/<str:reference>/letters/<str:letter_reference>.pdf",
        views.letter_download,
        name="letter",
    ),
]
