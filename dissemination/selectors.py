"""The reads every dissemination page, export and API uses, so their numbers always agree.

Who owes what comes from ``returns.obligations`` (the same rule as the dashboard, the emails
and the breach sweep). Everything is summed in SQL, one query per call whatever the number of
locations; ``iter_*`` variants stream through a server-side cursor for large exports.

Aggregates
----------
``aggregate(*, windows, level, care_type, scope=Scope()) -> list[AggregateRow]``
``iter_aggregate(...) -> Iterator[AggregateRow]``; ``aggregate_query(...) -> (sql, params)``

- ``windows``: stored ``CollectionWindow`` rows (one or many; a range is a list).
- ``level``: a ``Level`` (``england``, ``region``, ``local_authority``, ``location``) or several
  (e.g. ``[Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY]`` for a page, still one query).
- ``care_type``: ``"care_home"`` or ``"home_care"`` (the figures differ; one care type a call).
- ``scope``: ``Scope(region_ids=..., local_authority_ids=..., locations=<Location queryset>)``
  restricts the locations read: a local authority user passes their councils. The England row is
  then the total of the scope, not of England: label it so.

Rows come ordered by period, level (England, region, council, location), then region, council
and location name. An area with no owing location in a window has no row. ``AggregateRow``
(``dissemination.rows``) has: period, level, area_code (ONS code, or CQC location ID), area_name,
region_code/name, local_authority_code/name, provider_code/name (location level), care_type,
locations_owing, returned, returned_full, returned_unchanged, returned_nil, late, missing
(owing = returned + late + missing), compliance_rate (a ``Rate``), registered_places (care homes,
from the registry, over the owing homes), ``figures`` (name -> summed value or None when not
collected) and ``rates`` (name -> ``Rate``). ``row.as_dict()`` is the flat export row, its keys
the CSV headers; ``aggregate_columns(care_type)`` lists them with meaning, unit and source
(the data dictionary). The measures are built from the dataset files (``dissemination.measures``:
naming rules there), so an item a new notice adds gets its column without code changes.

Rules: counts are of owed (location, care type) obligations; figures come only from the month's
return (the latest saved in the window): full and unchanged returns (an unchanged save already
stores the figures it confirms), never nil ones and never late saves. Every ``Rate`` carries
``numerator`` and ``denominator``, both summed over the same returns, and ``value`` =
numerator / denominator (None when not collected or the denominator is 0): never an average of
rates. So England = the sum of its regions = the sum of its councils, for every count, figure,
numerator and denominator (``Rate`` supports ``+``).

Compliance release (NHSBSA, local authorities)
----------------------------------------------
``compliance(*, windows, care_type=None, scope=Scope()) -> list[ComplianceRow]`` (and
``iter_compliance``, ``compliance_query``): one row per owed (location, care type, window):
location, provider, council and region codes and names, ``compliant`` (0/1), ``return_kind``,
``saved_at``, ``late``; ``RELEASE_COLUMNS`` lists ``as_dict()``'s columns.

``at_risk(*, window, care_type=None, scope=Scope()) -> list[AtRiskRow]``: locations that missed
``window`` (pass the last closed one) or 2 of the last 3 windows ending with it, with
``missed_last``, ``missed_of_last_3``, ``owed_of_last_3`` and ``missed_periods``
(columns: ``AT_RISK_COLUMNS``).
"""

from __future__ import annotations

from dissemination.aggregates import aggregate, aggregate_query, iter_aggregate
from dissemination.compliance import at_risk, compliance, compliance_query, iter_compliance
from dissemination.measures import Column, catalogue
from dissemination.rows import (
    AT_RISK_COLUMNS,
    RELEASE_COLUMNS,
    AggregateRow,
    AtRiskRow,
    ComplianceRow,
    Level,
    Rate,
    aggregate_columns,
)
from dissemination.sql import Scope

__all__ = [
    "AT_RISK_COLUMNS",
    "RELEASE_COLUMNS",
    "AggregateRow",
    "AtRiskRow",
    "Column",
    "ComplianceRow",
    "Level",
    "Rate",
    "Scope",
    "aggregate",
    "aggregate_columns",
    "aggregate_query",
    "at_risk",
    "catalogue",
    "compliance",
    "compliance_query",
    "iter_aggregate",
    "iter_compliance",
]
