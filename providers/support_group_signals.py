"""Keep the "NECS support" group in step with a user's role on every save of a user.

The user services sync the group themselves; this covers the saves that do not go through one
(creating accounts in seed_demo, the admin's add form, createsuperuser, test factories). A
queryset ``.update()`` of role or is_staff bypasses both, so nothing in the project does that.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from providers.models import User
from providers.support_permissions import support_group_sync

# The fields that decide membership: a save of anything else (last_login on every sign-in)
# needs no look at the groups.
MEMBERSHIP_FIELDS = frozenset({"role", "is_staff", "is_active"})


@receiver(post_save, sender=User, dispatch_uid="providers.support_group_on_user_save")
def sync_support_group_on_save(
    sender: type[User], instance: User, raw: bool = False, **kwargs: Any
) -> None:
    if raw:  # loaddata: the fixture carries its own groups
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not MEMBERSHIP_FIELDS & set(update_fields):
        return
    support_group_sync(instance)
