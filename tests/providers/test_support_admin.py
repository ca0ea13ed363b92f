"""The support desk in admin as a plain support officer: never a superuser, never promoted.

Support staff hold their admin powers through the "NECS support" group, which the data
migration creates and the user services keep in step with the role. Everything here signs in
with ``client_for`` and a SupportUserFactory user as it comes.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import NoReverseMatch, reverse

from notifications.models import OutboundMessage
from providers.models import AuditEvent, Contact, Role, User
from providers.services import UserAccess, user_change_access
from providers.support_permissions import (
    SUPPORT_GROUP_NAME,
    SUPPORT_PERMISSIONS,
    check_support_group,
    declared_permissions,
    group_permissions,
)
from returns.services import windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    AuditEventFactory,
    CaseworkerFactory,
    ContactFactory,
    CqcImportFactory,
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderUserFactory,
    SupportUserFactory,
)

pytestmark = pytest.mark.django_db

# What the desk must find in admin (app label, model name). Other admin pages may be added
# by other features; these must never disappear for a plain support officer.
DESK_MODELS = {
    ("providers", "region"),
    ("providers", "localauthority"),
    ("providers", "provider"),
    ("providers", "location"),
    ("providers", "contact"),
    ("providers", "user"),
    ("notifications", "outboundmessage"),
    ("providers", "auditevent"),
    ("providers", "cqcimport"),
    ("returns", "collectionwindow"),
    ("returns", "datasetversion"),
    ("returns", "campaignmonth"),
    ("returns", "bulkupload"),
    ("enforcement", "feescheme"),
    ("enforcement", "breach"),
    ("enforcement", "enforcementcase"),
    ("enforcement", "caseevent"),
    ("enforcement", "letter"),
    ("enforcement", "windowsweep"),
    ("enforcement", "representation"),
    ("enforcement", "recordedfee"),
    ("dissemination", "disclosurerecord"),
}


@pytest.fixture
def support() -> User:
    user = SupportUserFactory()
    # The point of this file: nothing here may pass because the officer was promoted.
    assert not user.is_superuser and not user.user_permissions.exists()
    return user


@pytest.fixture
def desk_world() -> dict[str, Any]:
    """At least one row of everything the desk opens, so each change page is requested."""
    location = LocationFactory()
    contact = ContactFactory(location=location, is_primary=True)
    LocationStatusChangeFactory(location=location)
    provider_user = ProviderUserFactory(provider=location.provider)
    AuditEventFactory(target_id=str(location.pk))
    CqcImportFactory()
    OutboundMessage.objects.create(
        kind="window_open",
        scope="2026-12",
        location=location,
        contact=contact,
        recipient=contact.email,
        template="window_open",
    )
    windows_ensure_ahead(now=datetime.datetime(2026, 11, 23, 9, tzinfo=ZoneInfo("Europe/London")))
    return {"location": location, "contact": contact, "provider_user": provider_user}


def change_url(app_label: str, model_name: str, pk: object) -> str | None:
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


# --- The group --------------------------------------------------------------------------------


def test_the_group_holds_exactly_the_declared_permissions():
    group = Group.objects.get(name=SUPPORT_GROUP_NAME)
    assert group_permissions(group) == declared_permissions()
    assert len(declared_permissions()) == len(SUPPORT_PERMISSIONS)  # no duplicates
    assert check_support_group(databases=["default"]) == []


def test_the_check_reports_a_group_that_drifted():
    group = Group.objects.get(name=SUPPORT_GROUP_NAME)
    group.permissions.remove(group.permissions.get(codename="view_location"))
    errors = check_support_group(databases=["default"])
    assert [e.id for e in errors] == ["providers.W002"]
    assert "providers.view_location" in errors[0].msg


def test_nothing_dangerous_is_in_the_declared_list():
    names = set(SUPPORT_PERMISSIONS)
    assert not {n for n in names if n.startswith("auth.")}  # no group or permission editing
    assert "providers.delete_user" not in names
    assert not {n for n in names if n.startswith("enforcement.") and ".view_" not in n}
    for history in ("auditevent", "locationstatuschange", "location"):
        assert f"providers.delete_{history}" not in names
    assert not {n for n in names if n.startswith("notifications.delete_")}
    assert not {n for n in names if n.startswith("returns.delete_")}


def test_support_staff_are_in_the_group_and_other_roles_are_not(support):
    assert support.groups.filter(name=SUPPORT_GROUP_NAME).exists()
    for other in (CaseworkerFactory(), AnalystFactory(), ProviderUserFactory()):
        assert not other.groups.exists()
    # Support without admin (is_staff off) has no admin powers either.
    assert not SupportUserFactory(is_staff=False).groups.exists()


# --- Every page the desk needs answers 200 ----------------------------------------------------


def test_a_plain_support_officer_opens_every_list_and_change_page_the_desk_needs(
    support, desk_world
):
    client = client_for(support)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    listed: set[tuple[str, str]] = set()
    for app in index.context["app_list"]:
        assert app["app_label"] != "auth"  # groups and permissions are not the desk's
        for entry in app["models"]:
            key = (app["app_label"], entry["object_name"].lower())
            listed.add(key)
            assert entry["perms"]["view"], key
            changelist = client.get(entry["admin_url"])
            assert changelist.status_code == 200, key
            obj = apps.get_model(*key).objects.first()
            url = obj is not None and change_url(*key, obj.pk)
            if url:
                # follow: a page may lead on (a CQC import's page goes to its preview).
                assert client.get(url, follow=True).status_code == 200, (key, url)
    assert listed >= DESK_MODELS, DESK_MODELS - listed

    # The rows made above are opened on their change pages.
    for key, obj in [
        (("providers", "location"), desk_world["location"]),
        (("providers", "contact"), desk_world["contact"]),
        (("providers", "user"), desk_world["provider_user"]),
    ]:
        assert client.get(change_url(*key, obj.pk)).status_code == 200


def test_the_councils_and_providers_boxes_search_for_a_plain_support_officer(support, desk_world):
    response = client_for(support).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "providers",
            "model_name": "location",
            "field_name": "provider",
            "term": desk_world["location"].provider.name[:5],
        },
    )
    assert response.status_code == 200
    assert response.json()["results"]


# --- What the desk may not do -----------------------------------------------------------------


def test_forbidden_actions_answer_403(support, desk_world):
    from enforcement.models import FeeScheme

    client = client_for(support)
    victim = desk_world["provider_user"]
    delete_user = reverse("admin:providers_user_delete", args=[victim.pk])
    assert client.get(delete_user).status_code == 403
    assert client.post(delete_user, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=victim.pk).exists()

    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    group = Group.objects.get(name=SUPPORT_GROUP_NAME)
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 403

    scheme = FeeScheme.objects.get()
    fee_url = reverse("admin:enforcement_feescheme_change", args=[scheme.pk])
    assert client.post(fee_url, {"name": "Free", "effective_from": "2026-04-01"}).status_code == 403
    assert client.get(reverse("admin:enforcement_feescheme_add")).status_code == 403
    scheme.refresh_from_db()
    assert scheme.name != "Free"

    # History is never deleted from admin.
    event = AuditEvent.objects.first()
    assert (
        client.get(reverse("admin:providers_auditevent_delete", args=[event.pk])).status_code == 403
    )
    email = OutboundMessage.objects.get()
    assert (
        client.get(
            reverse("admin:notifications_outboundmessage_delete", args=[email.pk])
        ).status_code
        == 403
    )
    location = desk_world["location"]
    assert (
        client.get(reverse("admin:providers_location_delete", args=[location.pk])).status_code
        == 403
    )


def test_a_support_officer_cannot_give_themselves_or_anyone_groups(support, desk_world):
    colleague = SupportUserFactory()
    client = client_for(support)
    url = reverse("admin:providers_user_change", args=[colleague.pk])
    admins = Group.objects.create(name="Everything")
    response = client.post(
        url,
        {
            "email": colleague.email,
            "first_name": colleague.first_name,
            "last_name": colleague.last_name,
            "role": colleague.role,
            "is_active": "on",
            "is_staff": "on",
            "groups": [admins.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(colleague.groups.values_list("name", flat=True)) == [SUPPORT_GROUP_NAME]


@pytest.mark.parametrize(
    "make",
    [CaseworkerFactory, AnalystFactory, ProviderUserFactory],
    ids=["caseworker", "analyst", "provider"],
)
def test_other_roles_cannot_use_admin(make):
    client = client_for(make())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.get(reverse("admin:providers_location_changelist")).status_code == 302


def test_a_caseworker_given_staff_status_by_mistake_still_sees_nothing():
    # is_staff alone opens the admin's door but carries no permission: the group is support's.
    client = client_for(CaseworkerFactory(is_staff=True))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and index.context["app_list"] == []
    assert client.get(reverse("admin:providers_location_changelist")).status_code == 403


# --- Contacts go through the contacts service -------------------------------------------------


def test_deleting_a_locations_only_contact_in_admin_is_refused(support, desk_world):
    contact = desk_world["contact"]
    client = client_for(support)
    url = reverse("admin:providers_contact_delete", args=[contact.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert not AuditEvent.objects.filter(action="providers.contact.removed").exists()


def test_deleting_one_of_two_contacts_in_admin_is_audited_and_keeps_a_primary(support, desk_world):
    location, primary = desk_world["location"], desk_world["contact"]
    deputy = ContactFactory(location=location, name="Dee Deputy")
    response = client_for(support).post(
        reverse("admin:providers_contact_delete", args=[primary.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(Contact.objects.filter(location=location)) == [deputy]
    deputy.refresh_from_db()
    assert deputy.is_primary  # the service hands the primary role on
    event = AuditEvent.objects.get(action="providers.contact.removed")
    assert event.actor == support and event.target_id == str(location.pk)


def test_bulk_delete_is_not_offered_for_contacts(support, desk_world):
    page = client_for(support).get(reverse("admin:providers_contact_changelist"))
    assert 'value="delete_selected"' not in page.content.decode()


def test_adding_a_primary_contact_in_admin_goes_through_the_service(support, desk_world):
    location, old_primary = desk_world["location"], desk_world["contact"]
    response = client_for(support).post(
        reverse("admin:providers_contact_add"),
        {
            "location": location.pk,
            "name": "New Manager",
            "email": "new.manager@example.org",
            "phone": "",
            "role": "Registered manager",
            "is_primary": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Contact.objects.get(email="new.manager@example.org")
    assert new.is_primary and new.last_confirmed_on is not None
    old_primary.refresh_from_db()
    assert not old_primary.is_primary
    event = AuditEvent.objects.get(action="providers.contact.added")
    assert event.actor == support and event.data["contact"] == new.pk


def test_a_contacts_own_address_twice_is_refused_by_the_form(support, desk_world):
    location, contact = desk_world["location"], desk_world["contact"]
    response = client_for(support).post(
        reverse("admin:providers_contact_add"),
        {"location": location.pk, "name": "Twin", "email": contact.email.upper()},
    )
    assert response.status_code == 200
    assert "already a contact for this location" in response.content.decode()
    assert Contact.objects.filter(location=location).count() == 1


def test_changing_a_contact_in_admin_is_audited(support, desk_world):
    contact = desk_world["contact"]
    response = client_for(support).post(
        reverse("admin:providers_contact_change", args=[contact.pk]),
        {
            "name": "Renamed Person",
            "email": contact.email,
            "phone": contact.phone,
            "role": contact.role,
            "is_primary": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert contact.name == "Renamed Person"
    event = AuditEvent.objects.get(action="providers.contact.changed")
    assert event.data["after"]["name"] == "Renamed Person"


# --- Role, approver flag and limits: through the service, with a reason -----------------------


def user_form(user: User, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "provider": user.provider_id or "",
        "is_provider_approver": "on" if user.is_provider_approver else "",
        "limited_to_locations": [loc.pk for loc in user.limited_to_locations.all()],
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "reason": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_a_role_change_in_admin_is_audited_with_its_reason_and_joins_the_group(support):
    newcomer = CaseworkerFactory()
    client = client_for(support)
    url = reverse("admin:providers_user_change", args=[newcomer.pk])
    response = client.post(
        url,
        user_form(
            newcomer, role=Role.SUPPORT, is_staff="on", reason="Moved to the NECS desk (ticket 41)"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer.refresh_from_db()
    assert (newcomer.role, newcomer.is_staff) == (Role.SUPPORT, True)
    assert newcomer.groups.filter(name=SUPPORT_GROUP_NAME).exists()
    event = AuditEvent.objects.get(action="providers.user.access_changed")
    assert event.actor == support
    assert event.reason == "Moved to the NECS desk (ticket 41)"
    assert event.data["before"]["role"] == Role.CASEWORKER
    assert event.data["after"]["role"] == Role.SUPPORT
    # The new colleague can now work in admin.
    assert (
        client_for(newcomer).get(reverse("admin:providers_location_changelist")).status_code == 200
    )

    # And leaving the desk takes the powers away.
    response = client.post(
        url, user_form(newcomer, role=Role.ANALYST, is_staff="", reason="Joined DHSC analysis")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer.refresh_from_db()
    assert newcomer.role == Role.ANALYST
    assert not newcomer.groups.exists()
    assert AuditEvent.objects.filter(action="providers.user.access_changed").count() == 2


def test_a_role_change_without_a_reason_is_refused(support):
    analyst = AnalystFactory()
    response = client_for(support).post(
        reverse("admin:providers_user_change", args=[analyst.pk]),
        user_form(analyst, role=Role.SUPPORT, is_staff="on"),
    )
    assert response.status_code == 200
    assert "Say why this user" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.role == Role.ANALYST and not analyst.groups.exists()
    assert not AuditEvent.objects.filter(action="providers.user.access_changed").exists()


def test_approver_flag_and_location_limits_change_with_a_trail(support, desk_world):
    location = desk_world["location"]
    user = desk_world["provider_user"]
    response = client_for(support).post(
        reverse("admin:providers_user_change", args=[user.pk]),
        user_form(
            user,
            is_provider_approver="on",
            limited_to_locations=[location.pk],
            reason="Manager asked by email",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.is_provider_approver
    assert list(user.limited_to_locations.all()) == [location]
    event = AuditEvent.objects.get(action="providers.user.access_changed")
    assert event.reason == "Manager asked by email"
    assert event.data["before"]["approver"] is False
    assert event.data["after"] == {
        "role": Role.PROVIDER,
        "provider": location.provider_id,
        "approver": True,
        "staff": False,
        "active": True,
        "limited_to_locations": [location.pk],
    }


def test_limits_to_another_providers_location_are_refused(support, desk_world):
    user = desk_world["provider_user"]
    elsewhere = LocationFactory()
    response = client_for(support).post(
        reverse("admin:providers_user_change", args=[user.pk]),
        user_form(user, limited_to_locations=[elsewhere.pk], reason="Typo"),
    )
    assert response.status_code == 200
    assert "only to their own provider" in response.content.decode()
    assert not user.limited_to_locations.exists()


def test_saving_a_user_with_no_access_change_needs_no_reason_and_writes_no_event(
    support, desk_world
):
    user = desk_world["provider_user"]
    response = client_for(support).post(
        reverse("admin:providers_user_change", args=[user.pk]),
        user_form(user, first_name="Renamed"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.first_name == "Renamed"
    assert not AuditEvent.objects.filter(action="providers.user.access_changed").exists()


def test_the_service_refuses_non_support_actors_and_missing_reasons(support):
    analyst = AnalystFactory()
    wanted = UserAccess(
        role=Role.SUPPORT,
        provider_id=None,
        is_provider_approver=False,
        is_staff=True,
        is_active=True,
        limited_to_location_ids=frozenset(),
    )
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        user_change_access(actor=CaseworkerFactory(), user_id=analyst.pk, access=wanted, reason="x")
    with pytest.raises(ValidationError):
        user_change_access(actor=support, user_id=analyst.pk, access=wanted, reason="  ")
    analyst.refresh_from_db()
    assert analyst.role == Role.ANALYST and not analyst.groups.exists()


# --- Location details: through the service, with a reason ------------------------------------


def location_form(location: Any, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "cqc_id": location.cqc_id,
        "provider": location.provider_id,
        "name": location.name,
        "local_authority": location.local_authority_id,
        "address_line_1": location.address_line_1,
        "address_line_2": location.address_line_2,
        "town": location.town,
        "county": location.county,
        "postcode": location.postcode,
        "offers_care_home": "on" if location.offers_care_home else "",
        "offers_home_care": "on" if location.offers_home_care else "",
        "registered_places": location.registered_places or "",
        "people_using_service": location.people_using_service or "",
        "registered_on": location.registered_on or "",
        "added_to_service_on": location.added_to_service_on.strftime("%d/%m/%Y"),
        "reason": "",
    }
    # The inlines are read-only but still post their management forms.
    for prefix in ("contacts", "status_changes"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_correcting_a_locations_details_in_admin_is_audited_with_its_reason(support, desk_world):
    location = desk_world["location"]
    before = location.registered_places
    assert before != 42
    url = reverse("admin:providers_location_change", args=[location.pk])
    client = client_for(support)

    refused = client.post(url, location_form(location, registered_places="42"))
    assert refused.status_code == 200
    assert "Say why the location" in refused.content.decode()

    response = client.post(
        url, location_form(location, registered_places="42", reason="Manager phoned in")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    location.refresh_from_db()
    assert location.registered_places == 42
    event = AuditEvent.objects.get(action="providers.location.details_changed")
    assert event.actor == support and event.reason == "Manager phoned in"
    # Only what really changed is recorded (the date re-posted as it was is not).
    assert event.data == {"changes": {"registered_places": [before, 42]}}


def test_support_staff_never_see_the_secret_link_in_an_email(support):
    """A password reset link (or a signed quick-return link) in the outbox would let whoever
    reads it act as the recipient; the desk sees the rest of the email's details."""
    email = OutboundMessage.objects.create(
        kind="password_reset",
        scope="reset-test",
        recipient="someone@example.org",
        template="password_reset",
        personalisation={
            "name": "Someone Else",
            "reset_url": "https://x.example/reset/MQ/secret-token-123/",
            "quick_url": "https://x.example/quick/signed-456/",
        },
    )
    page = client_for(support).get(
        reverse("admin:notifications_outboundmessage_change", args=[email.pk])
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Someone Else" in body
    assert "secret-token-123" not in body and "signed-456" not in body
    assert "withheld" in body
