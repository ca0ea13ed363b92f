"""No GET writes anything, anywhere (issue 10, item 4).

Mail scanners follow the links in our emails, crawlers follow every public link, and people
reload pages: a GET must never change the database. This test walks EVERY URL pattern the
project resolves (the resolver is iterated, so a pattern added later is walked too) as each
kind of visitor, in a seeded demo world, and asserts that no row in any table changed.

To walk a new pattern, it needs a value for each of its URL kwargs: add one to ``FILL`` (by
kwarg name), or to ``FILL_FOR`` when the same kwarg name means something else in that pattern.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant
from api.services import key_create
from capacity_tracker.management.commands.seed_demo import DEMO_SUPPLIER
from capacity_tracker.schedule import JOBS
from enforcement.models import EnforcementCase, Letter
from enforcement.views import ACTIONS
from providers.models import Contact, Location, Provider, Role, User
from providers.two_factor import has_device, is_staff_user
from returns.bulk import save as bulk
from returns.deadlines import LONDON, Period, window_dates
from returns.email_links import make_token
from returns.models import BulkUpload, CollectionWindow, ReturnDraft, ReturnVersion
from returns.selectors import latest_opened_window
from returns.services import windows_ensure
from tests.conftest import client_for
from tests.factories import CaseworkerFactory, CqcImportFactory

# Inside this month's window (the 10th, midday), so the email link and the portal are live.
# seed_demo dates its world from the real today, so "now" is taken from the real month.
_this_month = Period.of(datetime.datetime.now(tz=LONDON).date())
NOW = window_dates(_this_month).opens_at + datetime.timedelta(days=2, hours=12)

MEADOWBANK = "1-101000001"
IDENTITIES = {  # seed_demo's accounts; None is an anonymous visitor
    "anonymous": None,
    "provider": "manager@meadowbank.example",  # the provider's approver, every location
    # The other kinds of provider user: one limited to some locations, not an approver; one
    # signed up and waiting for approval (who sees no data yet).
    "provider_limited": "deputy@meadowbank.example",
    "provider_pending": "newstarter@meadowbank.example",
    "support": "support@necs.example",
    "caseworker": "caseworker@nhsbsa.example",
    "analyst": "analyst@dhsc.example",
    "local_authority": "officer@leeds.example",
    "discharge": "discharge@nhstrust.example",  # a discharge and brokerage team
    # Support staff see admin through the "NECS support" group their role puts them in; a
    # superuser also reaches the admin pages beyond it (add forms, delete confirmations).
    "superuser": "admin@asc-collection.example",
}

# Staff signed in but not past the second factor: one with an authenticator app (every page
# asks for a code), one who has none yet (every page sends them to set one up). Signed in
# without client_for's second factor; the second is made for the walk, without a device.
SIGNED_IN_ONLY = {"support_no_code": "support@necs.example", "caseworker_no_app": None}

# At least this many distinct patterns must answer 200 to someone, so the test cannot pass by
# walking pages that all redirect or 404. (About 120 of 210 do today, most of them admin pages;
# the rest are POST-only, or redirect without a draft, or admin add/delete pages for read-only
# models.)
MIN_PATTERNS_OK = 100

# Tables allowed to change on a GET. None: the sign-ins happen before the first snapshot, a GET
# never modifies a session (CSRF tokens are in a cookie, messages use cookie storage first), and
# django-axes writes only on sign-in attempts, which are POSTs.
IGNORED_TABLES: frozenset[str] = frozenset()

# A statement may follow pghistory's "SELECT set_config(...);" prefix, which carries the
# request's context to the history triggers.
WRITE_SQL = re.compile(r"(?:^|;)\s*(INSERT|UPDATE|DELETE|TRUNCATE|MERGE)\b", re.IGNORECASE)


# --- The world the URLs are filled from -------------------------------------------------------


@dataclass(frozen=True)
class World:
    provider: Provider
    location: Location  # a Meadowbank care home the provider user may edit
    contact: Contact
    pending_user: User  # waiting for the Meadowbank approver
    version: ReturnVersion
    window: CollectionWindow  # this month's, open at NOW
    upload: BulkUpload
    case: EnforcementCase | None
    letter: Letter | None
    token: str


def _build_world() -> World:
    call_command("seed_demo", stdout=io.StringIO())
    for job in JOBS:  # what run_scheduled does: windows, the sweep (cases, letters), emails
        job.run(NOW)
    CqcImportFactory()  # so the import log's admin pages have a row to show
    provider = Provider.objects.get(cqc_id=MEADOWBANK)
    manager = User.objects.get(email=IDENTITIES["provider"])
    location = provider.locations.filter(offers_care_home=True).order_by("cqc_id").first()
    window = latest_opened_window(NOW)
    assert window.pk is not None, "the scheduled job stores this month's window"
    contact = location.contacts.order_by("pk").first()
    case = EnforcementCase.objects.order_by("pk").first()
    return World(
        provider=provider,
        location=location,
        contact=contact,
        pending_user=User.objects.get(email="newstarter@meadowbank.example"),
        version=ReturnVersion.objects.filter(return_head__location=location).latest("pk"),
        window=window,
        upload=_checked_upload(manager, provider),
        case=case,
        letter=case.letters.order_by("pk").first() if case else None,
        token=make_token(
            location_id=location.pk,
            window_id=window.pk,
            contact_id=contact.pk,
            expires_at=window.closes_at,
        ),
    )


def _checked_upload(user: User, provider: Provider) -> BulkUpload:
    """A CSV upload through the real services: the provider's own template, checked."""
    header, rows = bulk.template_rows(
        user=user, provider=provider, window=latest_opened_window(NOW), care_types=["care_home"]
    )
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    upload = bulk.bulk_upload_create(
        user=user,
        file_name="returns.csv",
        content="\n".join(lines).encode(),
        on_behalf_reason="",
        now=NOW,
    )
    return bulk.bulk_check(upload_id=upload.pk, now=NOW)


# --- How to fill each URL kwarg ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One URL pattern: its full route, name (if any) and, for admin pages, the model."""

    route: str
    name: str
    callback: Callable[..., HttpResponseBase]

    @property
    def model(self) -> type | None:
        model_admin = getattr(self.callback, "model_admin", None)
        return model_admin.model if model_admin else None


Filler = Callable[[World, Target], object]


def _admin_object_id(world: World, target: Target) -> object:
    model = target.model or Location  # admin:view_on_site has no model admin: use a location
    row = model._default_manager.order_by("pk").first()
    return row.pk if row else 0  # none stored: admin answers "does not exist", still a GET


def _case_reference(world: World, target: Target) -> str:
    return world.case.reference if world.case else "NO-SUCH-CASE"


def _action_slug(world: World, target: Target) -> str:
    available = [
        slug for slug, action in ACTIONS.items() if world.case and action.available(world.case)
    ]
    return available[0] if available else next(iter(ACTIONS))


def _first_pk(model: type, **lookup: object) -> int:
    row = model._default_manager.filter(**lookup).order_by("pk").first()  # type: ignore[attr-defined]
    return row.pk if row else 0  # none: the page answers 404, still a GET


def _draft_reference(world: World, target: Target) -> str:
    draft = ReturnDraft.objects.filter(location__provider=world.provider).order_by("pk").first()
    return draft.reference if draft else "NO-SUCH-DRAFT"


FILL: dict[str, Filler] = {
    "cqc_id": lambda w, t: w.location.cqc_id,
    "period": lambda w, t: w.window.period_key,
    "care_type": lambda w, t: "care_home",
    "reference": lambda w, t: w.version.reference,
    "contact_id": lambda w, t: w.contact.pk,
    "user_id": lambda w, t: w.pending_user.pk,
    "upload_id": lambda w, t: w.upload.pk,
    "token": lambda w, t: w.token,  # also a password reset link's: not valid there, as a
    # valid one is kept in the session (Django's design, so the token leaves the address bar)
    "uidb64": lambda w, t: urlsafe_base64_encode(force_bytes(w.pending_user.pk)),
    "slug": _action_slug,
    "letter_reference": lambda w, t: w.letter.reference if w.letter else "NO-SUCH-LETTER",
    # The provider's API access pages: A's first grant and key, if the world has any.
    "grant_id": lambda w, t: _first_pk(SupplierGrant, provider=w.provider),
    "key_id": lambda w, t: _first_pk(ApiKey, provider=w.provider),
    # Django admin
    "object_id": _admin_object_id,
    "pk": _admin_object_id,  # django-otp's device admin (the QR code page)
    "content_type_id": lambda w, t: ContentType.objects.get_for_model(Location).pk,
    "id": lambda w, t: w.pending_user.pk,  # a user's password change page
    "app_label": lambda w, t: "providers",
    "url": lambda w, t: "no-such-page/",  # admin's catch-all
}

# A query string for patterns that need one to do their work: a past year, whose windows the
# scheduled job never stored (the calendar used to store them, and the sweep then breached them).
QUERY_FOR: dict[str, str] = {"api-calendar": "year=2024", "calendar": "year=2024"}


def _last_month(world: World) -> str:
    return str(world.window.period_obj.previous())


# Query strings that need the world: the API's reads, asked about real data (the object
# location, this month and last month's figures), so they do their work rather than a 400.
QUERY_FILL: dict[str, Callable[[World], str]] = {
    "api-data-items": lambda w: f"care_type=care_home&period={w.window.period_key}",
    "api-locations": lambda w: "owing=true",
    "api-returns": lambda w: f"location={w.location.cqc_id}",
    "api-aggregates": lambda w: f"period={_last_month(w)}&level=location&care_type=care_home",
    "api-compliance": lambda w: f"period={_last_month(w)}",
}

# Where a kwarg name means something else in one pattern.
FILL_FOR: dict[tuple[str, str], Filler] = {
    ("providers:provider", "cqc_id"): lambda w, t: w.provider.cqc_id,
    ("enforcement:case", "reference"): _case_reference,
    ("enforcement:action", "reference"): _case_reference,
    ("enforcement:letter", "reference"): _case_reference,
    ("drafts:draft", "reference"): _draft_reference,
    ("drafts:confirm", "reference"): _draft_reference,
    ("drafts:discard", "reference"): _draft_reference,
}


# --- Walking the resolver ---------------------------------------------------------------------

ROUTE_KWARG = re.compile(r"<(?:\w+:)?(?P<kwarg>\w+)>")
REGEX_KWARG = re.compile(r"\(\?P<(?P<kwarg>\w+)>(?:[^()]|\([^()]*\))*\)")


def _targets(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[Target]:
    for pattern in patterns:
        route = URLResolver._join_route(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _targets(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield Target(route=route, name=name, callback=pattern.callback)


def _path_for(target: Target, world: World | None) -> str:
    """The route with every kwarg filled, as a path; checked to resolve back to this pattern."""

    def value(match: re.Match[str]) -> str:
        kwarg = match["kwarg"]
        filler = FILL_FOR.get((target.name, kwarg)) or FILL.get(kwarg)
        if filler is None or world is None:
            pytest.fail(
                f"No value for <{kwarg}> in {target.route!r}: add one to FILL in {__name__}."
            )
        return str(filler(world, target))

    url = ROUTE_KWARG.sub(value, REGEX_KWARG.sub(value, target.route))  # regex groups first
    url = "/" + re.sub(r"\\(.)", r"\1", url.removeprefix("^").removesuffix("$"))
    resolved = resolve(url)
    assert resolved.route == target.route, f"{url} resolves to {resolved.route!r}"
    query = QUERY_FOR.get(target.name)
    if target.name in QUERY_FILL and world is not None:
        query = QUERY_FILL[target.name](world)
    return f"{url}?{query}" if query else url


# --- Fingerprints of every table --------------------------------------------------------------


def _fingerprints() -> dict[str, tuple[int, str]]:
    """Per table: its row count and a checksum of every row, independent of row order."""
    model_tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        # Unmanaged models are views over other tables (pghistory's Events), not tables.
        if not model._meta.proxy and model._meta.managed
    }
    tables = set(connection.introspection.table_names())
    assert model_tables <= tables, f"models without a table: {model_tables - tables}"
    prints = {}
    with connection.cursor() as cursor:
        for table in sorted(tables - IGNORED_TABLES):
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' "  # noqa: S608 - table names come from the schema
                f"ORDER BY md5(t::text))), '') FROM {quoted} AS t"
            )
            count, checksum = cursor.fetchone()
            prints[table] = (count, checksum)
    return prints


def _changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [
        f"{table}: {before.get(table)} -> {after.get(table)}"
        for table in sorted(before.keys() | after.keys())
        if before.get(table) != after.get(table)
    ]


# --- The walk ---------------------------------------------------------------------------------


@dataclass
class Walk:
    changed: list[str]  # tables whose rows differ after the walk: the verdict
    writes: list[str]  # write statements a GET sent, with who and where: the culprits
    on_commit: list[str]  # work a GET scheduled for after a commit
    errors: list[str]  # 5xx answers
    ok: set[str]  # routes that answered 200 to someone


def _get(client: Client, path: str) -> HttpResponseBase:
    response = client.get(path)
    if response.streaming:  # CSV and PDF downloads do their reads (or writes) while streaming
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response


# Clients whose name starts with this call with an organisation's API key: they walk the API's
# patterns only (elsewhere a key is nobody, as the anonymous visitor already is).
API_KEY_CLIENT = "api key: "
API_ROUTE = "api/v1/"


def granted_locations_of(supplier: Supplier):  # type: ignore[no-untyped-def]
    return Location.objects.filter(
        supplier_grants__supplier=supplier, supplier_grants__revoked_at__isnull=True
    )


def _api_key_clients(world: World) -> dict[str, Client]:
    """A real key of each kind (made before the first fingerprint: making one writes). The
    supplier's acts for the walked location through the grant seed_demo gave it."""
    supplier = Supplier.objects.get(name=DEMO_SUPPLIER)
    assert granted_locations_of(supplier).filter(pk=world.location.pk).exists()
    owners: dict[str, dict[str, object]] = {
        ApiKeyKind.SUPPLIER: {"supplier": supplier},
        ApiKeyKind.PROVIDER: {"provider": world.provider},
        ApiKeyKind.LOCAL_AUTHORITY: {"local_authority": world.location.local_authority},
        ApiKeyKind.DHSC: {},
    }
    clients = {}
    for kind, owner in owners.items():
        _key, raw = key_create(actor=None, kind=kind, name="Walk", now=NOW, **owner)  # type: ignore[arg-type]
        clients[f"{API_KEY_CLIENT}{kind}"] = Client(
            raise_request_exception=False, HTTP_AUTHORIZATION=f"Api-Key {raw}"
        )
    return clients


def _signed_in_only_clients() -> dict[str, Client]:
    """``SIGNED_IN_ONLY``'s visitors (signing in, and making the second user, write: before
    the first fingerprint)."""
    clients = {}
    for who, email in SIGNED_IN_ONLY.items():
        user = User.objects.get(email=email) if email else CaseworkerFactory()
        assert is_staff_user(user)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[who] = client
    assert has_device(User.objects.get(email=SIGNED_IN_ONLY["support_no_code"]))
    return clients


def _assert_every_kind_of_visitor(clients: dict[str, Client]) -> None:
    """Every role, both kinds of provider user, a superuser and every kind of API key walk."""
    signed_in = [User.objects.get(email=email) for email in IDENTITIES.values() if email]
    assert {user.role for user in signed_in} == set(Role.values)
    providers = [user for user in signed_in if user.role == Role.PROVIDER]
    assert {user.is_provider_approver for user in providers} == {True, False}
    assert {user.approved_at is None for user in providers} == {True, False}
    assert any(user.limited_to_locations.exists() for user in providers)
    assert any(user.is_superuser for user in signed_in)
    assert {
        who.removeprefix(API_KEY_CLIENT) for who in clients if who.startswith(API_KEY_CLIENT)
    } == set(ApiKeyKind.values)


def _walk(
    clients: dict[str, Client], targets: list[Target], world: World | None, capture_on_commit
) -> Walk:
    """GET every target as every client, between two fingerprints of the whole database."""
    walk = Walk(changed=[], writes=[], on_commit=[], errors=[], ok=set())
    before = _fingerprints()
    for who, client in clients.items():
        for target in targets:
            if who.startswith(API_KEY_CLIENT) and not target.route.startswith(API_ROUTE):
                continue
            url = _path_for(target, world)
            with CaptureQueriesContext(connection) as queries, capture_on_commit() as callbacks:
                response = _get(client, url)
            if response.status_code == 200:
                walk.ok.add(target.route)
                if who.startswith(API_KEY_CLIENT):
                    walk.ok.add(f"{who} {target.route}")
            if response.status_code >= 500:
                walk.errors.append(f"{who} GET {url}: {response.status_code}")
            walk.writes += [
                f"{who} GET {url}: {query['sql'][found.start(1) :][:200]}"
                for query in queries.captured_queries
                if (found := WRITE_SQL.search(query["sql"]))
            ]
            walk.on_commit += [f"{who} GET {url}: {callback!r}" for callback in callbacks]
    walk.changed = _changed(before, _fingerprints())
    return walk


# Which API reads each kind of key must get a 200 from in the walk.
API_READS = {
    ApiKeyKind.SUPPLIER: ["calendar", "data-items", "locations", "returns"],
    ApiKeyKind.PROVIDER: ["calendar", "data-items", "locations", "returns"],
    ApiKeyKind.LOCAL_AUTHORITY: ["calendar", "aggregates", "compliance"],
    ApiKeyKind.DHSC: ["calendar", "data-items", "aggregates", "compliance"],
}


@pytest.mark.django_db
def test_no_get_to_any_url_changes_any_row(django_capture_on_commit_callbacks) -> None:
    with mock.patch("capacity_tracker.lib.clock.now", return_value=NOW):
        world = _build_world()
        clients = {}
        for who, email in IDENTITIES.items():
            # Signed in before the first fingerprint: signing in writes (last_login, the session).
            # Staff have passed their second factor (client_for), or every page would redirect.
            clients[who] = (
                client_for(User.objects.get(email=email), raise_request_exception=False)
                if email
                else Client(raise_request_exception=False)
            )
        clients.update(_signed_in_only_clients())
        clients.update(_api_key_clients(world))
        _assert_every_kind_of_visitor(clients)
        stored_2024 = set(CollectionWindow.objects.filter(period__year=2024).values_list("period"))
        assert len(stored_2024) < 12  # seed_demo's history starts late in 2024
        targets = list(_targets(get_resolver().url_patterns))
        walk = _walk(clients, targets, world, django_capture_on_commit_callbacks)

    assert walk.changed == [], "\n".join(walk.writes)
    assert walk.writes == []
    assert walk.on_commit == []
    assert walk.errors == []
    assert len(walk.ok) >= MIN_PATTERNS_OK, sorted({t.route for t in targets} - walk.ok)
    # The pages this issue is about answered, so they were really exercised.
    issue_pages = ["", "calendar/", "api/v1/calendar/", "returns/", "returns/bulk/"]
    for route in [*issue_pages, "quick/<str:token>/", "cases/<str:reference>/"]:
        assert route in walk.ok, route
    # The calendar (pages and API) answered for 2024, most of whose windows the scheduled job
    # never stored, and stored none of them (it used to).
    assert set(CollectionWindow.objects.filter(period__year=2024).values_list("period")) == (
        stored_2024
    )
    # The API's reads answered each kind of key it is for (issue 12): a key's last use is
    # noted in the cache, not the database, so none of these wrote either.
    for who, endpoints in API_READS.items():
        for endpoint in endpoints:
            assert f"{API_KEY_CLIENT}{who} {API_ROUTE}{endpoint}/" in walk.ok, (who, endpoint)


# --- The walk catches a GET that writes (so the test above is not passing by blindness) -------


def _stores_a_window_on_get(request: HttpRequest) -> HttpResponse:
    """What the calendar used to do."""
    windows_ensure(periods=[Period(2024, 1)])
    return HttpResponse("stored")


urlpatterns = [path("writes-on-get/", _stores_a_window_on_get)]


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_walk_catches_a_get_that_writes(django_capture_on_commit_callbacks) -> None:
    targets = list(_targets(get_resolver().url_patterns))
    walk = _walk({"anonymous": Client()}, targets, None, django_capture_on_commit_callbacks)
    assert walk.ok == {"writes-on-get/"}
    # The window, and the history the database keeps of it (its event and the request's
    # context): the triggers' writes are caught too, though no SQL of ours sent them.
    assert [change.split(":")[0] for change in walk.changed] == [
        "pghistory_context",
        "returns_collectionwindow",
        "returns_collectionwindowevent",
    ]
    assert all(": (0, '') -> (1, " in change for change in walk.changed)
    assert len(walk.writes) == 1
    assert 'INSERT INTO "returns_collectionwindow"' in walk.writes[0]
