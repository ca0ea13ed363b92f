from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers and locations"

    def ready(self) -> None:
        from django.core import checks

        from providers import (
            support_group_signals,  # noqa: F401  (connects the receivers)
            two_factor,  # noqa: F401  (connects its sign-in receiver)
        )
        from providers.support_permissions import check_support_group

        checks.register(check_support_group, checks.Tags.database)
