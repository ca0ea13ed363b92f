from django.core.management.base import BaseCommand

from providers import reference_data
from providers.models import LocalAuthority, Region


class Command(BaseCommand):
    help = "Load (or refresh) England's regions and local authorities from providers/data/."

    def handle(self, *args: object, **options: object) -> None:
        regions, authorities = reference_data.load(Region, LocalAuthority)
        self.stdout.write(f"{regions} regions and {authorities} local authorities loaded.")
