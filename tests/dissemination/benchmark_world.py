"""A hand-countable world for the provider benchmark tests (unit and browser).

By hand (February and March 2026 are vaccination campaign months; April's window is
open at ``World.now``, so it is not shown). Care homes, full returns in March unless said:

    Leeds (Yorkshire and The Humber)
      Alder (ours, also home care)  40 beds, 30 occupied, 2 reserved, 8 accepting; 50 staff,
                                    5 absent; flu: 25 staff, 15 residents
      Birch (ours)                  20, 18, 0, 2; 20 staff, 1 absent; flu 10, 9
      L1                            30, 27, 1, 2; 30 staff, 3 absent; flu 15, 20
      L2                            10, 10, 0, 0; 10 staff, 0 absent; flu 5, 5
      L3                            50, 40, 5, 5; 60 staff, 6 absent; flu 30, 20 (nothing in Feb)
      L4                            a nil return both months: owes and returns, adds no figures
    Bradford (Yorkshire and The Humber): 3 homes, so never shown
      Cedar (ours)                  10, 5, 0, 5; 10 staff, 1 absent; flu 4, 2
      B1                            20, 20, 0, 0; 25 staff, 2 absent; flu 10, 10
      B2                            30, 24, 3, 3; 30 staff, 0 absent; flu 12, 12
    Manchester (North West)
      M1                            100, 90, 5, 5; 100 staff, 10 absent; flu 60, 70

February is March without L3: Leeds then has 4 locations with figures (6 owing, 5 returned,
L4's nil adds none), so Leeds is not shown for February although 5 returned.

Home care, March only: Alder 10 staff / 1 absent / flu 5 and one more in Leeds (20 / 4 / 10):
Leeds has 2, never shown; three in Bradford (10/0/2, 10/1/3, 10/2/4) make Yorkshire 5; one in
Manchester (40 / 2 / 20) makes England 6.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from providers.models import LocalAuthority, Location, Provider, User
from returns.models import CollectionWindow
from tests.dissemination.aggregates_world import in_window, save, windows_2026
from tests.factories import LocationFactory, ProviderFactory, ProviderUserFactory
from tests.portal_data import GOOD_CARE_HOME, GOOD_HOME_CARE


def care_home(cap, occ, res, acc, staff, absent, flu, residents_flu):  # type: ignore[no-untyped-def]
    zeros = {code: "0" for code in GOOD_CARE_HOME if code.startswith(("staff_", "absent_"))}
    return {
        **GOOD_CARE_HOME,
        **zeros,
        "beds_max_capacity": str(cap),
        "beds_occupied": str(occ),
        "beds_vacant_reserved": str(res),
        "beds_vacant_accepting": str(acc),
        "staff_direct_care": str(staff),
        "absent_direct_care": str(absent),
        "vacc_staff_covid_booster": str(flu),
        "vacc_staff_flu": str(flu),
        "vacc_residents_covid_booster": str(residents_flu),
        "vacc_residents_flu": str(residents_flu),
    }


def home_care(staff, absent, flu):  # type: ignore[no-untyped-def]
    return {
        **GOOD_HOME_CARE,
        "people_receiving_care": "30",
        "staff_direct_care": str(staff),
        "staff_direct_non_care": "0",
        "staff_agency": "0",
        "staff_absent_covid": str(absent),
        "vacc_staff_covid_booster": str(flu),
        "vacc_staff_flu": str(flu),
    }


@dataclass
class World:
    provider: Provider
    alder: Location
    birch: Location
    cedar: Location
    user: User
    february: CollectionWindow
    march: CollectionWindow
    april: CollectionWindow

    @property
    def now(self) -> datetime.datetime:
        return in_window(self.april)  # April open: February and March have closed


def council(ons_code: str) -> LocalAuthority:
    return LocalAuthority.objects.get(ons_code=ons_code)  # reference data, loaded by migration


def build(extra_locations: int = 0) -> World:
    february, march, april = windows_2026(2, 3, 4)
    leeds, bradford, manchester = (
        council("E08000035"),
        council("E08000032"),
        council("E08000003"),
    )
    ours = ProviderFactory(name="Greenfield Care Ltd")
    others = ProviderFactory()

    def home(name, where, provider=others, **kwargs):  # type: ignore[no-untyped-def]
        return LocationFactory(provider=provider, name=name, local_authority=where, **kwargs)

    alder = home("Alder House", leeds, ours, offers_home_care=True)
    birch = home("Birch House", leeds, ours)
    cedar = home("Cedar House", bradford, ours)
    homes = {
        alder: care_home(40, 30, 2, 8, 50, 5, 25, 15),
        birch: care_home(20, 18, 0, 2, 20, 1, 10, 9),
        home("L1", leeds): care_home(30, 27, 1, 2, 30, 3, 15, 20),
        home("L2", leeds): care_home(10, 10, 0, 0, 10, 0, 5, 5),
        cedar: care_home(10, 5, 0, 5, 10, 1, 4, 2),
        home("B1", bradford): care_home(20, 20, 0, 0, 25, 2, 10, 10),
        home("B2", bradford): care_home(30, 24, 3, 3, 30, 0, 12, 12),
        home("M1", manchester): care_home(100, 90, 5, 5, 100, 10, 60, 70),
    }
    l3 = home("L3", leeds)
    l4 = home("L4", leeds)
    for location, answers in homes.items():
        save(location, "care_home", february, answers=answers)
        save(location, "care_home", march, answers=answers)
    save(l3, "care_home", march, answers=care_home(50, 40, 5, 5, 60, 6, 30, 20))
    for window in (february, march):
        save(l4, "care_home", window, "nil")
    # Saved in the open April window: must not appear anywhere.
    save(alder, "care_home", april, answers=care_home(40, 1, 0, 0, 50, 50, 0, 0))

    save(alder, "home_care", march, answers=home_care(10, 1, 5))
    home_care_only = {"offers_care_home": False, "offers_home_care": True}
    for where, answers in [
        (leeds, home_care(20, 4, 10)),
        (bradford, home_care(10, 0, 2)),
        (bradford, home_care(10, 1, 3)),
        (bradford, home_care(10, 2, 4)),
        (manchester, home_care(40, 2, 20)),
    ]:
        save(home(f"H {where.name}", where, **home_care_only), "home_care", march, answers=answers)
    # For the query-count test: more homes elsewhere that change no figure on the pages read.
    for n in range(extra_locations):
        save(home(f"Extra {n}", manchester), "care_home", march, answers=homes[birch])
    return World(
        provider=ours,
        alder=alder,
        birch=birch,
        cedar=cedar,
        user=ProviderUserFactory(provider=ours),
        february=february,
        march=march,
        april=april,
    )
