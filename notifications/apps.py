from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Emails and text messages"

    def ready(self) -> None:
        from django.core import checks

        from notifications import account_mail  # noqa: F401  (answers providers.mail's signal)
        from notifications.checks import check_notify_template_ids

        checks.register(check_notify_template_ids, checks.Tags.compatibility, deploy=True)
