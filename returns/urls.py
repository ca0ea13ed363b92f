from django.urls import path, register_converter

from providers import urls as _provider_urls  # noqa: F401 - registers the "cqc" converter
from returns import history_views, portal


class PeriodConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PeriodConverter, "period")

app_name = "returns"
OBLIGATION = "returns/<period:period>/<cqc:cqc_id>/<str:care_type>/"
urlpatterns = [
    path("returns/", portal.dashboard, name="dashboard"),
    path("returns/saved/<str:reference>/", portal.saved, name="saved"),
    path(OBLIGATION, portal.return_form, name="form"),
    path(OBLIGATION + "check/", portal.check_answers, name="check"),
    path(OBLIGATION + "use-my-figures/", portal.use_my_figures, name="use-mine"),
    path(OBLIGATION + "unchanged/", portal.unchanged, name="unchanged"),
    path(OBLIGATION + "nil/", portal.nil_return, name="nil"),
    path("locations/<cqc:cqc_id>/history/", history_views.history, name="history"),
    path(
        "locations/<cqc:cqc_id>/history/<str:reference>/",
        history_views.version_detail,
        name="version",
    ),
    path(
        "locations/<cqc:cqc_id>/history/<str:reference>/compare/",
        history_views.version_compare,
        name="version-compare",
    ),
]
