from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from providers.models import Location, Provider, RegistrationStatus, Role, User
from returns.models import ReturnVersion

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_small_world_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert Provider.objects.count() == 5
    assert Location.objects.count() == 9
    assert Location.objects.filter(offers_care_home=True, offers_home_care=True).exists()
    assert Location.objects.filter(status=RegistrationStatus.DORMANT).count() == 1
    assert Location.objects.values("local_authority").distinct().count() >= 5
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(role=Role.PROVIDER, approved_at__isnull=True).count() == 1
    # Three months of history, made through the real save path, one of them late.
    assert ReturnVersion.objects.values("return_head__window").distinct().count() == 3
    assert ReturnVersion.objects.filter(in_window=False).count() == 1
    assert not ReturnVersion.objects.filter(
        return_head__location__provider__cqc_id="1-101000004"
    ).exists()
    text = out.getvalue()
    assert "demo-password-2026" in text
    assert "manager@meadowbank.example" in text
