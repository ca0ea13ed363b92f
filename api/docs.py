"""The API's schema and its docs page: public, so a supplier can read them before it has a key.

Neither authenticates anyone: a stale or wrong ``Authorization`` header on the docs page must
not turn it into a 401, and the schema is the same for everybody (``SERVE_PUBLIC``). Both are
GETs that read nothing from the database.

The page is Swagger UI from drf-spectacular-sidecar's files, served by us (no CDN), in the
split form: the page loads its init script from ``?script`` rather than inline, so it runs
under the site's Content-Security-Policy unchanged (``tests/api/test_docs_page.py`` loads it
in Chromium and fails on any CSP violation or request to another origin).
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # Ours: the package's page has an inline <style>, which our CSP refuses; and no lang.
    template_name = "api/swagger_ui.html"
    title = "API documentation: Adult social care provider information"
