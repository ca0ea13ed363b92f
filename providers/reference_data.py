"""England's regions and councils with adult social services responsibilities (CASSRs).

Shipped as CSV in providers/data/ (ONS codes; 9 regions, 153 councils from April 2023, with
Barnsley and Sheffield on their April 2025 codes). Loaded by a data migration and by the
``load_reference_data`` command; both upsert by ONS code, so loading twice changes nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(region_model: Any, authority_model: Any) -> tuple[int, int]:
    """Upsert both tables; works with real or migration-historical models."""
    regions = {}
    for row in read_rows("regions.csv"):
        region, _ = region_model.objects.update_or_create(
            ons_code=row["ons_code"], defaults={"name": row["name"]}
        )
        regions[row["ons_code"]] = region
    authorities = read_rows("local_authorities.csv")
    for row in authorities:
        authority_model.objects.update_or_create(
            ons_code=row["ons_code"],
            defaults={
                "name": row["name"],
                "region": regions[row["region_ons_code"]],
                "kind": row["kind"],
            },
        )
    return len(regions), len(authorities)
