from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hash the GOV.UK Frontend module that init.js imports, so it can be cached for a year."""

    support_js_module_import_aggregation = True
