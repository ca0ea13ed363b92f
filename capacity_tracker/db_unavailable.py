"""A database that cannot be reached answers 503 with a page (JSON under /api/), not a 500.

PostgreSQL restarting (a failover, an upgrade, a crash and its recovery) is away for seconds.
Meanwhile every query raises django.db's ``OperationalError`` (no connection, or the server
ended the session) or ``InterfaceError`` (the connection was already closed). A request that
failed this way saved nothing it had not committed: each save is one transaction, and the
server rolls back a transaction whose session ended. So the person is told the service is
briefly unavailable and to try again (503 with ``Retry-After``), and a later request connects
afresh with no restart of the web process (``CONN_HEALTH_CHECKS`` checks a kept connection
before a request uses it; a broken one is closed at the end of its request).

Two routes in, because Django turns an exception into a response wherever it is raised:

- a view's: ``DatabaseUnavailableMiddleware.process_exception``;
- an API view's: DRF catches it first, and ``api.errors.api_exception_handler`` asks here;
- a middleware's (the signed-in user and the second-factor check read the database before
  any view runs, the session is written after it): the site's 500 handler
  (``capacity_tracker.views.server_error``) asks ``response_for_current_exception`` first.

The page is rendered without the request, as Django renders 500.html: the context processors
would read the signed-in user, which needs the database that is not there.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# A restart or failover is over in seconds; a person reading the page takes longer anyway.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)
API_MESSAGE = (
    "The service cannot reach its database just now and nothing was saved. Try again in "
    f"{RETRY_AFTER_SECONDS} seconds."
)


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for a request the database could not answer."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        # api.errors' shape, built here: that module imports DRF, which a page need not load.
        response = JsonResponse(
            {"errors": [{"field": None, "code": "service_unavailable", "message": API_MESSAGE}]},
            status=503,
        )
    else:
        page = loader.get_template("503.html").render(
            {"service_name": settings.SERVICE_NAME, "support_email": settings.SUPPORT_EMAIL}
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # the next try must reach the server, not a cache
    return response


def _log(request: HttpRequest, exc: BaseException) -> None:
    # One line, no trace: while PostgreSQL is away every request lands here, and the trace is
    # the same each time (the first connection error says what happened).
    logger.warning(
        "Database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )


def answer(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """Log the outage in one line and answer 503 (for the API's exception handler too)."""
    _log(request, exc)
    response = unavailable_response(request)
    # Logged above in one line: Django's request logger would log it again with its trace
    # (django.utils.log.log_response skips a response marked this way).
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's private flag: not in django-stubs
    return response


def response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """For the 500 handler, which Django calls while handling the exception: the 503 if that
    exception is the database being unavailable, else None."""
    exc = sys.exc_info()[1]
    if exc is None or not is_database_unavailable(exc):
        return None
    return answer(request, exc)


class DatabaseUnavailableMiddleware:
    """Turns a view's database connection error into the 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return answer(request, exception) if is_database_unavailable(exception) else None
