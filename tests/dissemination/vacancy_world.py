"""A small world for the vacancy finder, seen on 20 July 2026 (the July window has closed).

A  Leeds care home        4 accepting, saved 17 July (after the close): "3 days ago"
B  Leeds care home        7 accepting, saved in June's window: stale
C  Bradford care home     2 accepting, saved in July's window
D  Manchester care home   5 accepting, saved in July's window (North West)
E  Leeds care home        0 accepting: not listed
F  Leeds care home        3 accepting in June, then a nil return in July: not listed
G  Leeds care home        6 accepting, but dormant: not listed
"""

from __future__ import annotations

import datetime

from providers.models import LocalAuthority, Location, RegistrationStatus
from tests.dissemination.aggregates_world import after_close, in_window, save, windows_2026
from tests.factories import ContactFactory, LocationFactory, ProviderFactory
from tests.portal_data import GOOD_CARE_HOME


def figures(accepting: int) -> dict[str, str]:
    # 30 occupied (GOOD_CARE_HOME allows it) leaves room for up to 9 accepting of 40 beds.
    return {**GOOD_CARE_HOME, "beds_occupied": "30", "beds_vacant_accepting": str(accepting)}


def build_vacancy_world() -> dict[str, Location]:
    june, july = windows_2026(6, 7)
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    bradford = LocalAuthority.objects.get(ons_code="E08000032")
    manchester = LocalAuthority.objects.get(ons_code="E08000003")
    provider = ProviderFactory()

    def make(name: str, council: LocalAuthority, **kwargs: object) -> Location:
        home = LocationFactory(
            provider=provider, name=f"{name} House", local_authority=council, **kwargs
        )
        ContactFactory(location=home, is_primary=True, phone=f"0113 496 00{ord(name) - 60}")
        return home

    homes = {
        "A": make("A", leeds),
        "B": make("B", leeds),
        "C": make("C", bradford),
        "D": make("D", manchester),
        "E": make("E", leeds),
        "F": make("F", leeds),
        "G": make("G", leeds),
    }
    save(homes["A"], "care_home", july, answers=figures(1))
    save(
        homes["A"],
        "care_home",
        july,
        answers=figures(4),
        at=after_close(july) + datetime.timedelta(days=1),
    )
    save(homes["B"], "care_home", june, answers=figures(7))
    save(homes["C"], "care_home", july, answers=figures(2))
    save(homes["D"], "care_home", july, answers=figures(5), at=in_window(july))
    save(homes["E"], "care_home", july, answers=figures(0))
    save(homes["F"], "care_home", june, answers=figures(3))
    save(homes["F"], "care_home", july, kind="nil")
    save(homes["G"], "care_home", july, answers=figures(6))
    Location.objects.filter(pk=homes["G"].pk).update(status=RegistrationStatus.DORMANT)
    return homes
