"""Loading dataset versions (formal notices) from JSON, and reading one for a month.

Shipped versions, each loaded by a data migration (an operator loads a later notice with
``python manage.py load_dataset FILE.json`` or builds it in admin):

- ``dataset_2022_08.json``: our reconstruction of the notice in force from 31 July 2022, so
  that every window since enforcement began (April 2023) has a dataset;
- ``dataset_2023_07.json``: our reconstruction of the notice in force from 15 July 2023;
- ``dataset_2027_01.json``: the July 2023 items plus the vaccination items asked every month.

Which months are vaccination campaign months (the seasonal items) is data too: CampaignMonth.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from returns.deadlines import Period
from returns.validation import Dataset, ItemSpec, RuleSpec

if TYPE_CHECKING:
    from providers.models import User
    from returns.models import CampaignMonth

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = DATA_DIR / "dataset_2023_07.json"
SHIPPED_2022 = DATA_DIR / "dataset_2022_08.json"
SHIPPED_2027 = DATA_DIR / "dataset_2027_01.json"
SHIPPED_ALL = (SHIPPED_2022, SHIPPED, SHIPPED_2027)
ITEM_FIELDS = (
    "section",
    "label",
    "help_text",
    "kind",
    "mandatory",
    "min_value",
    "max_value",
    "campaign_only",
)


def load_dataset_file(path: Path, version_model: Any, item_model: Any, rule_model: Any) -> Any:
    """Upsert a version and its items; replace its rules. Works with historical models too."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    effective_from = datetime.date.fromisoformat(spec["effective_from"])
    if effective_from.day != 1:
        raise ValueError("effective_from must be the first day of a month")
    version, _ = version_model.objects.update_or_create(
        effective_from=effective_from,
        defaults={"name": spec["name"], "notes": spec.get("notes", "")},
    )
    for care_type, items in spec["items"].items():
        for order, item in enumerate(items, start=1):
            defaults = {
                "section": item["section"],
                "label": item["label"],
                "help_text": item.get("help_text", ""),
                "kind": item.get("kind", "integer"),
                "mandatory": item.get("mandatory", True),
                "min_value": item.get(
                    "min_value", 0 if item.get("kind", "integer") == "integer" else None
                ),
                "max_value": item.get("max_value"),
                "campaign_only": item.get("campaign_only", False),
                "order": order,
            }
            item_model.objects.update_or_create(
                version=version, care_type=care_type, code=item["code"], defaults=defaults
            )
    rule_model.objects.filter(version=version).delete()
    rule_model.objects.bulk_create(
        rule_model(
            version=version,
            care_type=care_type,
            kind=rule["kind"],
            left_codes=rule["left"],
            right_codes=rule["right"],
            when_value=rule.get("when", ""),
            message=rule["message"],
            order=order,
        )
        for care_type, rules in spec["rules"].items()
        for order, rule in enumerate(rules, start=1)
    )
    return version


def dataset_for(period: Period, care_type: str) -> Dataset:
    """The items and rules in force for a month and care type: four small queries."""
    from returns.models import CampaignMonth, DatasetVersion

    version = (
        DatasetVersion.objects.filter(effective_from__lte=period.first_day())
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        raise LookupError(f"No dataset version is in force for {period}.")
    # Campaign months are months of the year (twelve rows), so this is one indexed lookup.
    campaign = CampaignMonth.objects.filter(month=period.month, in_campaign=True).exists()
    items = tuple(
        ItemSpec(
            code=item.code,
            label=item.label,
            section=item.section,
            kind=item.kind,
            mandatory=item.mandatory,
            min_value=item.min_value,
            max_value=item.max_value,
            help_text=item.help_text,
            campaign_only=item.campaign_only,
        )
        for item in version.items.filter(care_type=care_type).order_by("order")
        if campaign or not item.campaign_only
    )
    rules = tuple(
        RuleSpec(
            kind=rule.kind,
            left_codes=tuple(rule.left_codes),
            right_codes=tuple(rule.right_codes),
            message=rule.message,
            when_value=rule.when_value,
        )
        for rule in version.rules.filter(care_type=care_type).order_by("order")
    )
    return Dataset(
        version_id=version.pk, care_type=care_type, items=items, rules=rules, campaign=campaign
    )


def campaign_month_change(
    *, actor: User, month: int, in_campaign: bool, reason: str
) -> CampaignMonth:
    """Put a month of the year in or out of the vaccination campaign, with the reason audited.

    From then on ``dataset_for`` asks (or stops asking) the seasonal items in that month of
    every year; returns already saved keep the answers they were saved with.
    """
    from providers.audit import audit_record
    from returns.models import CampaignMonth

    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the campaign months are changing"})
    with transaction.atomic():
        row = CampaignMonth.objects.select_for_update().get(month=month)
        was = row.in_campaign
        row.in_campaign = in_campaign
        row.note = reason[:255]
        row.save(update_fields=["in_campaign", "note"])
        audit_record(
            actor=actor,
            action="returns.campaign_month.changed",
            target=row,
            reason=reason,
            data={"month": month, "in_campaign_was": was, "in_campaign": in_campaign},
        )
    return row
