"""The vacancy finder page: care homes with beds accepting admissions, for discharge and
brokerage teams (and national staff, who support them).

Who: discharge and brokerage team users, NECS support staff and DHSC analysts. Provider users,
caseworkers and local authority users get 403; anonymous people go to sign-in. The page only
reads: filters are GET parameters, and nothing is stored. A filter value that is not one of
the choices (an edited or out-of-date link) is reported in an error summary, and the list shows
every home rather than guessing what was meant.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from capacity_tracker.lib import clock
from dissemination.vacancies import (
    KINDS,
    Filters,
    days_ago,
    kinds_of,
    stale_before,
    vacant_care_homes,
)
from providers.access import role_required
from providers.models import LocalAuthority, Region, Role

VACANCY_ROLES = (Role.DISCHARGE, Role.SUPPORT, Role.ANALYST)
PER_PAGE = 50


class VacancyFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(),
        required=False,
        empty_label="All regions",
        error_messages={"invalid_choice": "Select a region from the list"},
    )
    local_authority = forms.ModelChoiceField(
        label="Council",
        queryset=LocalAuthority.objects.all(),
        required=False,
        empty_label="All councils",
        error_messages={"invalid_choice": "Select a council from the list"},
    )
    kinds = forms.MultipleChoiceField(
        label="Type of care",
        choices=list(KINDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Homes registered with CQC for any of the types you tick are shown. "
            "Tick none to see every home."
        ),
        error_messages={"invalid_choice": "Select nursing, residential or dementia care"},
    )

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        region = self.cleaned_data["region"]
        council = self.cleaned_data["local_authority"]
        return Filters(
            region_id=region.pk if region else None,
            local_authority_id=council.pk if council else None,
            kinds=tuple(self.cleaned_data["kinds"]),
        )


@role_required(*VACANCY_ROLES)
def finder(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    form = VacancyFilterForm(request.GET or None)
    homes = vacant_care_homes(form.filters() if form.is_bound else Filters())
    page: Page = Paginator(homes, PER_PAGE).get_page(request.GET.get("page"))
    stale_from = stale_before(now)
    rows = [
        {
            "home": home,
            "days_ago": days_ago(home.figures_saved_at, now),
            "stale": stale_from is not None and home.figures_saved_at < stale_from,
            "kinds": kinds_of(home),
        }
        for home in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dissemination/vacancies.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "stale_from": stale_from,
            "query": query.urlencode(),
        },
    )
