"""A realistic national dataset for benches and load tests (``manage.py seed_national``).

England-shaped: providers from single homes to groups of hundreds of locations, care homes and
home care agencies in the real regions and councils the migrations load, a few dormant or
deregistered locations with their registration history, contacts, and months of returns with
realistic in-time, late, nil and missing rates, then the enforcement history the real breach
sweep makes of them.

Fast because nothing goes through the per-row services: registers are ``bulk_create``d, returns
are written with PostgreSQL ``COPY`` (psycopg 3), with their ids taken from the sequences first
so that each head is written once, already pointing at its latest and counted versions (the
foreign keys are deferred to the commit). Deterministic for a given ``seed`` on an empty
database: every random choice comes from one ``random.Random`` consumed in a fixed order.

Never for production: ``guard`` refuses a database that already has locations, or (with DEBUG
off) one whose name does not look like a test or bench database.
"""

from __future__ import annotations

import datetime
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from notifications.models import OutboundMessage
from providers.models import (
    CareType,
    Contact,
    LocalAuthority,
    Location,
    LocationStatusChange,
    Provider,
)
from returns.datasets import dataset_for
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow, NilReason, ReturnKind, ReturnSource, ReturnVersion
from returns.obligations import obligations
from returns.services import windows_ensure
from returns.submission import REFERENCE_ALPHABET
from returns.validation import Dataset, clean_answers

Log = Callable[[str], None]

# A database whose name matches may be filled without --i-know when DEBUG is off.
THROWAWAY_NAME = re.compile(r"test|bench|scratch|throwaway|tmp", re.IGNORECASE)

# Per provider, how reliably its locations return (share of providers, P(missing), P(late)).
# Tuned so that about 90% of obligations are returned in time, 3% late and 7% not at all, and
# misses cluster in some providers as they do in life (which is what makes enforcement cases).
RELIABILITY = (("good", 0.85, 0.04, 0.02), ("patchy", 0.12, 0.18, 0.06), ("poor", 0.03, 0.45, 0.10))
NIL_SHARE = 0.025  # of returns made in time
UNCHANGED_SHARE = 0.35  # of returns made in time when the last figures still answer the month
SECOND_VERSION_SHARE = 0.04  # corrected within the window
VARIANTS = 3  # distinct sets of figures per location and care type, so months differ

FIRST_NAMES = [
    "Amina",
    "Gareth",
    "Niamh",
    "Tomasz",
    "Priya",
    "Oliver",
    "Kerenza",
    "Sarah",
    "James",
    "Aisha",
    "Mohammed",
    "Emma",
    "Daniel",
    "Grace",
    "Samuel",
    "Chloe",
    "Joseph",
    "Fatima",
    "Thomas",
    "Hannah",
    "Ravi",
    "Megan",
    "Lewis",
    "Zara",
    "Owen",
    "Bethany",
    "Adebayo",
    "Siobhan",
    "Callum",
    "Ewa",
    "Harpreet",
    "Rhys",
    "Abigail",
    "Kwame",
    "Imogen",
    "Liam",
    "Nadia",
    "Connor",
    "Eleanor",
    "Yusuf",
]
LAST_NAMES = [
    "Hussain",
    "Pryce",
    "Walsh",
    "Nowak",
    "Sharma",
    "Bennett",
    "Tregear",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Okafor",
    "Murphy",
    "Kowalski",
    "Begum",
    "Lewis",
    "Hughes",
    "Edwards",
    "Ahmed",
    "Mensah",
    "Kelly",
]
NAME_WORDS = [
    "Meadow",
    "Oak",
    "Willow",
    "Rose",
    "Cedar",
    "Beech",
    "Elm",
    "Ash",
    "Maple",
    "Holly",
    "Ivy",
    "Heather",
    "Bramble",
    "Orchard",
    "River",
    "Brook",
    "Hill",
    "Vale",
    "Park",
    "Grange",
    "Manor",
    "Court",
    "Lodge",
    "House",
    "Gardens",
    "View",
    "Field",
    "Green",
    "Castle",
    "Abbey",
]
HOME_SUFFIXES = ("Care Home", "Nursing Home", "Residential Home", "House", "Lodge", "Court")
AGENCY_SUFFIXES = ("Home Care", "Care at Home", "Domiciliary Care", "Homecare Services")
GROUP_SUFFIXES = ("Care Ltd", "Healthcare Ltd", "Care Group Ltd", "Care Services Ltd", "Limited")
CONTACT_ROLES = ("Registered manager", "Deputy manager", "Administrator", "Operations manager")

# Real postcode areas in each region, for plausible (well-formed) postcodes.
POSTCODE_AREAS = {
    "North East": ("NE", "SR", "DH", "TS", "DL"),
    "North West": ("M", "L", "WA", "PR", "BB", "CA", "BL", "WN"),
    "Yorkshire and The Humber": ("LS", "S", "BD", "HU", "YO", "HD", "WF", "DN"),
    "East Midlands": ("NG", "LE", "DE", "LN", "NN"),
    "West Midlands": ("B", "CV", "WV", "ST", "WR", "DY", "HR"),
    "East of England": ("CB", "NR", "IP", "CO", "CM", "LU", "PE", "SG"),
    "London": ("E", "N", "SE", "SW", "W", "NW", "EN", "HA"),
    "South East": ("BN", "RG", "OX", "GU", "ME", "CT", "SO", "PO", "MK"),
    "South West": ("BS", "EX", "PL", "BA", "TA", "GL", "TR", "BH"),
}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


class SeedRefused(Exception):
    """The database is not one to fill: it has data, or it may be production."""


def guard(*, force: bool, i_know: bool) -> None:
    """Refuse unless the database is empty (or ``force``) and plainly a throwaway one."""
    name = str(connection.settings_dict.get("NAME") or "")
    if not settings.DEBUG and not THROWAWAY_NAME.search(name) and not i_know:
        raise SeedRefused(
            f"DEBUG is off and the database {name!r} does not look like a test or bench "
            "database. Pass --i-know if you are sure this is not production."
        )
    existing = Location.objects.count()
    if existing and not force:
        raise SeedRefused(
            f"The database {name!r} already has {existing} locations. Pass --force to add a "
            "national dataset beside them."
        )


@dataclass
class LocationInfo:
    """What the returns step needs to know about a location it made."""

    index: int
    reliability: tuple[float, float]  # P(missing), P(late)
    group_size: int
    places: int | None
    people: int | None
    submitter: tuple[str, str]


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1, *, outcome: bool = False) -> None:
        target = self.outcomes if outcome else self.rows
        target[key] = target.get(key, 0) + n


# --- timing -----------------------------------------------------------------------------------


class Step:
    """``with Step(log, "providers"):`` prints the step and how long it took."""

    def __init__(self, log: Log, name: str) -> None:
        self.log, self.name = log, name

    def __enter__(self) -> Step:
        self.started = time.monotonic()
        self.log(f"{self.name} ...")
        return self

    def __exit__(self, *exc: object) -> None:
        self.log(f"{self.name}: {time.monotonic() - self.started:.1f} s")


# --- registers --------------------------------------------------------------------------------


def provider_sizes(rng: random.Random, total: int) -> list[int]:
    """Locations per provider, long-tailed: most run one to three, a few groups run 50 to 500.

    The first provider is always a large group (capped at a fifth of ``total``), so even a
    small dataset has one.
    """
    sizes = [min(rng.randint(50, 500), max(1, total // 5))]
    left = total - sizes[0]
    while left > 0:
        draw = rng.random()
        if draw < 0.70:
            size = 1
        elif draw < 0.85:
            size = 2
        elif draw < 0.92:
            size = 3
        elif draw < 0.975:
            size = rng.randint(4, 10)
        elif draw < 0.996:
            size = rng.randint(11, 49)
        else:
            size = int(50 * (10 ** rng.random()))  # log-uniform 50 to 500
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def postcode(rng: random.Random, region: str) -> str:
    area = rng.choice(POSTCODE_AREAS.get(region, ("LS",)))
    return (
        f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}"
        f"{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    )


def unused_ids(start: int, count: int, taken: set[str]) -> list[str]:
    """``count`` CQC-format IDs from ``start`` upwards, skipping any already in use."""
    ids: list[str] = []
    number = start
    while len(ids) < count:
        cqc_id = f"1-{number}"
        if cqc_id not in taken:
            ids.append(cqc_id)
        number += 1
    return ids


def registered_places(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.3:
        return rng.randint(5, 15)  # small homes, often for people with learning disabilities
    if draw < 0.9:
        return rng.randint(20, 70)
    return rng.randint(71, 120)


def care_types(rng: random.Random) -> tuple[bool, bool]:
    """(care home, home care): about half homes, 42% agencies, 8% both."""
    draw = rng.random()
    if draw < 0.50:
        return True, False
    if draw < 0.92:
        return False, True
    return True, True


def care_home_kinds(index: int, places: int | None) -> dict[str, bool]:
    """Nursing, residential and dementia for a care home, a realistic mix without a draw from
    the seed's ``rng`` (so every other choice stays as it was): about a third of homes nurse,
    mostly the larger ones, most are residential (a few both) and three in five take dementia."""
    if places is None:
        return {"nursing": False, "residential": False, "dementia": False}
    nursing = places >= 30 and index % 7 < 4
    return {
        "nursing": nursing,
        "residential": not nursing or index % 4 == 0,
        "dementia": index % 5 < 3,
    }


def build_registers(
    rng: random.Random,
    *,
    total: int,
    first_open: datetime.date,
    today: datetime.date,
    counts: Counts,
) -> dict[int, LocationInfo]:
    """Providers, locations, registration history and contacts; returns location id -> info."""
    councils = list(LocalAuthority.objects.select_related("region").order_by("ons_code"))
    if not councils:
        raise SeedRefused("There are no councils: run the migrations first.")
    # Counties are bigger than districts and boroughs: more locations land there.
    weights = [3 if c.kind == LocalAuthority.Kind.COUNTY else 1 for c in councils]
    by_region: dict[int, list[LocalAuthority]] = {}
    for council in councils:
        by_region.setdefault(council.region_id, []).append(council)

    def pick_council(rng: random.Random, home: LocalAuthority) -> LocalAuthority:
        # Groups spread across the country, most of their locations in their home region.
        if rng.random() < 0.7:
            return rng.choice(by_region[home.region_id])
        return rng.choices(councils, weights)[0]

    sizes = provider_sizes(rng, total)
    taken_providers = set(Provider.objects.values_list("cqc_id", flat=True))
    taken_locations = set(Location.objects.values_list("cqc_id", flat=True))
    provider_ids = unused_ids(130_000_000, len(sizes), taken_providers)
    location_ids = unused_ids(1_300_000_000, total, taken_locations)

    providers: list[Provider] = []
    plans: list[tuple[int, LocalAuthority, tuple[float, float]]] = []
    for n, size in enumerate(sizes):
        home = rng.choices(councils, weights)[0]
        name_word = rng.choice(NAME_WORDS)
        if size == 1:
            name = f"{name_word} {rng.choice(LAST_NAMES)} {rng.choice(GROUP_SUFFIXES)}"
        else:
            name = f"{name_word}{rng.choice(NAME_WORDS).lower()} {rng.choice(GROUP_SUFFIXES)}"
        providers.append(
            Provider(
                cqc_id=provider_ids[n],
                name=name,
                town=home.name,
                postcode=postcode(rng, home.region.name),
            )
        )
        # Large groups have central compliance teams: never the unreliable kind.
        kind = (
            RELIABILITY[0]
            if size >= 50
            else rng.choices(RELIABILITY, [r[1] for r in RELIABILITY])[0]
        )
        plans.append((size, home, (kind[2], kind[3])))
    Provider.objects.bulk_create(providers, batch_size=2000)
    counts.add("providers", len(providers))

    locations: list[Location] = []
    extras: list[tuple[int, tuple[float, float], int]] = []
    changes: list[tuple[int, list[tuple[str, datetime.date, str]]]] = []
    span = max(30, (today - first_open).days - 20)
    for provider, (size, home, reliability) in zip(providers, plans, strict=True):
        for _ in range(size):
            index = len(locations)
            # Small providers work in one council; groups spread, mostly in their own region.
            council = home if size <= 3 or rng.random() < 0.3 else pick_council(rng, home)
            offers_home, offers_agency = care_types(rng)
            suffix = rng.choice(HOME_SUFFIXES if offers_home else AGENCY_SUFFIXES)
            new = rng.random() < 0.06  # registered during the months seeded: owes from then on
            if new:
                added = first_open + datetime.timedelta(days=rng.randint(1, span))
                registered = added
            else:
                registered = first_open - datetime.timedelta(days=rng.randint(60, 7000))
                added = max(registered, first_open - datetime.timedelta(days=rng.randint(30, 900)))
            places = registered_places(rng) if offers_home else None
            people = max(1, min(1500, int(rng.lognormvariate(3.4, 0.9)))) if offers_agency else None
            history = status_history(rng, added, today)
            status, since = (history[-1][0], history[-1][1]) if history else ("active", None)
            locations.append(
                Location(
                    cqc_id=location_ids[index],
                    provider=provider,
                    name=f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {suffix}",
                    local_authority=council,
                    address_line_1=f"{rng.randint(1, 250)} {rng.choice(NAME_WORDS)} Road",
                    town=council.name,
                    postcode=postcode(rng, council.region.name),
                    offers_care_home=offers_home,
                    offers_home_care=offers_agency,
                    registered_places=places,
                    people_using_service=people,
                    **care_home_kinds(index, places),
                    status=status,
                    status_effective_from=since,
                    registered_on=registered,
                    added_to_service_on=added,
                )
            )
            extras.append((index, reliability, size))
            if history:
                changes.append((index, [("active", registered, "Registered with CQC"), *history]))
    Location.objects.bulk_create(locations, batch_size=2000)
    counts.add("locations", len(locations))

    status_rows = [
        LocationStatusChange(
            location=locations[index],
            status=status,
            effective_from=day,
            recorded_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=LONDON),
            reason=reason,
        )
        for index, history in changes
        for status, day, reason in history
    ]
    LocationStatusChange.objects.bulk_create(status_rows, batch_size=2000)
    counts.add("location status changes", len(status_rows))

    contacts, submitters = make_contacts(rng, locations, today)
    Contact.objects.bulk_create(contacts, batch_size=2000)
    counts.add("contacts", len(contacts))

    return {
        locations[index].pk: LocationInfo(
            index=index,
            reliability=reliability,
            group_size=size,
            places=locations[index].registered_places,
            people=locations[index].people_using_service,
            submitter=submitters[index],
        )
        for index, reliability, size in extras
    }


def status_history(
    rng: random.Random, added: datetime.date, today: datetime.date
) -> list[tuple[str, datetime.date, str]]:
    """Changes after registration: 1.5% deregistered, 1% dormant (a third of those active
    again later). Empty for the rest, who stay active with no history rows."""
    draw = rng.random()
    if draw >= 0.025 or (today - added).days < 60:
        return []
    first = added + datetime.timedelta(days=rng.randint(30, (today - added).days - 20))
    if draw < 0.015:
        return [("deregistered", first, "CQC directory: deregistered")]
    history = [("dormant", first, "CQC directory: dormant")]
    if rng.random() < 1 / 3 and (today - first).days > 60:
        back = first + datetime.timedelta(days=rng.randint(30, (today - first).days - 10))
        history.append(("active", back, "CQC directory: active again"))
    return history


def make_contacts(
    rng: random.Random, locations: Sequence[Location], today: datetime.date
) -> tuple[list[Contact], list[tuple[str, str]]]:
    """One or two contacts per location, the first primary; returns them and each location's
    usual submitter (its primary contact's name)."""
    contacts: list[Contact] = []
    submitters: list[tuple[str, str]] = []
    for location in locations:
        domain = f"{location.provider.cqc_id.replace('-', '')}.example"  # reserved: never delivered
        used: set[str] = set()
        for n in range(1 if rng.random() < 0.6 else 2):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}@{domain}".lower()
            if email in used:
                email = f"{first}.{last}{location.pk}@{domain}".lower()
            used.add(email)
            contacts.append(
                Contact(
                    location=location,
                    name=f"{first} {last}",
                    email=email,
                    phone=f"0{rng.randint(1130, 1999)} {rng.randint(100000, 999999)}",
                    role=CONTACT_ROLES[0] if n == 0 else rng.choice(CONTACT_ROLES[1:]),
                    is_primary=n == 0,
                    last_confirmed_on=today - datetime.timedelta(days=rng.randint(0, 400)),
                )
            )
            if n == 0:
                submitters.append((first, last))
    return contacts, submitters


# --- figures ----------------------------------------------------------------------------------


def care_home_figures(rng: random.Random, places: int) -> dict[str, str]:
    """A care home's month, within every rule of the dataset (capacity, staff, vaccinations)."""
    capacity = max(1, places - rng.randint(0, 2))
    occupied = round(capacity * rng.uniform(0.72, 0.98))
    reserved = rng.randint(0, min(2, capacity - occupied))
    accepting = rng.randint(0, capacity - occupied - reserved)
    nurses = round(capacity * rng.uniform(0.1, 0.25)) if rng.random() < 0.4 else 0
    care = max(2, round(occupied * rng.uniform(0.8, 1.3)))
    non_care = max(1, round(capacity * rng.uniform(0.15, 0.4)))
    agency_nurses = rng.randint(0, 2) if nurses else 0
    agency_care = rng.randint(0, max(1, care // 8))
    agency_non_care = rng.randint(0, 1)
    staff = nurses + care + non_care + agency_nurses + agency_care + agency_non_care
    visiting = "yes" if rng.random() < 0.97 else "no"
    return {
        "beds_max_capacity": str(capacity),
        "beds_occupied": str(occupied),
        "beds_vacant_reserved": str(reserved),
        "beds_vacant_accepting": str(accepting),
        "staff_direct_nurses": str(nurses),
        "staff_direct_care": str(care),
        "staff_direct_non_care": str(non_care),
        "staff_agency_nurses": str(agency_nurses),
        "staff_agency_care": str(agency_care),
        "staff_agency_non_care": str(agency_non_care),
        "absent_direct_nurses": str(rng.randint(0, min(1, nurses))),
        "absent_direct_care": str(rng.randint(0, max(0, care // 10))),
        "absent_direct_non_care": str(rng.randint(0, min(1, non_care))),
        "absent_agency_nurses": "0",
        "absent_agency_care": str(rng.randint(0, min(1, agency_care))),
        "absent_agency_non_care": "0",
        "vacc_staff_covid_primary": str(round(staff * rng.uniform(0.8, 0.95))),
        "vacc_staff_covid_booster": str(round(staff * rng.uniform(0.2, 0.45))),
        "vacc_staff_flu": str(round(staff * rng.uniform(0.3, 0.55))),
        "vacc_residents_covid_primary": str(round(occupied * rng.uniform(0.9, 1.0))),
        "vacc_residents_covid_booster": str(round(occupied * rng.uniform(0.6, 0.9))),
        "vacc_residents_flu": str(round(occupied * rng.uniform(0.6, 0.85))),
        "visiting_possible": visiting,
        "visiting_reason": "" if visiting == "yes" else "Infection outbreak: visits paused",
    }


def home_care_figures(rng: random.Random, people: int) -> dict[str, str]:
    """A home care agency's month, within the dataset's rules."""
    receiving = max(0, round(people * rng.uniform(0.9, 1.1)))
    care = max(1, round(max(1, receiving) * rng.uniform(0.5, 0.9)))
    non_care = rng.randint(0, max(1, receiving // 15))
    agency = rng.randint(0, max(0, receiving // 10))
    staff = care + non_care + agency
    return {
        "people_receiving_care": str(receiving),
        "staff_direct_care": str(care),
        "staff_direct_non_care": str(non_care),
        "staff_agency": str(agency),
        "staff_absent_covid": str(rng.randint(0, min(2, staff))),
        "vacc_staff_covid_primary": str(round(staff * rng.uniform(0.8, 0.95))),
        "vacc_staff_covid_booster": str(round(staff * rng.uniform(0.2, 0.45))),
        "vacc_staff_flu": str(round(staff * rng.uniform(0.3, 0.55))),
    }


class Figures:
    """Each location's few sets of figures, made once and cleaned once per dataset."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.raw: dict[tuple[int, str, int], dict[str, str]] = {}
        self.cleaned: dict[tuple[int, str, int, tuple[int | None, bool]], str] = {}

    def answers(
        self, location_id: int, info: LocationInfo, care_type: str, variant: int, dataset: Dataset
    ) -> str:
        """The cleaned answers as JSON text, exactly as a save would store them."""
        key = (location_id, care_type, variant, (dataset.version_id, dataset.campaign))
        text = self.cleaned.get(key)
        if text is None:
            raw_key = (location_id, care_type, variant)
            raw = self.raw.get(raw_key)
            if raw is None:
                if care_type == CareType.CARE_HOME:
                    raw = care_home_figures(self.rng, info.places or 20)
                else:
                    raw = home_care_figures(self.rng, info.people or 10)
                self.raw[raw_key] = raw
            cleaned = clean_answers(dataset, raw)
            if not cleaned.is_valid:  # a bug in the figures above: fail loudly, never store it
                raise ValueError(f"Seeded {care_type} figures do not validate: {cleaned.errors}")
            text = json.dumps(cleaned.answers, separators=(",", ":"))
            self.cleaned[key] = text
        return text


# --- returns ----------------------------------------------------------------------------------

HEAD_COLUMNS = (
    "id",
    "location_id",
    "care_type",
    "window_id",
    "version_count",
    "latest_id",
    "counted_id",
    "updated_at",
)
VERSION_COLUMNS = (
    "id",
    "return_head_id",
    "number",
    "kind",
    "nil_reason",
    "nil_reason_detail",
    "answers",
    "dataset_version_id",
    "source",
    "submitter_first_name",
    "submitter_last_name",
    "submitted_at",
    "in_window",
    "reference",
    "on_behalf_reason",
    "warnings",
)
# Seeded saves were not shown soft warnings (returns/warnings.py): none were confirmed.
NO_WARNINGS = "[]"
NIL_REASONS = (
    (NilReason.NO_SERVICE_USERS, "", 0.7),
    (NilReason.NO_STAFF, "", 0.1),
    (NilReason.OTHER, "Service closed for refurbishment this month", 0.2),
)
ASSISTED_REASON = "The manager phoned the helpdesk: could not sign in before the deadline."


def closed_periods(now: datetime.datetime, months: int) -> list[Period]:
    """The ``months`` most recent months whose windows (by the rules) closed by ``now``."""
    from returns.deadlines import window_dates

    period = Period.of(now.astimezone(LONDON).date())
    while window_dates(period).closes_at > now:
        period = period.previous()
    periods = [period]
    while len(periods) < months:
        periods.insert(0, periods[0].previous())
    return periods


def _version_id(dataset: Dataset) -> int:
    """The stored dataset version a generated return cites (only stored ones are loaded here)."""
    if dataset.version_id is None:
        raise ValueError(f"The {dataset.campaign} dataset has no stored version.")
    return dataset.version_id


def moment(
    rng: random.Random, start: datetime.datetime, end: datetime.datetime
) -> datetime.datetime:
    """A working-hours instant in [start, end), London time, most of them near the end (people
    save close to the deadline)."""
    days = max(1, (end - start).days)
    offset = min(days - 1, int(rng.triangular(0, days, days * 0.75)))
    day = start.astimezone(LONDON).date() + datetime.timedelta(days=offset)
    at = datetime.datetime.combine(
        day, datetime.time(rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59)), LONDON
    )
    return min(max(at, start), end - datetime.timedelta(seconds=1))


def take_ids(table: str, n: int) -> list[int]:
    """``n`` ids from the table's own sequence, so rows can point at each other before they
    are written (and later ordinary saves never collide with them)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows with COPY (psycopg 3): several times faster than INSERTs at this scale."""
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


@dataclass
class Save:
    """One version to write: everything but the ids."""

    kind: str
    answers: str
    dataset_version_id: int
    source: str
    submitter: tuple[str, str]
    submitted_at: datetime.datetime
    in_window: bool
    reference: str
    nil_reason: str = ""
    nil_reason_detail: str = ""
    on_behalf_reason: str = ""


@dataclass
class Head:
    location_id: int
    care_type: str
    window_id: int
    saves: list[Save]


class Planner:
    """Decides, obligation by obligation, what each location did in each window."""

    def __init__(
        self,
        rng: random.Random,
        infos: dict[int, LocationInfo],
        counts: Counts,
        now: datetime.datetime,
    ) -> None:
        self.rng, self.infos, self.counts, self.now = rng, infos, counts, now
        self.figures = Figures(rng)
        # (location, care type) -> (figures variant, dataset key) of the last figures saved.
        self.last: dict[tuple[int, str], tuple[int, tuple[int | None, bool]]] = {}
        self.references: dict[str, set[str]] = {}

    def reference(self, window: CollectionWindow) -> str:
        prefix = f"{window.period:%y%m}-"
        used = self.references.get(prefix)
        if used is None:
            used = set(
                ReturnVersion.objects.filter(reference__startswith=prefix).values_list(
                    "reference", flat=True
                )
            )
            self.references[prefix] = used
        while True:
            code = prefix + "".join(self.rng.choice(REFERENCE_ALPHABET) for _ in range(6))
            if code not in used:
                used.add(code)
                return code

    def window(
        self,
        window: CollectionWindow,
        owed: Sequence[tuple[int, str]],
        datasets: dict[str, Dataset],
    ) -> tuple[list[Head], list[Head]]:
        """(heads saved in the window, heads saved late) for one window's obligations."""
        in_time: list[Head] = []
        late: list[Head] = []
        late_until = min(window.closes_at + datetime.timedelta(days=21), self.now)
        for location_id, care_type in owed:
            info = self.infos[location_id]
            missing, late_share = info.reliability
            draw = self.rng.random()
            dataset = datasets[care_type]
            if draw < missing or (
                draw < missing + late_share
                and late_until - window.closes_at < datetime.timedelta(hours=3)
            ):
                self.counts.add("missing", outcome=True)
            elif draw < missing + late_share:
                at = moment(self.rng, window.closes_at + datetime.timedelta(hours=2), late_until)
                save = self.full(window, location_id, info, care_type, dataset, at, False)
                late.append(Head(location_id, care_type, window.pk, [save]))
                self.counts.add("late", outcome=True)
            else:
                in_time.append(self.in_time(window, location_id, info, care_type, dataset))
        return in_time, late

    def in_time(
        self,
        window: CollectionWindow,
        location_id: int,
        info: LocationInfo,
        care_type: str,
        dataset: Dataset,
    ) -> Head:
        rng = self.rng
        # Before the close, and never in the future (a window overridden to close later).
        at = moment(rng, window.opens_at, min(window.closes_at, self.now))
        head = Head(location_id, care_type, window.pk, [])
        key = (dataset.version_id, dataset.campaign)
        last = self.last.get((location_id, care_type))
        if rng.random() < NIL_SHARE:
            reason, detail, _ = rng.choices(NIL_REASONS, [r[2] for r in NIL_REASONS])[0]
            head.saves.append(
                Save(
                    kind=ReturnKind.NIL,
                    answers="{}",
                    dataset_version_id=_version_id(dataset),
                    source=ReturnSource.PORTAL if rng.random() < 0.7 else ReturnSource.EMAIL_LINK,
                    submitter=info.submitter,
                    submitted_at=at,
                    in_window=True,
                    reference=self.reference(window),
                    nil_reason=reason,
                    nil_reason_detail=detail,
                )
            )
            self.counts.add("nil", outcome=True)
        elif last is not None and last[1] == key and rng.random() < UNCHANGED_SHARE:
            # "Nothing has changed": the last figures, which still answer every question.
            head.saves.append(
                Save(
                    kind=ReturnKind.UNCHANGED,
                    answers=self.figures.answers(location_id, info, care_type, last[0], dataset),
                    dataset_version_id=_version_id(dataset),
                    source=ReturnSource.EMAIL_LINK if rng.random() < 0.5 else ReturnSource.PORTAL,
                    submitter=info.submitter,
                    submitted_at=at,
                    in_window=True,
                    reference=self.reference(window),
                )
            )
            self.counts.add("unchanged", outcome=True)
        else:
            head.saves.append(self.full(window, location_id, info, care_type, dataset, at, True))
            self.counts.add("full", outcome=True)
            again = at + datetime.timedelta(minutes=rng.randint(10, 600))
            if rng.random() < SECOND_VERSION_SHARE and again < window.closes_at:
                head.saves.append(
                    self.full(window, location_id, info, care_type, dataset, again, True)
                )
                self.counts.add("corrected in the window", outcome=True)
        return head

    def full(
        self,
        window: CollectionWindow,
        location_id: int,
        info: LocationInfo,
        care_type: str,
        dataset: Dataset,
        at: datetime.datetime,
        in_window: bool,
    ) -> Save:
        rng = self.rng
        variant = rng.randrange(VARIANTS)
        self.last[(location_id, care_type)] = (variant, (dataset.version_id, dataset.campaign))
        draw = rng.random()
        on_behalf = ""
        if draw < 0.01:
            source, on_behalf = ReturnSource.ASSISTED, ASSISTED_REASON
        elif draw < (0.6 if info.group_size >= 10 else 0.1):
            source = ReturnSource.CSV  # groups update many locations from one file
        else:
            source = ReturnSource.PORTAL
        return Save(
            kind=ReturnKind.FULL,
            answers=self.figures.answers(location_id, info, care_type, variant, dataset),
            dataset_version_id=_version_id(dataset),
            source=source,
            submitter=info.submitter,
            submitted_at=at,
            in_window=in_window,
            reference=self.reference(window),
            on_behalf_reason=on_behalf,
        )


def write_heads(heads: Sequence[Head], counts: Counts) -> list[int]:
    """Heads and their versions by COPY, each head written once with ``version_count``,
    ``latest`` and ``counted`` (the newest version saved in the window) already right.
    Returns the heads' ids."""
    head_ids = take_ids("returns_return", len(heads))
    version_ids = take_ids("returns_returnversion", sum(len(h.saves) for h in heads))
    head_rows: list[tuple[Any, ...]] = []
    version_rows: list[tuple[Any, ...]] = []
    next_version = iter(version_ids)
    for head_id, head in zip(head_ids, heads, strict=True):
        latest = counted = None
        for number, save in enumerate(head.saves, start=1):
            version_id = next(next_version)
            latest = version_id
            if save.in_window:
                counted = version_id
            version_rows.append(
                (
                    version_id,
                    head_id,
                    number,
                    save.kind,
                    save.nil_reason,
                    save.nil_reason_detail,
                    save.answers,
                    save.dataset_version_id,
                    save.source,
                    save.submitter[0],
                    save.submitter[1],
                    save.submitted_at,
                    save.in_window,
                    save.reference,
                    save.on_behalf_reason,
                    NO_WARNINGS,
                )
            )
        head_rows.append(
            (
                head_id,
                head.location_id,
                head.care_type,
                head.window_id,
                len(head.saves),
                latest,
                counted,
                head.saves[-1].submitted_at,
            )
        )
    # The foreign keys between the two tables are deferred: checked when the caller commits.
    counts.add("returns", copy_rows("returns_return", HEAD_COLUMNS, head_rows))
    counts.add("return versions", copy_rows("returns_returnversion", VERSION_COLUMNS, version_rows))
    return head_ids


def owed_in(window: CollectionWindow, id_range: tuple[int, int]) -> list[tuple[int, str]]:
    """The window's obligations among the seeded locations, in a fixed order."""
    ours = Location.objects.filter(pk__range=id_range)
    return sorted(
        (row["location_id"], row["care_type"]) for row in obligations([window], locations=ours)
    )


def analyze() -> None:
    """Fresh statistics, so the planner does not pick nested loops over a just-loaded table
    (bench/RESULTS.md: the sweep's anti-join took 48.7 s instead of seconds without)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- enforcement ------------------------------------------------------------------------------


def sweep_each(windows: Sequence[CollectionWindow], now: datetime.datetime, log: Log) -> Counts:
    """The real breach sweep, one window at a time an hour after it closed, as the scheduled
    job would have run it: breaches, cases opened and escalated, NOI eligibility, compliant
    cases closed, letters and their emails, exactly as production makes them."""
    from enforcement.letters import write_pending_letters
    from enforcement.sweep import sweep_due

    counts = Counts()
    for window in windows:
        at = min(window.closes_at + datetime.timedelta(hours=1), now)
        started = time.monotonic()
        # The letters are written here, dated the sweep's day, not by a worker today.
        report = sweep_due(now=at, dispatch_letters=False)
        write_pending_letters(now=at)
        counts.add("breaches", report.breaches)
        counts.add("cases opened", report.cases_opened)
        counts.add("moved to second breach", report.second_breaches)
        counts.add("eligible for a notice of intent", report.noi_eligible)
        counts.add("closed after compliant windows", report.closed_compliant)
        log(
            f"  swept {window.period_key}: {report.breaches} breaches, "
            f"{report.cases_opened} cases opened ({time.monotonic() - started:.1f} s)"
        )
    return counts


def cure_late(head_ids: Sequence[int]) -> int:
    """Link each breach to the late return that cured it, at the moment it was saved (the
    sweep's own ``cure_breaches`` would stamp them all with one time)."""
    with connection.cursor() as cursor:
        # The sweeps just wrote the breaches: without fresh statistics the planner takes the
        # table for empty and this join took five minutes at national scale instead of a second.
        cursor.execute("ANALYZE enforcement_breach, returns_return")
        cursor.execute(
            """
            UPDATE enforcement_breach b
            SET cured_by_id = r.latest_id, cured_at = v.submitted_at
            FROM returns_return r
            JOIN returns_returnversion v ON v.id = r.latest_id
            WHERE b.cured_by_id IS NULL
              AND r.id = ANY(%s)
              AND r.location_id = b.location_id
              AND r.care_type = b.care_type
              AND r.window_id = b.window_id
            """,
            [list(head_ids)],
        )
        return cursor.rowcount


def mark_emails_sent(after_id: int) -> int:
    """The sweep queues its letters' emails; in a seeded history they went out long ago.
    Marking them sent also means a worker pointed at this database sends nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE notifications_outboundmessage
            SET status = %s, attempts = 1, sent_at = created_at + interval '5 minutes'
            WHERE id > %s AND status = %s
            """,
            [OutboundMessage.Status.SENT, after_id, OutboundMessage.Status.QUEUED],
        )
        return cursor.rowcount


# --- the whole run ----------------------------------------------------------------------------


def seed(*, locations: int, months: int, seed: int, now: datetime.datetime, log: Log) -> Counts:
    """Build everything; returns the row and outcome counts. The caller has run ``guard``."""
    rng = random.Random(seed)
    counts = Counts()
    periods = closed_periods(now, months)
    first_open = periods[0].first_day()
    today = now.astimezone(LONDON).date()

    with Step(log, "windows"), transaction.atomic():
        windows_ensure(periods=periods)
        windows = list(
            CollectionWindow.objects.filter(period__in=[p.first_day() for p in periods]).order_by(
                "period"
            )
        )

    with Step(log, f"providers, {locations} locations, history and contacts"):
        with transaction.atomic():
            infos = build_registers(
                rng, total=locations, first_open=first_open, today=today, counts=counts
            )
        analyze()
    id_range = (min(infos), max(infos))

    planner = Planner(rng, infos, counts, now)
    late: list[Head] = []
    with Step(log, f"returns saved in {len(windows)} windows"):
        for window in windows:
            datasets = {ct: dataset_for(window.period_obj, ct) for ct in CareType.values}
            owed = owed_in(window, id_range)
            in_time, late_heads = planner.window(window, owed, datasets)
            late.extend(late_heads)
            counts.add("obligations", len(owed), outcome=True)
            with transaction.atomic():
                write_heads(in_time, counts)
            log(f"  {window.period_key}: {len(owed)} owed, {len(in_time)} returned in time")
        analyze()

    emails_before = (
        OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )
    with Step(log, "breach sweeps"):
        for key, n in sweep_each(windows, now, log).rows.items():
            counts.add(key, n)

    with Step(log, "late returns and the breaches they cured"), transaction.atomic():
        late_ids = write_heads(late, counts)
        counts.add("breaches cured late", cure_late(late_ids))
        counts.add("emails marked sent", mark_emails_sent(emails_before))
    with Step(log, "analyze"):
        analyze()
    return counts
