"""A small, hand-countable world for the aggregate and compliance tests.

Three windows (May, June, July 2026: no vaccination campaign, the July 2023 notice), two
regions, three councils:

    Yorkshire and The Humber: Leeds (A, B, H, J), Bradford (C, D)
    North West: Manchester (E, F, G, I)

    A  care home                   full May, June, July
    B  care home + home care       care home: full May, "unchanged" June and July (carried
                                   forward); home care: nothing in May, full June, unchanged July
    C  care home                   full May, nil June and July
    D  care home                   full May, late June (after the close), nothing in July
    E  care home                   nothing at all
    F  care home, dormant since April: saves a June return anyway (must not count)
    G  care home, deregistered from 20 June: owes June, not July
    H  care home, added to the service on 10 June: owes July, not June
    I  home care                   nothing in May, full June and July
    J  care home                   nothing in May or June, full July

The June care home figures by hand (A, B carried forward from May, G; C is nil, D late):
see ``JUNE_CARE_HOME`` in test_aggregates.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from providers.models import LocalAuthority, Location, Region
from returns.deadlines import Period
from returns.models import CollectionWindow
from returns.services import windows_ensure
from returns.submission import Submitter, return_save
from tests.factories import LocationFactory, LocationStatusChangeFactory, ProviderFactory
from tests.portal_data import GOOD_CARE_HOME, GOOD_HOME_CARE

SUBMITTER = Submitter(user=None, first_name="Test", last_name="Person")

FIG_A = dict(GOOD_CARE_HOME)  # 40 / 35 / 1 / 4; staff 50; absent 2; visiting yes
FIG_B = {
    **GOOD_CARE_HOME,
    "beds_max_capacity": "20",
    "beds_occupied": "10",
    "beds_vacant_reserved": "2",
    "beds_vacant_accepting": "8",
    "staff_direct_nurses": "2",
    "staff_direct_care": "10",
    "staff_direct_non_care": "3",
    "staff_agency_nurses": "0",
    "staff_agency_care": "1",
    "staff_agency_non_care": "0",
    "absent_direct_nurses": "1",
    "absent_direct_care": "1",
    "absent_agency_care": "1",
    "visiting_possible": "no",
    "visiting_reason": "An outbreak",
}  # staff 16; absent 3
FIG_G = {
    **GOOD_CARE_HOME,
    "beds_max_capacity": "10",
    "beds_occupied": "9",
    "beds_vacant_reserved": "0",
    "beds_vacant_accepting": "1",
    "staff_direct_nurses": "1",
    "staff_direct_care": "5",
    "staff_direct_non_care": "2",
    "staff_agency_nurses": "0",
    "staff_agency_care": "0",
    "staff_agency_non_care": "0",
    "absent_direct_care": "0",
}  # staff 8; absent 0
# Figures that must never show up in June: a late save and a dormant home's save.
FIG_IGNORED = {**GOOD_CARE_HOME, "beds_max_capacity": "600", "beds_occupied": "500"}
HC_I = {
    "people_receiving_care": "20",
    "staff_direct_care": "8",
    "staff_direct_non_care": "2",
    "staff_agency": "2",
    "staff_absent_covid": "3",
}


@dataclass
class World:
    may: CollectionWindow
    june: CollectionWindow
    july: CollectionWindow
    leeds: LocalAuthority
    bradford: LocalAuthority
    manchester: LocalAuthority
    yorkshire: Region
    north_west: Region
    loc: dict[str, Location]

    @property
    def windows(self) -> list[CollectionWindow]:
        return [self.may, self.june, self.july]


def in_window(window: CollectionWindow) -> datetime.datetime:
    return window.opens_at + datetime.timedelta(days=1)


def after_close(window: CollectionWindow) -> datetime.datetime:
    return window.closes_at + datetime.timedelta(days=1)


def save(location, care_type, window, kind="full", answers=None, *, at=None):  # type: ignore[no-untyped-def]
    return return_save(
        submitter=SUBMITTER,
        location=location,
        care_type=care_type,
        window=window,
        kind=kind,
        source="portal",
        now=at or in_window(window),
        answers=answers,
        nil_reason="no_service_users" if kind == "nil" else "",
    )


def windows_2026(*months: int) -> list[CollectionWindow]:
    periods = [Period(2026, m) for m in months]
    windows_ensure(periods=periods)
    return [CollectionWindow.objects.get(period=p.first_day()) for p in periods]


def build_world() -> World:
    may, june, july = windows_2026(5, 6, 7)
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    bradford = LocalAuthority.objects.get(ons_code="E08000032")
    manchester = LocalAuthority.objects.get(ons_code="E08000003")
    provider = ProviderFactory()

    def make(name, council, places, **kwargs):  # type: ignore[no-untyped-def]
        return LocationFactory(
            provider=provider,
            name=f"{name} House",
            local_authority=council,
            registered_places=places,
            **kwargs,
        )

    loc = {
        "A": make("A", leeds, 40),
        "B": make("B", leeds, 20, offers_home_care=True),
        "C": make("C", bradford, 30),
        "D": make("D", bradford, 25),
        "E": make("E", manchester, 15),
        "F": make("F", manchester, 50, status="dormant"),
        "G": make("G", manchester, 10, status="deregistered"),
        "H": make("H", leeds, 60, added_to_service_on=datetime.date(2026, 6, 10)),
        "I": make("I", manchester, None, offers_care_home=False, offers_home_care=True),
        "J": make("J", leeds, 12),
    }
    LocationStatusChangeFactory(
        location=loc["F"], status="dormant", effective_from=datetime.date(2026, 4, 1)
    )
    LocationStatusChangeFactory(
        location=loc["G"], status="active", effective_from=datetime.date(2020, 1, 1)
    )
    LocationStatusChangeFactory(
        location=loc["G"], status="deregistered", effective_from=datetime.date(2026, 6, 20)
    )
    a, b, c, d, f, g, h, i, j = (loc[k] for k in "ABCDFGHIJ")
    # May
    save(a, "care_home", may, answers=FIG_A)
    save(b, "care_home", may, answers=FIG_B)
    save(c, "care_home", may, answers=FIG_G)
    save(d, "care_home", may, answers=FIG_A)
    save(g, "care_home", may, answers=FIG_G)
    # June
    save(a, "care_home", june, answers=FIG_A)
    save(b, "care_home", june, "unchanged")
    save(b, "home_care", june, answers=GOOD_HOME_CARE)
    save(c, "care_home", june, "nil")
    save(d, "care_home", june, answers=FIG_IGNORED, at=after_close(june))
    save(f, "care_home", june, answers=FIG_IGNORED)
    save(g, "care_home", june, answers=FIG_G)
    save(i, "home_care", june, answers=HC_I)
    # July
    save(a, "care_home", july, answers=FIG_A)
    save(b, "care_home", july, "unchanged")
    save(b, "home_care", july, "unchanged")
    save(c, "care_home", july, "nil")
    save(h, "care_home", july, answers=FIG_A)
    save(i, "home_care", july, answers=HC_I)
    save(j, "care_home", july, answers=FIG_A)
    return World(
        may=may,
        june=june,
        july=july,
        leeds=leeds,
        bradford=bradford,
        manchester=manchester,
        yorkshire=leeds.region,
        north_west=manchester.region,
        loc=loc,
    )
