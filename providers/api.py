"""API: the locations a caller may act for. (Being written.)"""

from __future__ import annotations

from rest_framework.views import APIView


class LocationsView(APIView):
    pass
