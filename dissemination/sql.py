"""SQL shared by the aggregates and the compliance release.

``obligations_base`` is the common start: every owed (window, location, care type), from
``returns.obligations`` (the one rule), joined to its location, council, region and return
head. The SQL is plain enough to run on SQLite too (the one-command demo): no GROUPING SETS,
no ``::`` casts, item codes checked as slugs before they are quoted as literals.

``fetch`` returns all rows; ``stream`` reads them through a server-side cursor in chunks, so a
720,000-row location-level export never holds more than a chunk in memory.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from dissemination.measures import CODE
from providers.models import LocalAuthority, Location, Provider, Region
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.obligations import OFFERED, obligations

CHUNK = 2000


@dataclass(frozen=True)
class Scope:
    """Which locations a selector reads: all by default. A local authority user passes their
    councils; ``locations`` (a Location queryset) restricts further, e.g. to one provider."""

    region_ids: Sequence[int] | None = None
    local_authority_ids: Sequence[int] | None = None
    locations: QuerySet[Location] | None = None

    def location_queryset(self) -> QuerySet[Location] | None:
        if self.region_ids is None and self.local_authority_ids is None and self.locations is None:
            return None
        queryset = Location.objects.all()
        if self.region_ids is not None:
            queryset = queryset.filter(local_authority__region_id__in=list(self.region_ids))
        if self.local_authority_ids is not None:
            queryset = queryset.filter(local_authority_id__in=list(self.local_authority_ids))
        if self.locations is not None:
            queryset = queryset.filter(pk__in=self.locations.values("pk"))
        return queryset


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def literal(code: str) -> str:
    """An item code as an SQL string literal; codes are slugs, anything else is refused."""
    if not CODE.match(code):
        raise ValueError(f"Item code {code!r} is not a slug.")
    return f"'{code}'"


def integer_item(code: str) -> str:
    """An integer answer of the counted version, NULL when not answered (or a nil return)."""
    return f"CAST(answers ->> {literal(code)} AS INTEGER)"


def text_item(code: str) -> str:
    return f"(answers ->> {literal(code)})"


def obligations_base(
    windows: Sequence[CollectionWindow], care_type: str | None, scope: Scope
) -> tuple[str, list[Any]]:
    """CTEs to follow ``WITH`` (ob, heads, places, then ``base``). ``base`` has one row per owed
    (window, location, care type) with

    window_id, location_id, care_type, provider_id, local_authority_id, region_id,
    registered_places, counted_kind, counted_at (the month's return, NULL if none), late
    (nothing in the window, something after), latest_kind, latest_at (the newest save), and
    answers (the month's return's figures; NULL for a nil return, which adds no figures).

    "Unchanged" needs no carrying forward here: saving one copies the last figures into its
    own answers (``returns.submission._prepare``, and the CSV bulk update likewise).
    """
    ob_sql, ob_params = obligations(
        windows, care_type=care_type, locations=scope.location_queryset()
    ).query.sql_with_params()
    window_ids = ", ".join(str(int(w.pk)) for w in windows)
    care_types = [care_type] if care_type else list(OFFERED)
    # The planner cannot estimate how many locations pass the "status on the opening day"
    # test (a correlated subquery): it guesses ~1% and then looks each one's return up by
    # index, ~30,000 times. MATERIALIZED fences make it read each side once and hash-join.
    sql = f"""
ob AS MATERIALIZED ({ob_sql}),
heads AS MATERIALIZED (
  SELECT r.window_id, r.location_id, r.care_type,
         cv.kind AS counted_kind, cv.submitted_at AS counted_at,
         (r.counted_id IS NULL AND r.latest_id IS NOT NULL) AS late,
         lv.kind AS latest_kind, lv.submitted_at AS latest_at,
         CASE WHEN cv.kind <> 'nil' THEN cv.answers END AS answers
  FROM {table(Return)} r
  LEFT JOIN {table(ReturnVersion)} cv ON cv.id = r.counted_id
  LEFT JOIN {table(ReturnVersion)} lv ON lv.id = r.latest_id
  WHERE r.window_id IN ({window_ids}) AND r.care_type IN ({", ".join(map(literal, care_types))})
),
places AS MATERIALIZED (
  SELECT l.id, l.provider_id, l.local_authority_id, la.region_id, l.registered_places
  FROM {table(Location)} l JOIN {table(LocalAuthority)} la ON la.id = l.local_authority_id
),
base AS (
  SELECT ob.window_id, ob.location_id, ob.care_type, p.provider_id, p.local_authority_id,
         p.region_id, p.registered_places, h.counted_kind, h.counted_at,
         COALESCE(h.late, FALSE) AS late, h.latest_kind, h.latest_at, h.answers
  FROM ob
  JOIN places p ON p.id = ob.location_id
  LEFT JOIN heads h
    ON h.window_id = ob.window_id AND h.location_id = ob.location_id AND h.care_type = ob.care_type
)"""  # noqa: S608 - table names from the models, ids as integers, slug literals; values are parameters
    return sql, list(ob_params)


def naming_joins(alias: str, *, window: bool = True) -> str:
    """Joins naming what ``alias``'s ids point at (w, rg, lau, loc, pr), for a final SELECT."""
    joined = (
        f"""
  JOIN {table(CollectionWindow)} w ON w.id = {alias}.window_id"""
        if window
        else ""
    )
    return f"""{joined}
  LEFT JOIN {table(Region)} rg ON rg.id = {alias}.region_id
  LEFT JOIN {table(LocalAuthority)} lau ON lau.id = {alias}.local_authority_id
  LEFT JOIN {table(Location)} loc ON loc.id = {alias}.location_id
  LEFT JOIN {table(Provider)} pr ON pr.id = loc.provider_id"""


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def stream(sql: str, params: Sequence[Any], chunk: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """Rows in chunks from a server-side cursor (one query, constant memory) where the
    database allows it, as ``QuerySet.iterator()`` does."""
    server_side = connection.features.can_use_chunked_reads and not connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    )
    connection.ensure_connection()
    cursor = connection.chunked_cursor() if server_side else connection.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def as_date(value: Any) -> datetime.date:
    """SQLite hands back dates computed in SQL as text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def as_datetime(value: Any) -> datetime.datetime | None:
    """SQLite hands back naive UTC (as text, or parsed); PostgreSQL an aware datetime."""
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
