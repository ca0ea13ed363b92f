"""Two-factor sign-in, account security, support's reset and password reset pages.

Included from capacity_tracker/urls.py. The password reset names are Django's own
(``password_reset_confirm`` and the rest), so its views and templates find them.
"""

from django.urls import include, path

from providers import password_reset, two_factor_views

two_factor_patterns = (
    [
        path("sign-in/code/", two_factor_views.verify, name="verify"),
        path("sign-in/set-up-code/", two_factor_views.setup, name="setup"),
        path("account/security/", two_factor_views.account, name="account"),
        path(
            "account/security/backup-codes/",
            two_factor_views.backup_codes_new,
            name="backup-codes",
        ),
        path(
            "support/users/<int:user_id>/two-factor/",
            two_factor_views.support_reset,
            name="reset",
        ),
    ],
    "two_factor",
)

urlpatterns = [
    path("", include(two_factor_patterns)),
    path(
        "sign-in/forgotten-password/",
        password_reset.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "sign-in/forgotten-password/sent/",
        password_reset.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "sign-in/new-password/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "sign-in/new-password/done/",
        password_reset.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
