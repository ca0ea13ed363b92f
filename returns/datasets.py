"""Loading dataset versions (formal notices) from JSON, and reading one for a month.

Shipped versions, each loaded by a data migration (an operator loads a later notice with
``python manage.py load_dataset FILE.json`` or builds it in admin):

- ``dataset_2022_08.json``: our reconstruction of the notice in force from 31 July 2022, so
  that every window since enforcement began (April 2023) has a dataset;
- ``dataset_2023_07.json``: our reconstruction of the notice in force from 15 July 2023;
- ``dataset_2027_01.json``: the July 2023 items plus the vaccination items asked every month.

Which months are vaccination campaign months (the seasonal items) is data too: CampaignMonth.

``dataset_for`` keeps what it builds in a per-process cache that an edit in any process
invalidates once committed (see "The dataset cache" below).
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

from capacity_tracker.lib import generation_cache
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
    # bulk_create sends no signals, and a migration's historical models send none we hear.
    if not _writing_datasets():
        transaction.on_commit(_bump_quietly)
    return version


def dataset_for(period: Period, care_type: str) -> Dataset:
    """The items and rules in force for a month and care type.

    From this process's cache when it is current (no query), else four small queries; see
    the notes on the cache below for why a cached dataset is never stale.
    """
    generation = None if _writing_datasets() else _generation()
    if generation is None:
        return _read_dataset(period, care_type)
    month = period.first_day()
    in_force = _in_force.get((generation, month))
    if in_force is None:
        version_id, campaign = _read_in_force(period)
        _in_force.put((generation, month), (version_id, campaign))
    else:
        version_id, campaign = in_force
    key = (generation, version_id, care_type, campaign)
    dataset = _built.get(key)
    if dataset is None:
        dataset = _build(version_id, care_type, campaign)
        _built.put(key, dataset)
    return dataset


def _read_dataset(period: Period, care_type: str) -> Dataset:
    version_id, campaign = _read_in_force(period)
    return _build(version_id, care_type, campaign)


def _read_in_force(period: Period) -> tuple[int, bool]:
    """The version in force for the month, and whether the month is a campaign month."""
    from returns.models import CampaignMonth, DatasetVersion

    version_id = (
        DatasetVersion.objects.filter(effective_from__lte=period.first_day())
        .order_by("-effective_from")
        .values_list("pk", flat=True)
        .first()
    )
    if version_id is None:
        raise LookupError(f"No dataset version is in force for {period}.")
    # Campaign months are months of the year (twelve rows), so this is one indexed lookup.
    campaign = CampaignMonth.objects.filter(month=period.month, in_campaign=True).exists()
    return version_id, campaign


def _build(version_id: int, care_type: str, campaign: bool) -> Dataset:
    from returns.models import DataItem, ItemRule

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
        for item in DataItem.objects.filter(version_id=version_id, care_type=care_type).order_by(
            "order"
        )
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
        for rule in ItemRule.objects.filter(version_id=version_id, care_type=care_type).order_by(
            "order"
        )
    )
    return Dataset(
        version_id=version_id, care_type=care_type, items=items, rules=rules, campaign=campaign
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


# --- The dataset cache ------------------------------------------------------------------------
#
# A save reads its month's dataset up to three times (the form, the check page, the save
# service), and every API submission, CSV row and page does too; built, a dataset is a few KB
# of frozen tuples that changes only when someone edits a version, its items or rules, or the
# campaign months, in admin before the version is in use. So each process keeps the datasets
# it has built in a small LRU, keyed by a *generation* token kept in Django's cache (Redis,
# shared by every gunicorn and Celery process):
#
# - Any save or delete of a DatasetVersion, DataItem, ItemRule or CampaignMonth (admin, the
#   load_dataset command, campaign_month_change) replaces the token with a new random one
#   *after its transaction commits*. Another process reads the new token on its next lookup,
#   so its old entries (keyed by the old token) are never used again: no process serves a
#   dataset from before an edit once the edit is committed. Bumping only after the commit
#   matters: a bump before it would let another process read the new token with the old rows
#   (it cannot see uncommitted rows yet) and keep them under the new token.
# - Until that commit, the writing connection bypasses the cache altogether (it can see its
#   own uncommitted rows, which must not be cached: the transaction may still roll back).
# - Tokens are random, never counters, so a flushed or restarted Redis cannot bring an old
#   generation back to life; and they expire after GENERATION_TTL seconds, which bounds how
#   long a write that sends no signals (QuerySet.update, bulk_create, raw SQL in a shell) can
#   go unseen. load_dataset_file, which bulk-creates rules, bumps explicitly.
# - If the cache cannot be read, lookups go to the database: slower, never stale.

GENERATION_KEY = "returns:datasets:generation"
GENERATION_TTL = 10 * 60  # seconds
logger = logging.getLogger(__name__)


# (generation, first day of month) -> (version id, campaign month?)
_in_force = generation_cache.Lru(size=256)
# (generation, version id, care type, campaign month?) -> Dataset: a handful of versions
# times three care types times two, so a few dozen at most.
_built = generation_cache.Lru(size=64)


def _generation() -> str | None:
    """The current token, making one if there is none; None if the cache is unreachable."""
    return generation_cache.current(GENERATION_KEY, GENERATION_TTL, "Dataset")


def dataset_cache_bump() -> None:
    """Make every process rebuild its datasets: call after a write that sends no signals."""
    _in_force.clear()
    _built.clear()
    generation_cache.replace(GENERATION_KEY, GENERATION_TTL)


def _writing_datasets(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Has this connection's open transaction changed a dataset (a bump waits for commit)?"""
    # Each entry is (savepoint IDs, function, robust); the stubs know only the first two.
    return any(entry[1] is _bump_quietly for entry in connections[using].run_on_commit)


def _dataset_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    if not _writing_datasets(using):  # once per transaction, however many rows it writes
        transaction.on_commit(_bump_quietly, using=using)


def _bump_quietly() -> None:
    """After a commit that changed a dataset: the edit stands whatever happens here."""
    try:
        dataset_cache_bump()
    # Any error (say a migration run with no cache): logged; the TTL bounds the staleness.
    except Exception:
        logger.warning("Could not bump the dataset cache generation", exc_info=True)


# Lazy model references: this module must not import returns.models at import time.
for _model in ("DatasetVersion", "DataItem", "ItemRule", "CampaignMonth"):
    post_save.connect(
        _dataset_changed, sender=f"returns.{_model}", dispatch_uid=f"dataset-cache-{_model}-save"
    )
    post_delete.connect(
        _dataset_changed, sender=f"returns.{_model}", dispatch_uid=f"dataset-cache-{_model}-delete"
    )
