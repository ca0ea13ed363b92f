from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from returns.datasets import load_dataset_file
from returns.models import DataItem, DatasetVersion, ItemRule


class Command(BaseCommand):
    help = "Load (or reload) a dataset version, i.e. a formal notice's data items, from JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:  # argparse's values: Any
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with transaction.atomic():
                version = load_dataset_file(path, DatasetVersion, DataItem, ItemRule)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{path.name}: {exc}. Nothing was loaded.") from None
        self.stdout.write(
            f"Loaded {version}: {version.items.count()} items, {version.rules.count()} rules."
        )
