from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from capacity_tracker import views
from providers.forms import SignInForm
from returns import views as returns_views

admin.site.site_header = "Adult social care collection: support"
admin.site.site_title = "ASC collection support"
admin.site.index_title = "Providers, locations, returns and emails"

urlpatterns = [
    path("", returns_views.start, name="start"),
    path("calendar/", returns_views.calendar, name="calendar"),
    path("home/", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("api.urls")),
    path("", include("providers.two_factor_urls")),  # second factor, password reset
    path("", include("providers.urls")),
    path("", include("returns.urls")),
    path("", include("returns.draft_urls")),
    path("", include("api.portal_urls")),
    path("", include("returns.bulk.urls")),
    path("", include("returns.email_urls")),
    path("", include("enforcement.urls")),
    path("data/", include("dissemination.urls")),
    path("vacancies/", include("dissemination.vacancy_urls")),
    path("", include("dissemination.benchmark_urls")),
    path("admin/", admin.site.urls),
]

# Outside any view (an unknown URL, a failure before routing): JSON under /api/, pages elsewhere.
handler404 = "capacity_tracker.views.not_found"
handler500 = "capacity_tracker.views.server_error"
