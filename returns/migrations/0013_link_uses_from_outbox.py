"""An email link's use was also marked on the outbox rows (``link_used_at``), which
notifications 0002 drops: keep every such use as a UsedEmailToken, the link's own record.

Uses made since UsedEmailToken existed are there already (same digest: skipped). The digest
is returns.email_links.claim_digest, written out here so the migration never changes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import migrations

SALT = "returns.email-link.v1"


def copy_link_uses(apps: Any, schema_editor: Any) -> None:
    OutboundMessage = apps.get_model("notifications", "OutboundMessage")
    CollectionWindow = apps.get_model("returns", "CollectionWindow")
    UsedEmailToken = apps.get_model("returns", "UsedEmailToken")
    used = OutboundMessage.objects.filter(
        link_used_at__isnull=False, location__isnull=False, contact__isnull=False
    ).values_list("location_id", "contact_id", "scope", "link_used_at")
    windows = {f"{w.period:%Y-%m}": w.pk for w in CollectionWindow.objects.all()}
    tokens: dict[str, Any] = {}
    for location_id, contact_id, scope, used_at in used.iterator():
        window_id = windows.get(scope)
        if window_id is None:
            continue
        key = f"{SALT}:{location_id}:{window_id}:{contact_id}"
        digest = hashlib.sha256(key.encode()).hexdigest()
        earliest = tokens.get(digest)
        if earliest is None or used_at < earliest.used_at:
            tokens[digest] = UsedEmailToken(
                digest=digest, location_id=location_id, window_id=window_id, used_at=used_at
            )
    UsedEmailToken.objects.bulk_create(tokens.values(), batch_size=5000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0012_bulk_upload_outbox"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_link_uses, migrations.RunPython.noop)]
