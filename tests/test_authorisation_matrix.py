"""Who may open what: every URL pattern, as every role, against real objects (issue 11, item 4).

The resolver is walked, so a URL added later is requested too, and fails this test until the
matrix below says who may open it. Each role is a real account of the seeded demo world (or one
made beside it), signed in as itself: no role stands in for another.

The objects in the URLs belong to provider A (Meadowbank): a care home that A's limited user
may NOT see, its contact, A's pending user, A's return, case and letter. Provider B's user
(Brightside) asking for them is the cross-provider check.

Codes, one per role in ``ROLES`` order:
  2 = 200 (allowed)      L = redirect to sign-in        R = another redirect (allowed flow)
  F = 403 (denied)       N = 404 (denied or no such)    M = 405 (method not allowed)
  4 = 400 (bad request)           U = 401 (no credentials: the API, to an anonymous caller)
POST-only patterns (405 to every GET) are also POSTed with no data: the denied roles must be
refused before any form is read (F, N or L), the allowed ones answer with the form's errors or
a redirect.

Admin pages follow a rule rather than a row each: nobody but staff passes admin's own sign-in
check, support staff open exactly what the support group's permissions allow, and the superuser
opens every page. The rule is checked for every admin pattern.
"""

from __future__ import annotations

import os
from dataclasses import replace
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import get_resolver, reverse

from enforcement.models import EnforcementCase
from enforcement.views import ACTIONS
from providers.models import Location, Provider, User
from returns.email_links import make_token
from returns.models import ReturnVersion
from tests.conftest import client_for
from tests.factories import ProviderUserFactory
from tests.test_no_get_writes import (
    IDENTITIES,
    NOW,
    Target,
    World,
    _build_world,
    _path_for,
    _targets,
)

ROLES = (
    "anonymous",
    "provider",  # a provider A user with no limits, not an approver
    "limited",  # a provider A user limited to two other locations
    "approver",  # provider A's approver
    "provider_b",  # provider B's approver
    "pending",  # signed up to provider A, not yet approved
    "support",
    "caseworker",
    "analyst",
    "local_authority",  # Leeds City Council's officer
    "superuser",
)

# The object location: a Meadowbank care home outside the limited user's two locations.
OBJECT_LOCATION = "1-1000000013"
LIMITED_LOCATIONS = {"1-1000000011", "1-1000000012"}

EMAILS = {
    "limited": "deputy@meadowbank.example",
    "approver": "manager@meadowbank.example",
    "provider_b": "manager@brightside.example",
    "pending": "newstarter@meadowbank.example",
    "support": IDENTITIES["support"],
    "caseworker": IDENTITIES["caseworker"],
    "analyst": IDENTITIES["analyst"],
    "local_authority": IDENTITIES["local_authority"],
    "superuser": IDENTITIES["superuser"],
}

NO_POST = {"logout", "admin:logout"}  # posting would sign the role out for the rest of the walk

SUPPORT_GROUP = "NECS support"

# Admin pages the group allows but a service may still refuse for the object walked: the first
# contact is its location's only one, and providers.contacts never removes a location's last
# contact (tests/providers/test_support_admin.py deletes a second contact as support).
REFUSED_BY_A_SERVICE = {"admin:providers_contact_delete"}

# fmt: off
EXPECTED: dict[str, str] = {
    # Roles: anon, provider, limited, approver, provider_b, pending, support, caseworker,
    #        analyst, local_authority, superuser.
    'POST bulk:confirm': 'LNNRNFFFFFF',
    'POST drafts:confirm': 'LNNNNFFFFFF',
    'POST providers:contacts-confirm': 'LRNRNFRFFFR',
    'POST two_factor:backup-codes': 'LFFFFF22222',
    'api_access:grant-add': 'LFF22FFFFFF',
    'api_access:grant-change': 'LFF2NFFFFFF',
    'api_access:grant-remove': 'LFF2NFFFFFF',
    'api_access:index': 'LFF22FFFFFF',
    'api_access:key-add': 'LFF22FFFFFF',
    'api_access:key-revoke': 'LFFNNFFFFFF',
    # The API as signed-in people (the docs page's "Try it out"): figures for the roles the
    # export pages allow, a location's returns for those who may see the location (A's object
    # location: not the limited user's, B's or Leeds'). Keys are walked in test_no_get_writes.
    'api-aggregates': 'UFFFFF2F222',
    'api-calendar': '22222222222',
    'api-compliance': 'UFFFFF22222',
    'api-data-items': 'U2222222222',
    'api-docs': '22222222222',
    'api-locations': 'U2222222222',
    'api-returns': 'U2N2NN222N2',
    'api-schema': '22222222222',
    'benchmark:location': 'L2N2NF2FFF2',
    'bulk:confirm': 'MMMMMMMMMMM',
    'bulk:errors': 'LNN2NF2FFF2',
    'bulk:progress': 'LNN2NF2FFF2',
    'bulk:start': 'L2222F2FFF2',
    'bulk:template': 'L2222FNFFFN',
    'bulk:template_xlsx': 'L2222FNFFFN',
    'bulk:upload': 'LNN2NF2FFF2',
    'calendar': '22222222222',
    'dissemination:at-risk': 'LFFFFF22222',
    'dissemination:compliance': 'LFFFFF22222',
    'dissemination:dashboard': 'LFFFFF2F222',
    'dissemination:dictionary': 'LFFFFF22222',
    'dissemination:exports': 'LFFFFF2F222',
    'drafts:confirm': 'MMMMMMMMMMM',
    'drafts:discard': 'LNNNNFFFFFF',
    'drafts:draft': 'LNNNNFNFFFN',
    'email-link': '22222222222',
    'enforcement:action': 'LFFFFFF2FFF',
    'enforcement:case': 'LFFFFF22FF2',
    'enforcement:compliance-csv': 'LFFFFFRRFFR',
    'enforcement:letter': 'LFFFFF22FF2',
    'enforcement:queue': 'LFFFFF22FF2',
    'healthz': '22222222222',
    'home': 'LRRRRRRRRRR',
    'login': '2RRRRRRRRRR',
    'logout': 'MMMMMMMMMMM',
    'password_reset': '22222222222',
    'password_reset_complete': '22222222222',
    'password_reset_confirm': '22222222222',
    'password_reset_done': '22222222222',
    'providers:awaiting-approval': 'LRRRR2FFFFF',
    'providers:contact-add': 'L2N2NF2FFF2',
    'providers:contact-edit': 'L2N2NF2FFF2',
    'providers:contact-remove': 'L2N2NF2FFF2',
    'providers:contacts-confirm': 'MMMMMMMMMMM',
    'providers:location': 'L2N2NF222N2',
    'providers:locations': 'L2222F22222',
    'providers:provider': 'L222NF22222',
    'providers:register': '2RRRRRRRRRR',
    'providers:team': 'LFF22FFFFFF',
    'providers:team-approve': 'LFF2NFFFFFF',
    'providers:team-locations': 'LFFNNFFFFFF',
    'providers:team-reject': 'LFF2NFFFFFF',
    'returns:check': 'LRNRNFRFFFR',
    'returns:dashboard': 'L2222FRFFFR',
    'returns:form': 'L2N2NF2FFF2',
    'returns:history': 'L2N2NF222F2',
    'returns:nil': 'L2N2NF2FFF2',
    'returns:saved': 'L2N2NF2FFF2',
    'returns:unchanged': 'L2N2NF2FFF2',
    'returns:use-mine': 'LNNNNFNFFFN',
    'returns:version': 'L2N2NF222F2',
    'returns:version-compare': 'L2N2NF222F2',
    'start': '22222222222',
    'two_factor:account': 'L2222222222',
    'two_factor:backup-codes': 'MMMMMMMMMMM',
    'two_factor:reset': 'LFFFFF2FFF2',
    'two_factor:setup': 'L22222RRRRR',
    'two_factor:verify': 'LRRRRRRRRRR',
    # The vacancy finder: discharge teams (not a column here, see tests/dissemination/
    # test_vacancies.py), support and analysts.
    'vacancies:finder': 'LFFFFF2F2F2',
}
# fmt: on


def _objects_of_a(world: World) -> World:
    """The no-GET-writes world, pointed at A's location outside the limited user's two, and
    at an open case (the first case in the demo is closed, so it offers no action)."""
    location = Location.objects.get(cqc_id=OBJECT_LOCATION)
    assert location.provider == world.provider
    assert OBJECT_LOCATION not in LIMITED_LOCATIONS
    limited = User.objects.get(email=EMAILS["limited"])
    assert set(limited.limited_to_locations.values_list("cqc_id", flat=True)) == LIMITED_LOCATIONS
    contact = location.contacts.order_by("pk").first()
    case = next(case for case in EnforcementCase.objects.order_by("pk") if case.is_open)
    assert any(action.available(case) for action in ACTIONS.values())
    return replace(
        world,
        location=location,
        contact=contact,
        version=ReturnVersion.objects.filter(return_head__location=location).latest("pk"),
        case=case,
        letter=case.letters.order_by("pk").first(),
        token=make_token(
            location_id=location.pk,
            window_id=world.window.pk,
            contact_id=contact.pk,
            expires_at=world.window.closes_at,
        ),
    )


def _verdict(response) -> str:
    status = response.status_code
    if status in (200, 201, 204):
        return "2"
    if status in (301, 302, 303):
        location = response["Location"]
        sign_in = (reverse("login"), reverse("admin:login"))
        return "L" if location.split("?")[0] in sign_in else "R"
    return {400: "4", 401: "U", 403: "F", 404: "N", 405: "M"}.get(status, str(status))


def _read(response) -> None:
    if response.streaming:
        b"".join(response.streaming_content)


def _clients() -> dict[str, Client]:
    meadowbank = Provider.objects.get(cqc_id="1-101000001")
    plain = ProviderUserFactory(provider=meadowbank, email="team@meadowbank.example")
    clients: dict[str, Client] = {"anonymous": Client(raise_request_exception=False)}
    for role in ROLES[1:]:
        user = plain if role == "provider" else User.objects.get(email=EMAILS[role])
        client = client_for(user)
        client.raise_request_exception = False
        clients[role] = client
    return clients


def _is_admin(target: Target) -> bool:
    return target.route.startswith("admin/")


def _support_may(target: Target) -> str:
    """What the support group's permissions let support staff do on an admin model page."""
    model = target.model
    group = Group.objects.get(name=SUPPORT_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    suffix = target.name.rsplit("_", 1)[-1]
    name = model._meta.model_name
    can_view = f"view_{name}" in codenames or f"change_{name}" in codenames
    wanted = {
        "changelist": can_view,
        "change": can_view,
        "history": can_view,
        "add": f"add_{name}" in codenames,
        "delete": f"delete_{name}" in codenames,
    }
    return wanted.get(suffix, can_view)


def _admin_rule(target: Target, codes: dict[str, str]) -> list[str]:
    """Broken rules for one admin pattern, as messages."""
    problems = []
    for role in ROLES:
        code = codes[role]
        if role in ("superuser", "support"):
            continue
        if target.name in ("admin:login", "admin:logout"):
            continue  # signing in and out, which anyone may do
        if code not in ("L", "M"):
            problems.append(f"{role} got {code} from {target.route}: only staff pass admin")
    if target.model is not None and target.name.rsplit("_", 1)[-1] in (
        "changelist",
        "change",
        "history",
        "add",
        "delete",
    ):
        allowed = _support_may(target)
        got = codes["support"]
        refused_by_service = target.name in REFUSED_BY_A_SERVICE and got == "F"
        if allowed and got not in ("2", "R", "N") and not refused_by_service:
            problems.append(f"support got {got} from {target.name}, which their group allows")
        if not allowed and got == "2":
            problems.append(f"support got 200 from {target.name}, which their group forbids")
    # The superuser passes admin's sign-in check everywhere; a 403 is a page admin forbids to
    # everyone (adding or deleting read-only records), which support must not open either.
    if codes["superuser"] == "L":
        problems.append(f"superuser was sent to sign in by {target.name or target.route}")
    if codes["superuser"] == "F" and codes["support"] == "2":
        problems.append(f"support opened {target.name}, which even the superuser may not")
    return problems


def _walk(world: World, clients: dict[str, Client]) -> dict[str, dict[str, str]]:
    observed: dict[str, dict[str, str]] = {}
    targets = list(_targets(get_resolver().url_patterns))
    for target in targets:
        key = target.name or target.route
        url = _path_for(target, world)
        observed[key] = {role: _verdict(clients[role].get(url)) for role in ROLES}
        observed[key]["__target__"] = target  # type: ignore[assignment]
    for key, codes in list(observed.items()):
        target = codes["__target__"]  # type: ignore[assignment]
        if _is_admin(target) or key in NO_POST:
            continue
        if all(codes[role] == "M" for role in ROLES):
            url = _path_for(target, world)
            post: dict[str, str] = {}
            for role in ROLES:
                response = clients[role].post(url, {})
                _read(response)
                post[role] = _verdict(response)
            post["__target__"] = target  # type: ignore[assignment]
            observed[f"POST {key}"] = post
    return observed


@pytest.mark.django_db
def test_every_url_as_every_role() -> None:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        world = _objects_of_a(_build_world())
        clients = _clients()
        observed = _walk(world, clients)

    table = {
        key: "".join(codes[role] for role in ROLES)
        for key, codes in observed.items()
        if not _is_admin(codes["__target__"])  # type: ignore[arg-type]
    }
    if os.environ.get("MATRIX_PRINT"):
        with open(os.environ["MATRIX_PRINT"], "w") as out:
            for key, codes in sorted(table.items()):
                out.write(f"    {key!r}: {codes!r},\n")

    unlisted = sorted(set(table) - set(EXPECTED))
    assert unlisted == [], f"URLs with no entry in the authorisation matrix: {unlisted}"
    gone = sorted(set(EXPECTED) - set(table))
    assert gone == [], f"matrix entries for URLs that no longer exist: {gone}"
    wrong = [
        f"{key}: expected {EXPECTED[key]} got {codes}"
        for key, codes in table.items()
        if codes != EXPECTED[key]
    ]
    assert wrong == [], "\n".join(wrong)

    problems = []
    for codes in observed.values():
        target = codes["__target__"]  # type: ignore[assignment]
        if _is_admin(target):
            problems += _admin_rule(target, codes)
    assert problems == [], "\n".join(problems)


def test_every_row_has_a_code_for_every_role() -> None:
    short = {key: codes for key, codes in EXPECTED.items() if len(codes) != len(ROLES)}
    assert short == {}
