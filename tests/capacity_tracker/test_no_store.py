"""Cache-Control: no-store on every signed-in page and every download (issue 11, item 7).

Without it a shared computer's browser (or a proxy) keeps contact details, figures and letters
after the person has signed out. Public pages stay cacheable.
"""

from __future__ import annotations

import datetime

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from capacity_tracker.no_store import NoStoreMiddleware
from enforcement.models import EnforcementCase, Letter
from enforcement.sweep import sweep_due
from returns.deadlines import Period
from returns.models import BulkUpload, CollectionWindow
from returns.services import windows_ensure, windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    ContactFactory,
    LocationFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives and "private" in directives


def test_signed_in_pages_with_contact_details_are_not_stored(provider_user, location):
    ContactFactory(location=location, name="Ruth Ellis", email="ruth@home.example")
    client = client_for(provider_user)
    for url in (
        reverse("home"),
        reverse("providers:locations"),
        reverse("providers:location", args=[location.cqc_id]),
        reverse("returns:dashboard"),
    ):
        response = client.get(url, follow=False)
        assert no_store(response), (url, response.get("Cache-Control"))
    page = client.get(reverse("providers:location", args=[location.cqc_id]))
    assert "ruth@home.example" in page.content.decode()


def test_even_public_pages_are_not_stored_for_a_signed_in_person(provider_user):
    # The header shows who is signed in, so their copy of the start page is theirs alone.
    response = client_for(provider_user).get(reverse("start"))
    assert response.status_code == 200 and no_store(response)


def test_public_pages_for_anonymous_visitors_stay_cacheable(client):
    for name in ("start", "calendar"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", ""), name


def test_the_bulk_template_and_errors_csv_are_not_stored(provider_user, location):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC))
    client = client_for(provider_user)
    template = client.get(reverse("bulk:template", args=["care_home"]))
    assert template.status_code == 200
    assert template["Content-Disposition"].startswith("attachment")
    assert no_store(template)
    upload = BulkUpload.objects.create(
        file_name="returns.csv",
        sha256="0" * 64,
        size=1,
        content=b"x",
        uploaded_by=provider_user,
        provider=provider_user.provider,
        window=CollectionWindow.objects.order_by("period").first(),
        status=BulkUpload.Status.INVALID,
        errors=[{"row": 2, "column": "beds", "message": "Enter a number"}],
        error_count=1,
        created_at=timezone.now(),
    )
    errors = client.get(reverse("bulk:errors", args=[upload.pk]))
    assert errors.status_code == 200
    assert b"Enter a number" in b"".join(errors.streaming_content)
    assert no_store(errors)


def test_the_compliance_csv_and_a_letter_pdf_are_not_stored(db):
    provider = ProviderFactory(name="Never Returns Ltd")
    location = LocationFactory(provider=provider, registered_places=40)
    ContactFactory(location=location, email="manager@quiet.example", is_primary=True)
    periods = ("2026-01", "2026-02", "2026-03")
    windows_ensure(periods=[Period.parse(p) for p in periods])
    for p in periods:
        window = CollectionWindow.objects.get(period=Period.parse(p).first_day())
        sweep_due(now=window.closes_at + datetime.timedelta(hours=1))
    case = EnforcementCase.objects.get(provider=provider)
    letter = Letter.objects.filter(case=case).first()
    caseworker = client_for(CaseworkerFactory())
    pdf = caseworker.get(reverse("enforcement:letter", args=[case.reference, letter.reference]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert no_store(pdf)
    release = client_for(AnalystFactory()).post(
        reverse("dissemination:compliance"),
        {
            "from_period": "2026-01",
            "to_period": "2026-03",
            "file_format": "csv",
            "purpose": "Monthly compliance release to NHSBSA",
        },
    )
    assert release.status_code == 200
    assert release["Content-Disposition"].startswith("attachment")
    assert no_store(release)


def test_an_attachment_is_not_stored_even_for_an_anonymous_request():
    def view(request):  # type: ignore[no-untyped-def]
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    request = RequestFactory().get("/anything.csv")
    response = NoStoreMiddleware(view)(request)
    assert no_store(response)
    public = NoStoreMiddleware(lambda request: HttpResponse("hi"))(RequestFactory().get("/"))
    assert "Cache-Control" not in public
