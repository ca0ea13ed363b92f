"""The provider portal's benchmark page: a location beside its council, region and England.

It lives here, not in ``returns/portal.py``, because the figures come from ``dissemination``
and ``returns`` must not import it; the portal links to it by URL name only.

Who: provider users, for the locations ``providers.access`` lets them see (a user limited to
some locations sees only those; anything else is a 404), and NECS support staff, who help
providers through the portal. Caseworkers, analysts and local authority users get 403: the
page is a provider's view of its own location, and they have their own pages of the same
aggregates.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from capacity_tracker.lib import clock
from dissemination.benchmark import Benchmark, Measure, Section, location_benchmark
from dissemination.charts_lines import LineChart, Series, line_chart
from dissemination.selectors import Level
from providers.access import get_location_for, role_required
from providers.models import Role

BENCHMARK_ROLES = (Role.PROVIDER, Role.SUPPORT)
# The same look for the same comparison on every chart, even when a small council is left out.
LINE_STYLE = {Level.LOCATION: 0, Level.LOCAL_AUTHORITY: 1, Level.REGION: 2, Level.ENGLAND: 3}


@role_required(*BENCHMARK_ROLES)
def location(request: HttpRequest, cqc_id: str) -> HttpResponse:
    place = get_location_for(request.user, cqc_id)
    benchmark = location_benchmark(place, now=clock.now())
    return render(
        request,
        "dissemination/benchmark.html",
        {
            "location": place,
            "benchmark": benchmark,
            "sections": [
                (section, [(m, _chart(benchmark, section, m)) for m in section.measures])
                for section in benchmark.sections
            ],
        },
    )


def _chart(benchmark: Benchmark, section: Section, measure: Measure) -> LineChart:
    names = [group.name for group in section.groups]
    first, last = benchmark.windows[0].label, benchmark.windows[-1].label
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return line_chart(
        chart_id=f"chart-{section.care_type.value}-{measure.name}".replace("_", "-"),
        title=f"{measure.title} ({section.label.lower()}): {listed}",
        description=(
            f"One point a month from {first} to {last}; a gap where there are no figures "
            "or they are not shown. The figures are in the table below the chart."
        ),
        x_labels=[window.period.strftime("%b %Y") for window in benchmark.windows],
        series=[
            Series(group.name, measure.series(index), style=LINE_STYLE[group.level])
            for index, group in enumerate(section.groups)
        ],
    )
