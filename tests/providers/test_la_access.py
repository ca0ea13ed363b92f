"""Local authority users: their councils' locations only, read-only, each tested as themself."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from providers.access import (
    can_approve_users_of,
    can_see_location_level,
    editable_locations,
    get_location_for,
    get_provider_for,
    is_local_authority_user,
    visible_local_authorities,
    visible_locations,
    visible_providers,
)
from providers.models import AuditEvent, LocalAuthority, Role, User
from providers.services import user_set_local_authorities
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    LocationFactory,
    ProviderFactory,
    ProviderUserFactory,
    SupportUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def council(ons_code: str) -> LocalAuthority:
    # The 153 councils are reference data, loaded by migration.
    return LocalAuthority.objects.get(ons_code=ons_code)


def la_user(*councils: LocalAuthority, **fields: object) -> User:
    user = UserFactory(role=Role.LOCAL_AUTHORITY, **fields)
    user.local_authorities.set(councils)
    return user


@pytest.fixture
def leeds():
    return council("E08000035")


@pytest.fixture
def bradford():
    return council("E08000032")


@pytest.fixture
def manchester():
    return council("E08000003")


@pytest.fixture
def area(leeds, bradford, manchester):
    """One provider in Leeds and Bradford, one only in Bradford, one only in Manchester."""
    both = ProviderFactory(name="Aire Valley Care Ltd")
    bradford_only = ProviderFactory(name="Bradford Homes Ltd")
    manchester_only = ProviderFactory(name="Mancunian Care Ltd")
    return {
        "both": both,
        "bradford_only": bradford_only,
        "manchester_only": manchester_only,
        "leeds_home": LocationFactory(provider=both, local_authority=leeds, name="Leeds House"),
        "bradford_home": LocationFactory(
            provider=both, local_authority=bradford, name="Bradford House"
        ),
        "bradford_other": LocationFactory(
            provider=bradford_only, local_authority=bradford, name="Shipley Court"
        ),
        "manchester_home": LocationFactory(
            provider=manchester_only, local_authority=manchester, name="Salford Lodge"
        ),
    }


def test_users_of_two_councils_each_see_only_their_own_councils_locations(area, leeds, bradford):
    leeds_user = la_user(leeds)
    bradford_user = la_user(bradford)
    assert set(visible_locations(leeds_user)) == {area["leeds_home"]}
    assert set(visible_locations(bradford_user)) == {area["bradford_home"], area["bradford_other"]}


def test_a_council_user_never_gets_another_councils_location(area, leeds):
    leeds_user = la_user(leeds)
    for other in ("bradford_home", "bradford_other", "manchester_home"):
        assert area[other] not in visible_locations(leeds_user)
        with pytest.raises(Http404):
            get_location_for(leeds_user, area[other].cqc_id)
    assert get_location_for(leeds_user, area["leeds_home"].cqc_id) == area["leeds_home"]


def test_council_users_change_nothing(area, leeds):
    leeds_user = la_user(leeds)
    assert not editable_locations(leeds_user).exists()
    with pytest.raises(Http404):
        get_location_for(leeds_user, area["leeds_home"].cqc_id, write=True)
    assert not can_approve_users_of(leeds_user, area["both"])


def test_a_provider_is_visible_only_through_a_location_in_the_area(area, leeds, bradford):
    leeds_user = la_user(leeds)
    bradford_user = la_user(bradford)
    assert list(visible_providers(leeds_user)) == [area["both"]]
    # Bradford sees both providers with a location there; Leeds only the one in Leeds.
    assert sorted(p.name for p in visible_providers(bradford_user)) == [
        "Aire Valley Care Ltd",
        "Bradford Homes Ltd",
    ]
    for other in ("bradford_only", "manchester_only"):
        with pytest.raises(Http404):
            get_provider_for(leeds_user, area[other].cqc_id)


def test_a_provider_listed_once_however_many_of_its_locations_are_in_the_area(bradford):
    provider = ProviderFactory()
    LocationFactory.create_batch(3, provider=provider, local_authority=bradford)
    assert list(visible_providers(la_user(bradford))) == [provider]


def test_a_user_with_two_councils_sees_both(area, leeds, bradford):
    both = la_user(leeds, bradford)
    assert set(visible_locations(both)) == {
        area["leeds_home"],
        area["bradford_home"],
        area["bradford_other"],
    }
    assert set(visible_local_authorities(both)) == {leeds, bradford}
    assert area["manchester_only"] not in visible_providers(both)


def test_a_council_user_with_no_councils_sees_nothing(area):
    nobody = la_user()
    assert not visible_locations(nobody).exists()
    assert not visible_providers(nobody).exists()
    assert not visible_local_authorities(nobody).exists()


def test_an_inactive_council_user_sees_nothing(area, leeds):
    gone = la_user(leeds, is_active=False)
    assert not visible_locations(gone).exists()
    assert not can_see_location_level(gone)


def test_staff_still_see_every_council_and_location(area):
    everyone = set(area[k] for k in area if k.endswith(("home", "other")))
    for user in (SupportUserFactory(), CaseworkerFactory(), AnalystFactory()):
        assert set(visible_locations(user)) == everyone
        assert visible_local_authorities(user).count() == LocalAuthority.objects.count()
        assert can_see_location_level(user)


def test_who_has_area_and_location_level_data(area, leeds):
    provider_user = ProviderUserFactory(provider=area["both"])
    assert not visible_local_authorities(provider_user).exists()
    assert not can_see_location_level(provider_user)
    assert not can_see_location_level(AnonymousUser())
    assert can_see_location_level(la_user(leeds))
    assert is_local_authority_user(la_user(leeds))
    assert not is_local_authority_user(SupportUserFactory())


# --- Pages, as the council user themself ------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("returns:dashboard", []),
        ("returns:form", ["2026-12", "LEEDS", "care_home"]),
        ("returns:unchanged", ["2026-12", "LEEDS", "care_home"]),
        ("returns:nil", ["2026-12", "LEEDS", "care_home"]),
        ("returns:history", ["LEEDS"]),
        ("bulk:start", []),
        ("bulk:template", ["care_home"]),
        ("providers:contact-add", ["LEEDS"]),
        ("providers:team", []),
        ("enforcement:queue", []),
        ("enforcement:compliance-csv", []),
    ],
)
def test_provider_portal_and_caseworker_pages_refuse_council_users(area, leeds, name, args):
    args = [area["leeds_home"].cqc_id if a == "LEEDS" else a for a in args]
    response = client_for(la_user(leeds)).get(reverse(name, args=args))
    assert response.status_code == 403


def test_council_users_cannot_open_the_admin(leeds):
    response = client_for(la_user(leeds)).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_registry_pages_show_a_council_user_only_their_area(area, leeds):
    client = client_for(la_user(leeds))
    # Signing in lands on their area's data dashboard (dissemination); the registry is here.
    assert client.get(reverse("home")).url == reverse("dissemination:dashboard")

    found = client.get(reverse("providers:locations"), {"q": "Care Ltd"}).content.decode()
    assert "Aire Valley Care Ltd" in found
    assert "Mancunian Care Ltd" not in found and "Bradford Homes Ltd" not in found

    provider_page = client.get(reverse("providers:provider", args=[area["both"].cqc_id]))
    assert "Leeds House" in provider_page.content.decode()
    assert "Bradford House" not in provider_page.content.decode()

    own = client.get(reverse("providers:location", args=[area["leeds_home"].cqc_id]))
    assert own.status_code == 200
    for other in ("bradford_home", "manchester_home"):
        page = client.get(reverse("providers:location", args=[area[other].cqc_id]))
        assert page.status_code == 404
    hidden_provider = client.get(reverse("providers:provider", args=[area["bradford_only"].cqc_id]))
    assert hidden_provider.status_code == 404


# --- Support staff set councils in admin (a plain support officer, not a superuser) -----------


def test_support_staff_create_a_council_user_with_councils_and_it_is_audited(leeds, bradford):
    support = SupportUserFactory()
    assert not support.is_superuser and not support.user_permissions.exists()
    client = client_for(support)
    assert client.get(reverse("admin:providers_user_add")).status_code == 200
    response = client.post(
        reverse("admin:providers_user_add"),
        {
            "email": "Officer@Leeds.gov.example",
            "first_name": "Lee",
            "last_name": "Council",
            "role": Role.LOCAL_AUTHORITY,
            "provider": "",
            "local_authorities": [leeds.pk, bradford.pk],
            "password1": "a-long-enough-password-2026",
            "password2": "a-long-enough-password-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email__iexact="officer@leeds.gov.example")
    assert user.role == Role.LOCAL_AUTHORITY
    assert set(user.local_authorities.all()) == {leeds, bradford}
    event = AuditEvent.objects.get(action="providers.user.councils_changed")
    assert event.actor == support
    assert event.target_id == str(user.pk)
    assert event.data == {
        "added": ["E08000032", "E08000035"],
        "removed": [],
        "councils": ["E08000032", "E08000035"],
    }


def change_form_data(user: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "provider": user.provider_id or "",
        "limited_to_locations": [],
        "local_authorities": [c.pk for c in user.local_authorities.all()],
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_support_staff_change_a_council_users_councils_with_a_trail(leeds, bradford, manchester):
    support = SupportUserFactory()
    officer = la_user(leeds, bradford)
    url = reverse("admin:providers_user_change", args=[officer.pk])
    client = client_for(support)
    assert client.get(url).status_code == 200
    response = client.post(
        url, change_form_data(officer, local_authorities=[bradford.pk, manchester.pk])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(officer.local_authorities.all()) == {bradford, manchester}
    event = AuditEvent.objects.get(action="providers.user.councils_changed")
    assert event.data["added"] == ["E08000003"]
    assert event.data["removed"] == ["E08000035"]

    # Saving again without a change writes no second event.
    client.post(url, change_form_data(officer))
    assert AuditEvent.objects.filter(action="providers.user.councils_changed").count() == 1


def test_councils_on_anyone_but_a_council_user_are_refused(leeds):
    support = SupportUserFactory()
    analyst = AnalystFactory()
    url = reverse("admin:providers_user_change", args=[analyst.pk])
    response = client_for(support).post(
        url, change_form_data(analyst, local_authorities=[leeds.pk])
    )
    assert response.status_code == 200
    assert "Only local authority users have councils." in response.content.decode()
    assert not analyst.local_authorities.exists()


def test_support_staff_find_councils_in_the_councils_box(leeds):
    response = client_for(SupportUserFactory()).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "providers",
            "model_name": "user",
            "field_name": "local_authorities",
            "term": "Leeds",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Leeds"]


def test_support_staff_cannot_raise_anyone_to_superuser_or_touch_a_superuser():
    support = SupportUserFactory()
    colleague = SupportUserFactory()
    boss = SupportUserFactory(is_superuser=True)
    client = client_for(support)
    url = reverse("admin:providers_user_change", args=[colleague.pk])
    client.post(url, change_form_data(colleague, is_superuser="on"))
    colleague.refresh_from_db()
    assert not colleague.is_superuser
    boss_url = reverse("admin:providers_user_change", args=[boss.pk])
    assert client.post(boss_url, change_form_data(boss, is_active="")).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[boss.pk])
    assert client.get(password_url).status_code == 403
    boss.refresh_from_db()
    assert boss.is_active


def test_only_support_staff_set_councils_through_the_service(leeds):
    officer = la_user()
    with pytest.raises(PermissionDenied):
        user_set_local_authorities(
            actor=AnalystFactory(), user_id=officer.pk, local_authority_ids=[leeds.pk]
        )
    with pytest.raises(ValidationError):
        user_set_local_authorities(
            actor=SupportUserFactory(), user_id=AnalystFactory().pk, local_authority_ids=[leeds.pk]
        )
    assert not AuditEvent.objects.exists()
