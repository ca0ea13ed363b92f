from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Emails and text messages"

    def ready(self) -> None:
        from notifications import account_mail  # noqa: F401  (answers providers.mail's signal)
