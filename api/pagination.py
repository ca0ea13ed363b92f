"""Cursor pagination: stable under inserts, and as fast on the last page as on the first."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering: str | list[str] | tuple[str, ...] = "pk"
