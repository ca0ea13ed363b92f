"""python manage.py seed_demo: a small, realistic world for the demo. Safe to run again."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

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

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose


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

DORMANT_LOCATION = "1-1000000042"
# Harbour View Care (a 9-place care home: a known fee band) never returns, so the demo shows a
# case move from first breach to a notice of intent and a fine of £816.
NEVER_RETURNS = "1-101000004"


def demo_answers(location: Location, care_type: str) -> dict[str, str]:
    if care_type == "home_care":
        people = location.people_using_service or 50
        return {
            "people_receiving_care": str(people),
            "staff_direct_care": str(max(people // 2, 1)),
            "staff_direct_non_care": "4",
            "staff_agency": "2",
            "staff_absent_covid": "1",
        }
    places = location.registered_places or 20
    occupied = max(places - 3, 0)
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
        "absent_direct_care": "1",
        "absent_direct_non_care": "0",
        "absent_agency_nurses": "0",
        "absent_agency_care": "0",
        "absent_agency_non_care": "0",
        "visiting_possible": "yes",
        "visiting_reason": "",
    }


class Command(BaseCommand):
    help = "Create demo providers, locations, contacts and one user for each role (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        today = timezone.localdate()
        with transaction.atomic():
            self._world(today)
            users = self._users()
            self._history()
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/sign-in/")
        )
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        for email, description in users:
            self.stdout.write(f"  {email:40} {description}")

    def _world(self, today: datetime.date) -> None:
        councils = {la.ons_code: la for la in LocalAuthority.objects.all()}
        added = today - datetime.timedelta(days=400)
        for provider_id, provider_name, postcode, locations in PROVIDERS:
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

    def _history(self) -> None:
        """Three months of returns, through the real save path (returns sits above providers,
        so it is imported here, in the command, not by the providers app itself)."""
        from capacity_tracker.lib import clock
        from returns.deadlines import Period, window_dates
        from returns.models import CollectionWindow, ReturnVersion
        from returns.services import windows_ensure, windows_ensure_ahead
        from returns.submission import Submitter, return_save

        now = clock.now()
        windows_ensure_ahead(now=now)
        # The three most recent months whose windows have closed, and no earlier ones: an
        # empty earlier month would put every demo provider in breach.
        latest = Period.of(clock.local_date(now))
        while window_dates(latest).closes_at > now:
            latest = latest.previous()
        windows_ensure(periods=[latest.previous().previous(), latest.previous(), latest])
        opened = list(CollectionWindow.objects.filter(opens_at__lte=now).order_by("-period")[:4])
        past = [w for w in opened if w.closes_at <= now][:3]
        manager = User.objects.get(email="manager@meadowbank.example")
        brightside = User.objects.get(email="manager@brightside.example")
        locations = Location.objects.exclude(provider__cqc_id=NEVER_RETURNS).exclude(
            cqc_id=DORMANT_LOCATION
        )
        for index, window in enumerate(reversed(past)):
            for location in locations.select_related("provider"):
                for care_type in location.care_types:
                    if ReturnVersion.objects.filter(
                        return_head__location=location,
                        return_head__care_type=care_type,
                        return_head__window=window,
                    ).exists():
                        continue
                    late = location.cqc_id == "1-1000000021" and index == len(past) - 1
                    when = (
                        window.closes_at + datetime.timedelta(days=2)
                        if late
                        else window.opens_at + datetime.timedelta(days=5, hours=20)
                    )
                    user = brightside if location.provider.cqc_id == "1-101000002" else manager
                    kind = "full" if index == 0 else "unchanged"
                    return_save(
                        submitter=Submitter(
                            user=user, first_name=user.first_name, last_name=user.last_name
                        ),
                        location=location,
                        care_type=care_type,
                        window=window,
                        kind=kind,
                        source="portal",
                        now=when,
                        answers=demo_answers(location, care_type) if kind == "full" else None,
                    )

    def _users(self) -> list[tuple[str, str]]:
        meadowbank = Provider.objects.get(cqc_id="1-101000001")
        brightside = Provider.objects.get(cqc_id="1-101000002")
        now = timezone.now()
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
        deputy = User.objects.get(email="deputy@meadowbank.example")
        deputy.limited_to_locations.set(
            Location.objects.filter(cqc_id__in=["1-1000000011", "1-1000000012"])
        )
        return out
