"""The dashboard's per-row links: each route reversed once per page, then filled in per row.

A ``{% url %}`` tag costs tens of microseconds (the resolver matches its arguments against the
route's pattern every time), and a 50-row page has 250 of them: a fifth of the page's time.
Location CQC IDs and care types hold only URL-safe characters (the ``cqc`` converter's pattern,
the care type choices), so putting them into one reversed URL gives exactly what ``reverse``
would; anything else goes through ``reverse`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.urls import reverse

from providers.models import CareType

_CQC = "1-999999999"  # a valid CQC ID that stands in for each row's own
_SAFE_CQC = re.compile(r"1-\d{9,11}\Z")
_CARE = CareType.CARE_HOME.value  # stands in for each row's care type
_ROUTES = {"form": "returns:form", "unchanged": "returns:unchanged", "nil": "returns:nil"}


class DashboardLinks:
    def __init__(self, period_key: str) -> None:
        self.period_key = period_key
        self._per_obligation = {
            key: reverse(name, args=[period_key, _CQC, _CARE]).replace(f"/{_CARE}/", "/{care}/")
            for key, name in _ROUTES.items()
        }
        self._location = reverse("providers:location", args=[_CQC])
        self._benchmark = reverse("benchmark:location", args=[_CQC])

    def for_row(self, cqc_id: str, care_type: str) -> dict[str, str]:
        if not _SAFE_CQC.match(cqc_id) or care_type not in CareType.values:
            return self._reversed(cqc_id, care_type)
        links = {
            key: pattern.replace(_CQC, cqc_id).replace("{care}", care_type)
            for key, pattern in self._per_obligation.items()
        }
        links["location"] = self._location.replace(_CQC, cqc_id)
        links["benchmark"] = self._benchmark.replace(_CQC, cqc_id)
        return links

    def _reversed(self, cqc_id: str, care_type: str) -> dict[str, str]:
        links = {
            key: reverse(name, args=[self.period_key, cqc_id, care_type])
            for key, name in _ROUTES.items()
        }
        links["location"] = reverse("providers:location", args=[cqc_id])
        links["benchmark"] = reverse("benchmark:location", args=[cqc_id])
        return links

    def rows(self, rows: Iterable[Any]) -> Iterator[tuple[Any, dict[str, str]]]:
        """Each dashboard row with its links, for ``{% for row, links in ... %}``."""
        for row in rows:
            yield row, self.for_row(row.location.cqc_id, row.care_type)
