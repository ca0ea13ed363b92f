from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from enforcement.models import Breach, EnforcementCase
from providers.models import Location, Provider, RegistrationStatus, Role, User
from returns.models import ReturnVersion

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_small_world_once():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    versions_after_first_run = ReturnVersion.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert ReturnVersion.objects.count() == versions_after_first_run
    assert Provider.objects.count() == 9  # five named, four in the background
    assert Location.objects.count() == 31
    assert Location.objects.filter(offers_care_home=True, offers_home_care=True).exists()
    assert Location.objects.filter(status=RegistrationStatus.DORMANT).count() == 1
    assert Location.objects.values("local_authority").distinct().count() >= 5
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(role=Role.PROVIDER, approved_at__isnull=False).count() >= 3
    assert (
        User.objects.filter(role=Role.PROVIDER, approved_at__isnull=True)
        .exclude(email__contains="1101")
        .count()
        == 1
    )
    # 24 months of history through the real save path: full, unchanged, nil and late returns.
    assert ReturnVersion.objects.values("return_head__window").distinct().count() == 24
    kinds = set(ReturnVersion.objects.values_list("kind", flat=True))
    assert kinds == {"full", "unchanged", "nil"}
    assert ReturnVersion.objects.filter(
        in_window=False, return_head__location__cqc_id="1-1000000021"
    ).exists()
    assert not ReturnVersion.objects.filter(
        return_head__location__provider__cqc_id="1-101000004"
    ).exists()
    # Comparison groups of five or more: Leeds has enough care homes to benchmark against.
    leeds = Location.objects.filter(local_authority__ons_code="E08000035", offers_care_home=True)
    assert leeds.count() >= 5
    # Each month was swept the morning after it closed: the provider that never returns (added
    # three months ago) is eligible for a notice of intent after three letters' worth of months.
    harbour = EnforcementCase.objects.get(provider__cqc_id="1-101000004")
    assert harbour.state == "second_breach" and harbour.noi_eligible
    missed = Breach.objects.filter(provider__cqc_id="1-101000004")
    assert missed.values("window").distinct().count() == 3
    text = out.getvalue()
    assert "demo-password-2026" in text
    assert "manager@meadowbank.example" in text
