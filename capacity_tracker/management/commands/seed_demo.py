"""python manage.py seed_demo: a small, realistic world for the demo. Safe to run again.

It seeds every app, so it lives in the project package (the one place allowed to import them
all): providers, locations, contacts and a user for each role; 24 months of varied returns
through the real save path (full, unchanged, late, nil and missing); and each month's breach
sweep run as it would have been the morning after the window closed, so the enforcement
history, the analysts' charts and the providers' benchmarks show something real.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, Max
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiKey, ApiKeyKind, Supplier, SupplierGrant
from api.services import grant_set, key_create, key_revoke
from capacity_tracker.lib import clock, history
from enforcement.letters import write_pending_letters
from enforcement.sweep import sweep_window
from notifications.models import OutboundMessage
from providers import two_factor
from providers.models import (
    Contact,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
    RegistrationStatus,
    Role,
    User,
)
from providers.services import location_change_status
from returns.datasets import dataset_for
from returns.deadlines import Period, window_dates
from returns.models import CollectionWindow, NilReason, ReturnVersion
from returns.obligations import owing_locations
from returns.selectors import latest_opened_window
from returns.services import windows_ensure, windows_ensure_ahead
from returns.submission import Submitter, previous_figures, return_save

HISTORY_MONTHS = 24

# The demo's care record software supplier: Meadowbank lets it send drafts for two of its
# four locations, so a third shows what an ungranted location answers.
DEMO_SUPPLIER = "Demo Care Records Ltd"
DEMO_SUPPLIER_EMAIL = "api@democarerecords.example"
DEMO_KEY_NAME = "Demo key (made by seed_demo)"
GRANTED_LOCATIONS = ("1-1000000011", "1-1000000012")
UNGRANTED_LOCATION = "1-1000000013"

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
# With DEBUG on, demo staff get an authenticator app with this key (so the demo can be signed
# into), printed for adding to an app. With DEBUG off they set up their own at first sign-in.
DEMO_TOTP_KEY = b"asc-demo-2fa-key-26!".hex()  # 20 bytes, as django-otp's own keys


# One contact who also gets the monthly messages as texts: running the window-open job in the
# demo prints her text in the console (Notify not configured). A number from Ofcom's drama
# range (07700 900000-900999), which is never given to anyone.
DEMO_TEXTS: dict[str, dict[str, object]] = {
    "amina.hussain@meadowbank.example": {"sms": True, "mobile": "+447700900982"},
}


@dataclass(frozen=True)
class DemoLocation:
    cqc_id: str
    name: str
    council: str  # ONS code
    postcode: str
    town: str
    care_home: bool = False
    home_care: bool = False
    places: int | None = None
    people: int | None = None
    contact: tuple[str, str, str] = ("", "", "")  # name, email, role
    # The kinds of care home CQC registers (Location.nursing, .residential, .dementia).
    kinds: frozenset[str] = frozenset()


PROVIDERS: list[tuple[str, str, str, list[DemoLocation]]] = [
    (
        "1-101000001",
        "Meadowbank Care Group Ltd",
        "LS1 4AP",
        [
            DemoLocation(
                "1-1000000011",
                "Meadowbank House",
                "E08000035",
                "LS6 2QA",
                "Leeds",
                care_home=True,
                places=42,
                kinds=frozenset(["residential", "dementia"]),
                contact=("Amina Hussain", "amina.hussain@meadowbank.example", "Registered manager"),
            ),
            DemoLocation(
                "1-1000000012",
                "Meadowbank Lodge",
                "E08000032",
                "BD9 4RR",
                "Bradford",
                care_home=True,
                places=28,
                kinds=frozenset(["residential"]),
                contact=("Gareth Pryce", "gareth.pryce@meadowbank.example", "Registered manager"),
            ),
            DemoLocation(
                "1-1000000013",
                "Calder View Nursing Home",
                "E08000036",
                "WF1 3JS",
                "Wakefield",
                care_home=True,
                places=64,
                kinds=frozenset(["nursing", "dementia"]),
                contact=("Niamh Walsh", "niamh.walsh@meadowbank.example", "Registered manager"),
            ),
            DemoLocation(
                "1-1000000014",
                "Meadowbank Home Support Leeds",
                "E08000035",
                "LS11 5DR",
                "Leeds",
                home_care=True,
                people=85,
                contact=("Tomasz Nowak", "tomasz.nowak@meadowbank.example", "Registered manager"),
            ),
        ],
    ),
    (
        "1-101000002",
        "Brightside Home Care Ltd",
        "B5 4BU",
        [
            DemoLocation(
                "1-1000000021",
                "Brightside Home Care Birmingham",
                "E08000025",
                "B5 4BU",
                "Birmingham",
                home_care=True,
                people=140,
                contact=("Priya Sharma", "priya.sharma@brightside.example", "Registered manager"),
            ),
        ],
    ),
    (
        "1-101000003",
        "Rosewood House Ltd",
        "CT1 2EH",
        [
            DemoLocation(
                "1-1000000031",
                "Rosewood House",
                "E10000016",
                "CT1 2EH",
                "Canterbury",
                care_home=True,
                home_care=True,
                places=18,
                people=25,
                kinds=frozenset(["residential"]),
                contact=("Oliver Bennett", "oliver.bennett@rosewood.example", "Registered manager"),
            ),
        ],
    ),
    (
        "1-101000004",
        "Harbour View Care Ltd",
        "TR1 2HE",
        [
            DemoLocation(
                "1-1000000041",
                "Harbour View",
                "E06000052",
                "TR1 2HE",
                "Truro",
                care_home=True,
                places=9,
                kinds=frozenset(["residential", "dementia"]),
                contact=(
                    "Kerenza Tregear",
                    "kerenza.tregear@harbourview.example",
                    "Registered manager",
                ),
            ),
            DemoLocation(
                "1-1000000042",
                "Harbour View Annexe",
                "E06000052",
                "TR1 3LJ",
                "Truro",
                care_home=True,
                places=6,
                kinds=frozenset(["residential"]),
                contact=(
                    "Kerenza Tregear",
                    "kerenza.tregear@harbourview.example",
                    "Registered manager",
                ),
            ),
        ],
    ),
    (
        "1-101000005",
        "Thames Community Care CIC",
        "SE1 7PB",
        [
            DemoLocation(
                "1-1000000051",
                "Thames Community Care Southwark",
                "E09000028",
                "SE1 7PB",
                "London",
                home_care=True,
                people=60,
                contact=("Grace Adeyemi", "grace.adeyemi@thamescare.example", "Registered manager"),
            ),
        ],
    ),
]

NAMED_PROVIDERS = frozenset(provider_id for provider_id, _, _, _ in PROVIDERS)

# Background providers: enough care homes and home care services in West Yorkshire and
# Birmingham that councils and the region have comparison groups of five or more (smaller
# groups are suppressed), so benchmarks and charts have something to show.
BACKGROUND = [
    ("1-101000101", "Aire Valley Care Homes Ltd", "LS12 1AA", "E08000035", "Leeds", "LS", 6),
    ("1-101000102", "Bronte Country Care Ltd", "BD1 1AA", "E08000032", "Bradford", "BD", 6),
    ("1-101000103", "Wakefield Residential Care Ltd", "WF1 1AA", "E08000036", "Wakefield", "WF", 5),
    ("1-101000104", "Midlands Home Support Ltd", "B1 1AA", "E08000025", "Birmingham", "B", 5),
]


def background_providers() -> list[tuple[str, str, str, list[DemoLocation]]]:
    out = []
    for number, (cqc_id, name, postcode, council, town, area, count) in enumerate(BACKGROUND, 1):
        home_care = area == "B"
        locations = [
            DemoLocation(
                f"1-10000{number:02d}{i:03d}",
                f"{town} {'Home Care' if home_care else 'House'} {i}",
                council,
                f"{area}{i} {i}AB",
                town,
                care_home=not home_care,
                home_care=home_care,
                places=None if home_care else 12 + (i * 7) % 50,
                people=40 + i * 11 if home_care else None,
                # A mix: every third home nurses (one of them residential too), odd ones dementia.
                kinds=frozenset(
                    ()
                    if home_care
                    else (
                        *(("nursing",) if i % 3 == 0 else ()),
                        *(("residential",) if i % 3 != 0 or i == 6 else ()),
                        *(("dementia",) if i % 2 == 1 else ()),
                    )
                ),
                contact=(
                    f"Manager {i}",
                    f"manager{i}@{cqc_id.replace('-', '')}.example",
                    "Registered manager",
                ),
            )
            for i in range(1, count + 1)
        ]
        out.append((cqc_id, name, postcode, locations))
    return out


DORMANT_LOCATION = "1-1000000042"
# Harbour View Care (a 9-place care home: a known fee band) never returns, so the demo shows a
# case move from first breach to a notice of intent and a fine of £816.
NEVER_RETURNS = "1-101000004"


def demo_answers(
    location: Location, care_type: str, rng: random.Random | None = None
) -> dict[str, str]:
    """Plausible figures, with every question any month asks (a month ignores the others).

    Vaccination follows the sector's usual pattern: nearly everyone has had a primary course
    of COVID-19 vaccine; residents take the seasonal booster and flu vaccine far more often
    than staff do. With ``rng`` the month varies: a few more or fewer people, vacancies and
    absences, so charts over time show movement.
    """
    rng = rng or random.Random(0)
    if care_type == "home_care":
        people = max((location.people_using_service or 50) + rng.randint(-8, 8), 1)
        direct_care = max(people // 2, 1)
        staff = direct_care + 4 + 2
        return {
            "people_receiving_care": str(people),
            "staff_direct_care": str(direct_care),
            "staff_direct_non_care": "4",
            "staff_agency": "2",
            "staff_absent_covid": str(rng.randint(0, 3)),
            "vacc_staff_covid_primary": str(staff * 9 // 10),
            "vacc_staff_covid_booster": str(staff * 3 // 10),
            "vacc_staff_flu": str(staff * 4 // 10),
        }
    places = location.registered_places or 20
    occupied = max(places - rng.randint(0, max(places // 5, 1)), 0)
    staff = 4 + places + 8 + 1 + 2
    return {
        "beds_max_capacity": str(places),
        "beds_occupied": str(occupied),
        "beds_vacant_reserved": "1" if places - occupied >= 1 else "0",
        "beds_vacant_accepting": str(max(places - occupied - 1, 0)),
        "staff_direct_nurses": "4",
        "staff_direct_care": str(places),
        "staff_direct_non_care": "8",
        "staff_agency_nurses": "1",
        "staff_agency_care": "2",
        "staff_agency_non_care": "0",
        "absent_direct_nurses": "0",
        "absent_direct_care": str(rng.randint(0, 3)),
        "absent_direct_non_care": "0",
        "absent_agency_nurses": "0",
        "absent_agency_care": "0",
        "absent_agency_non_care": "0",
        "vacc_staff_covid_primary": str(staff * 9 // 10),
        "vacc_staff_covid_booster": str(staff * 3 // 10),
        "vacc_staff_flu": str(staff * 4 // 10),
        "vacc_residents_covid_primary": str(occupied * 95 // 100),
        "vacc_residents_covid_booster": str(occupied * 8 // 10),
        "vacc_residents_flu": str(occupied * 3 // 4),
        "visiting_possible": "yes",
        "visiting_reason": "",
    }


def _answers_every_question(location: Location, care_type: str, window: CollectionWindow) -> bool:
    """Whether "nothing has changed" can be saved: the last figures answer every question
    this month asks. A month that adds questions (the first campaign month, a new dataset
    version) needs the form filled in, as a provider would."""
    previous = previous_figures(location, care_type)
    asked = dataset_for(window.period_obj, care_type).codes
    return previous is not None and set(asked) <= previous.answers.keys()


class Command(BaseCommand):
    help = "Create demo providers, locations, contacts and one user for each role (idempotent)."

    @history.job_context("seed_demo")
    def handle(self, *args: object, **options: object) -> None:
        now = clock.now()
        with transaction.atomic():
            self._world(clock.local_date(now))
            users = self._users(now)
            before_history = OutboundMessage.objects.aggregate(last=Max("id"))["last"] or 0
            self._history(now)
            self._history_mail_as_sent(after_id=before_history)
            raw_key = self._api(now)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/sign-in/")
        )
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        for email, description in users:
            self.stdout.write(f"  {email:40} {description}")
        if settings.DEBUG:
            self.stdout.write(
                "Staff accounts also need a code from an authenticator app. Add this key to "
                f"one (time-based, 6 digits): {two_factor.key_for_people(DEMO_TOTP_KEY)}\n"
                f"  or print the code now: oathtool --totp -b {two_factor.base32_key(DEMO_TOTP_KEY)}"
            )
        self._print_api_example(raw_key, now)

    def _history_mail_as_sent(self, *, after_id: int) -> None:
        """The receipts and breach letters the history's saves and sweeps queued belong to
        months long gone: recorded as sent when they were made, or the demo's worker would
        print all of them (hundreds) at its first tick, burying the emails the demo is
        showing."""
        OutboundMessage.objects.filter(
            id__gt=after_id, status=OutboundMessage.Status.QUEUED
        ).update(
            status=OutboundMessage.Status.SENT,
            attempted_at=F("created_at"),
            sent_at=F("created_at"),
        )

    def _world(self, today: datetime.date) -> None:
        councils = {la.ons_code: la for la in LocalAuthority.objects.all()}
        # Two years and a little more, so every one of the 24 months of history was owed; the
        # provider that never returns joined three months ago (three breaches, not 24).
        long_ago = today - datetime.timedelta(days=HISTORY_MONTHS * 31 + 20)
        recently = today - datetime.timedelta(days=100)
        for provider_id, provider_name, postcode, locations in PROVIDERS + background_providers():
            added = recently if provider_id == NEVER_RETURNS else long_ago
            provider, _ = Provider.objects.update_or_create(
                cqc_id=provider_id, defaults={"name": provider_name, "postcode": postcode}
            )
            for demo in locations:
                location, created = Location.objects.update_or_create(
                    cqc_id=demo.cqc_id,
                    defaults={
                        "provider": provider,
                        "name": demo.name,
                        "local_authority": councils[demo.council],
                        "postcode": demo.postcode,
                        "town": demo.town,
                        "offers_care_home": demo.care_home,
                        "offers_home_care": demo.home_care,
                        "registered_places": demo.places,
                        "people_using_service": demo.people,
                        "nursing": "nursing" in demo.kinds,
                        "residential": "residential" in demo.kinds,
                        "dementia": "dementia" in demo.kinds,
                    },
                )
                if created:
                    location.added_to_service_on = added
                    location.status_effective_from = added
                    location.save(update_fields=["added_to_service_on", "status_effective_from"])
                    LocationStatusChange.objects.create(
                        location=location,
                        status=RegistrationStatus.ACTIVE,
                        effective_from=added,
                        reason="Demo data",
                    )
                name, email, role = demo.contact
                Contact.objects.update_or_create(
                    location=location,
                    email=email,
                    defaults={
                        "name": name,
                        "role": role,
                        "is_primary": True,
                        "last_confirmed_on": today,
                        **DEMO_TEXTS.get(email, {}),
                    },
                )
        dormant = Location.objects.get(cqc_id=DORMANT_LOCATION)
        if dormant.status != RegistrationStatus.DORMANT:
            location_change_status(
                actor=None,
                location_id=dormant.pk,
                status=RegistrationStatus.DORMANT,
                effective_from=today - datetime.timedelta(days=75),
                reason="Demo data: no people using the service while the annexe is refurbished",
            )

    def _history(self, now: datetime.datetime) -> None:
        """24 months of returns through the real save path, each month swept the morning after
        its window closed, as beat would have done."""
        windows_ensure_ahead(now=now)
        latest = Period.of(clock.local_date(now))
        while window_dates(latest).closes_at > now:
            latest = latest.previous()
        periods = [latest]
        while len(periods) < HISTORY_MONTHS:
            periods.insert(0, periods[0].previous())
        windows_ensure(periods=periods)
        windows = list(
            CollectionWindow.objects.filter(
                period__in=[p.first_day() for p in periods], closes_at__lte=now
            ).order_by("period")
        )
        # Each provider's returns are saved by one of its own people who may submit for every
        # one of its locations (an approved approver with no limit), never by another
        # provider's: the history names whoever saved each one.
        submitters = {
            user.provider_id: Submitter.of(user)
            for user in User.objects.filter(
                role=Role.PROVIDER,
                is_provider_approver=True,
                is_active=True,
                approved_at__isnull=False,
                provider__isnull=False,
                limited_to_locations__isnull=True,
            ).order_by("-pk")  # the first made wins
            if user.provider_id is not None
        }
        for index, window in enumerate(windows):
            last = index == len(windows) - 1
            owing = (
                owing_locations(window)
                .exclude(provider__cqc_id=NEVER_RETURNS)
                .select_related("provider")
                .order_by("cqc_id")
            )
            done = set(
                ReturnVersion.objects.filter(return_head__window=window).values_list(
                    "return_head__location_id", "return_head__care_type"
                )
            )
            for location in owing:
                for care_type in location.care_types:
                    if (location.pk, care_type) not in done:
                        self._save_month(location, care_type, window, submitters, last=last)
            swept_at = window.closes_at + datetime.timedelta(hours=7)
            # Letters written at once, dated the sweep's day, so the demo's cases show them.
            sweep_window(window_id=window.pk, now=swept_at, dispatch_letters=False)
            write_pending_letters(now=swept_at)

    def _save_month(
        self,
        location: Location,
        care_type: str,
        window: CollectionWindow,
        submitters: dict[int, Submitter],
        *,
        last: bool,
    ) -> None:
        """One location's month: mostly on time, sometimes unchanged, now and then late, nil
        or missing (background locations only: the named ones behave, bar one late return)."""
        rng = random.Random(f"{location.cqc_id}/{care_type}/{window.period_key}")
        fate = rng.random()
        named = location.provider.cqc_id in NAMED_PROVIDERS
        if not named and fate < 0.015:
            return  # missed: the sweep records a breach
        late = (location.cqc_id == "1-1000000021" and last) or (not named and fate < 0.045)
        nil = not named and 0.045 <= fate < 0.06
        if nil:
            kind = "nil"
        elif rng.random() < 0.35 and _answers_every_question(location, care_type, window):
            kind = "unchanged"
        else:
            kind = "full"
        when = (
            window.closes_at + datetime.timedelta(days=2, hours=rng.randint(0, 40))
            if late
            else window.opens_at + datetime.timedelta(days=rng.randint(0, 5), hours=20)
        )
        return_save(
            submitter=submitters[location.provider_id],  # every provider has one (_users)
            location=location,
            care_type=care_type,
            window=window,
            kind=kind,
            source="portal",
            now=when,
            answers=demo_answers(location, care_type, rng) if kind == "full" else None,
            nil_reason=NilReason.NO_SERVICE_USERS if nil else "",
        )

    def _api(self, now: datetime.datetime) -> str:
        """The demo supplier, Meadowbank's grant to it, and a fresh key for it.

        A key's secret is never stored, so a run cannot show the key of the run before: each
        run revokes the previous demo key and makes a new one, to print once.
        """
        supplier, _ = Supplier.objects.get_or_create(
            name=DEMO_SUPPLIER, defaults={"contact_email": DEMO_SUPPLIER_EMAIL}
        )
        meadowbank = Provider.objects.get(cqc_id="1-101000001")
        approver = User.objects.get(email="manager@meadowbank.example")
        if not SupplierGrant.objects.filter(
            provider=meadowbank, supplier=supplier, revoked_at__isnull=True
        ).exists():
            grant_set(
                actor=approver,
                provider=meadowbank,
                supplier=supplier,
                locations=list(Location.objects.filter(cqc_id__in=GRANTED_LOCATIONS)),
                now=now,
            )
        admin = User.objects.get(email="admin@asc-collection.example")
        for old in ApiKey.objects.filter(
            supplier=supplier, name=DEMO_KEY_NAME, revoked_at__isnull=True
        ):
            key_revoke(
                actor=admin, api_key_id=old.pk, reason="seed_demo ran again: new key", now=now
            )
        _key, raw = key_create(
            actor=admin, kind=ApiKeyKind.SUPPLIER, name=DEMO_KEY_NAME, supplier=supplier, now=now
        )
        return raw

    def _print_api_example(self, raw_key: str, now: datetime.datetime) -> None:
        period = latest_opened_window(now).period_key
        body = (
            f'{{"location": "%s", "care_type": "care_home", "period": "{period}", '
            '"kind": "nil", "nil_reason": "no_service_users"}'
        )
        curl = (
            "  curl -i -X POST http://127.0.0.1:8000/api/v1/returns/ \\\n"
            f'    -H "Authorization: Api-Key {raw_key}" \\\n'
            '    -H "Content-Type: application/json" \\\n'
            "    -d '%s'"
        )
        self.stdout.write(
            f"\nAPI key for the supplier {DEMO_SUPPLIER} (shown once; each run makes a new one):"
            f"\n  {raw_key}\n"
            "API docs: http://127.0.0.1:8000/api/v1/docs/\n"
            f"Send a draft return for {GRANTED_LOCATIONS[0]}, a location Meadowbank granted the"
            " supplier (201; the provider confirms it in the portal):\n"
            + curl % (body % GRANTED_LOCATIONS[0])
            + f"\nThe same for {UNGRANTED_LOCATION}, which Meadowbank did not grant (403):\n"
            + curl % (body % UNGRANTED_LOCATION)
        )

    def _users(self, now: datetime.datetime) -> list[tuple[str, str]]:
        meadowbank = Provider.objects.get(cqc_id="1-101000001")
        brightside = Provider.objects.get(cqc_id="1-101000002")
        specs = [
            (
                "admin@asc-collection.example",
                "Ada",
                "Admin",
                Role.SUPPORT,
                None,
                {"is_superuser": True, "is_staff": True},
                "superuser (admin at /admin/)",
            ),
            (
                "support@necs.example",
                "Sam",
                "Support",
                Role.SUPPORT,
                None,
                {"is_staff": True},
                "NECS support staff (admin at /admin/)",
            ),
            (
                "caseworker@nhsbsa.example",
                "Chris",
                "Caseworker",
                Role.CASEWORKER,
                None,
                {},
                "NHSBSA enforcement caseworker",
            ),
            ("analyst@dhsc.example", "Alex", "Analyst", Role.ANALYST, None, {}, "DHSC analyst"),
            (
                "discharge@nhstrust.example",
                "Dana",
                "Discharge",
                Role.DISCHARGE,
                None,
                {},
                "discharge and brokerage team (finds vacant care home beds)",
            ),
            (
                "officer@leeds.example",
                "Lee",
                "Officer",
                Role.LOCAL_AUTHORITY,
                None,
                {},
                "local authority user, Leeds City Council's area",
            ),
            (
                "manager@meadowbank.example",
                "Amina",
                "Hussain",
                Role.PROVIDER,
                meadowbank,
                {"is_provider_approver": True},
                "provider user and approver, Meadowbank Care Group (4 locations)",
            ),
            (
                "deputy@meadowbank.example",
                "Gareth",
                "Pryce",
                Role.PROVIDER,
                meadowbank,
                {},
                "provider user limited to 2 Meadowbank locations",
            ),
            (
                "newstarter@meadowbank.example",
                "Jo",
                "Newstarter",
                Role.PROVIDER,
                meadowbank,
                {"approved": False},
                "provider user waiting for approval (cannot see data yet)",
            ),
            (
                "manager@brightside.example",
                "Priya",
                "Sharma",
                Role.PROVIDER,
                brightside,
                {"is_provider_approver": True},
                "provider user and approver, Brightside Home Care",
            ),
        ]
        out = []
        for email, first, last, role, provider, extra, description in specs:
            extra = dict(extra)
            approved = extra.pop("approved", True)
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "provider": provider,
                    **extra,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                if role == Role.PROVIDER and approved:
                    user.approved_at = now
                user.save()
            out.append((email, description))
            if settings.DEBUG and two_factor.is_staff_user(user):
                TOTPDevice.objects.get_or_create(
                    user=user,
                    confirmed=True,
                    defaults={"name": "Demo authenticator app", "key": DEMO_TOTP_KEY},
                )
        for cqc_id, name, *_ in BACKGROUND:
            user, created = User.objects.get_or_create(
                email=f"manager@{cqc_id.replace('-', '')}.example",
                defaults={
                    "first_name": "Background",
                    "last_name": name.split()[0],
                    "role": Role.PROVIDER,
                    "provider": Provider.objects.get(cqc_id=cqc_id),
                    "is_provider_approver": True,
                    "approved_at": now,
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
        # The named providers with no demo sign-in: their registered manager (the first
        # location's contact) has an account, which saved the history's returns, as in life.
        for cqc_id, _, _, locations in PROVIDERS:
            provider = Provider.objects.get(cqc_id=cqc_id)
            if provider.users.filter(role=Role.PROVIDER, is_provider_approver=True).exists():
                continue
            name, email, _ = locations[0].contact
            first, _, last = name.partition(" ")
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": Role.PROVIDER,
                    "provider": provider,
                    "is_provider_approver": True,
                    "approved_at": now,
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
        officer = User.objects.get(email="officer@leeds.example")
        officer.local_authorities.set(LocalAuthority.objects.filter(ons_code="E08000035"))
        deputy = User.objects.get(email="deputy@meadowbank.example")
        deputy.limited_to_locations.set(
            Location.objects.filter(cqc_id__in=["1-1000000011", "1-1000000012"])
        )
        return out
