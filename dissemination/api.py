"""API: the dissemination selectors for analysts and councils. (Being written.)"""

from __future__ import annotations

from rest_framework.views import APIView


class AggregatesView(APIView):
    pass


class ComplianceView(APIView):
    pass
