"""The database unreachable: a 503 page (JSON under /api/) with Retry-After, from each route an
error takes (a view, a middleware through the 500 handler, an API view through DRF's handler).

tests/faults/test_postgres_restart.py stops a real PostgreSQL under load; these pin down each
route on its own, with the errors Django raises when the server has gone.
"""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.request import Request

from api.errors import api_exception_handler
from capacity_tracker import db_unavailable
from capacity_tracker.views import server_error

GONE = OperationalError('connection to server at "127.0.0.1" failed: Connection refused')


def _middleware() -> db_unavailable.DatabaseUnavailableMiddleware:
    return db_unavailable.DatabaseUnavailableMiddleware(lambda request: HttpResponse())


def _assert_unavailable_page(response: HttpResponse) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(db_unavailable.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">Sorry, the service is unavailable</h1>' in page
    assert "Traceback" not in page and "Connection refused" not in page


@pytest.mark.parametrize("error", [GONE, InterfaceError("connection already closed")])
def test_a_views_database_error_is_a_503_page(error: Exception) -> None:
    request = RequestFactory().post("/returns/2026-12/1-1000000001/care_home/check/")

    response = _middleware().process_exception(request, error)

    assert response is not None
    _assert_unavailable_page(response)


def test_other_errors_are_left_to_the_500_handler() -> None:
    request = RequestFactory().get("/returns/")

    assert _middleware().process_exception(request, ValueError("a bug")) is None


def test_under_the_api_the_503_is_json() -> None:
    request = RequestFactory().get("/api/v1/locations/")

    response = _middleware().process_exception(request, GONE)

    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "30"
    assert json.loads(response.content)["errors"][0]["code"] == "service_unavailable"


def test_a_middlewares_database_error_reaches_the_500_handler_and_is_a_503() -> None:
    request = RequestFactory().get("/returns/")
    try:
        raise GONE  # as the signed-in user's query does in a middleware
    except OperationalError:
        response = server_error(request)  # what Django calls, inside its own except block

    _assert_unavailable_page(response)
    # Logged once, in one line, by us: Django's request logger is told not to log it again.
    assert getattr(response, "_has_been_logged", False)


def test_the_500_handler_still_answers_500_for_anything_else() -> None:
    request = RequestFactory().get("/returns/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500


def test_an_api_views_database_error_is_a_json_503() -> None:
    request = Request(RequestFactory().post("/api/v1/returns/"))

    response = api_exception_handler(GONE, {"request": request, "view": None})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert json.loads(response.content)["errors"][0]["code"] == "service_unavailable"
