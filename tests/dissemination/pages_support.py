"""Shared by the dissemination page and export tests: the hand-countable world of
``aggregates_world`` seen on 20 July 2026 (May, June and July closed), users of every role,
and small helpers to read the files the exports send."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from unittest import mock

from django.http import HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from providers.models import LocalAuthority, Role, User
from returns.deadlines import LONDON
from tests.conftest import client_for
from tests.factories import UserFactory

NOW = datetime.datetime(2026, 7, 20, 10, 0, tzinfo=LONDON)
PURPOSE = "Market oversight briefing for the adult social care winter plan"


def frozen_clock() -> Any:
    """Patch the service's clock to ``NOW`` (use as a context manager)."""
    return mock.patch("capacity_tracker.lib.clock.now", return_value=NOW)


def la_user(*councils: LocalAuthority) -> User:
    user = UserFactory(role=Role.LOCAL_AUTHORITY)
    user.local_authorities.set(councils)
    return user


def read_csv(response: HttpResponseBase) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(response: HttpResponseBase) -> tuple[list[str], list[list[object]]]:
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True, data_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(cell) for cell in rows[0]]
    # Reading drops a row's trailing empty cells: put them back.
    return header, [row + [None] * (len(header) - len(row)) for row in rows[1:]]


def export(client, **fields: object) -> HttpResponseBase:  # type: ignore[no-untyped-def]
    data = {
        "from_period": "2026-07",
        "to_period": "2026-07",
        "level": "region",
        "care_type": "care_home",
        "file_format": "csv",
        "purpose": PURPOSE,
    }
    data.update({key: value for key, value in fields.items() if value is not None})
    data = {key: value for key, value in data.items() if value != "-"}
    return client.post(reverse("dissemination:exports"), data)


def page(user: User, name: str, **query: str) -> str:
    response = client_for(user).get(reverse(f"dissemination:{name}"), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()
