"""A provider's return save over HTTP, counted: the form's POST, then "Accept and send".

These tests commit (transaction=True), as production does: inside the usual test
transaction every atomic block adds a SAVEPOINT and a RELEASE that production does not run,
and the dataset cache's invalidation (a new generation after commit) would never fire.
``serialized_rollback`` puts the migrated rows (datasets, campaign months) back afterwards.
"""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.forms import BooleanField
from django.urls import reverse

from returns import datasets
from returns.deadlines import LONDON
from returns.models import DataItem, DatasetVersion, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.warnings import active_rules
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory, SupportUserFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # the December window is open
PERIOD = "2026-12"

# What the save costs, counted as Django logs them (BEGIN and COMMIT included: each is a
# round trip). The session is read from Redis (capacity_tracker/sessions.py) and the user's
# location limit is a subquery of the location read (providers/access.py): neither is a query
# of its own. The form's POST, 4: user, location, window; the session write (one UPDATE:
# no BEGIN and COMMIT around it). Accept and send, 11: user, location, window; BEGIN, create
# the head if new (INSERT ... ON CONFLICT DO NOTHING), lock it, insert the version, point the
# head at it, the audit event, COMMIT; the session write (one UPDATE). The dataset comes from
# the per-process cache: no query. Was 23 before the session cache and the limit subquery.
SAVE_BUDGET = 15


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def url(name: str, location: Any) -> str:
    return reverse(name, args=[PERIOD, location.cqc_id, "care_home"])


def in_window():
    return mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW)


def sql_of(captured: Any) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def test_a_full_return_saves_within_the_query_budget(django_assert_max_num_queries):
    location = LocationFactory()
    client = client_for(ProviderUserFactory(provider=location.provider))
    ContentType.objects.get_for_model(Return)  # Django caches it per process, as in production
    active_rules()  # so are the warning rules, which the check answers page reads
    with in_window():
        assert client.get(url("returns:form", location)).status_code == 200  # the start page
        with django_assert_max_num_queries(SAVE_BUDGET) as captured:
            to_check = client.post(url("returns:form", location), {**GOOD_CARE_HOME, "based_on": 0})
            sent = client.post(url("returns:check", location))
    assert to_check.status_code == 302 and to_check.url == url("returns:check", location)
    assert sent.status_code == 302
    version = ReturnVersion.objects.get()
    assert sent.url == reverse("returns:saved", kwargs={"reference": version.reference})
    assert version.answers["beds_occupied"] == 35
    assert version.return_head.location == location
    # The dataset came from the cache, read by the start page: no dataset table was read.
    assert not [sql for sql in sql_of(captured) if "returns_dataitem" in sql]
    assert not [sql for sql in sql_of(captured) if "returns_datasetversion" in sql]
    # The session came from the cache, and was written with one UPDATE each time.
    session = [sql for sql in sql_of(captured) if '"django_session"' in sql]
    assert len(session) == 2 and all(sql.startswith("UPDATE") for sql in session)
    # The location limit was a subquery of the location read, once per request.
    limits = [sql for sql in sql_of(captured) if "providers_user_limited_to_locations" in sql]
    assert len(limits) == 2 and all("EXISTS" in sql for sql in limits)


def _admin_form_data(response: Any) -> dict[str, Any]:
    """What the browser would send back from an admin change page, unchanged."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def _admin_set_max_beds_occupied(client: Any, version: DatasetVersion, max_value: int) -> None:
    change = reverse("admin:returns_datasetversion_change", args=[version.pk])
    page = client.get(change)
    assert page.status_code == 200
    data = _admin_form_data(page)
    target = DataItem.objects.get(version=version, care_type="care_home", code="beds_occupied")
    formset = next(
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is DataItem
    )
    form = next(form for form in formset.forms if form.instance.pk == target.pk)
    data[form.add_prefix("max_value")] = max_value
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.content[:2000]
    target.refresh_from_db()
    assert target.max_value == max_value


def test_an_admin_edit_to_a_data_item_is_seen_by_the_next_save():
    location = LocationFactory()
    provider_client = client_for(ProviderUserFactory(provider=location.provider))
    with in_window():
        provider_client.get(url("returns:form", location))  # the cache now holds December
        provider_client.post(url("returns:form", location), {**GOOD_CARE_HOME, "based_on": 0})
        assert provider_client.post(url("returns:check", location)).status_code == 302
    version = DatasetVersion.objects.get(
        pk=ReturnVersion.objects.get().dataset_version_id
    )  # the version in force in December 2026
    # Another process's cache: what this one holds now, which the admin edit below will not
    # clear there (signals reach only the process that saved).
    other_process = (dict(datasets._in_force._data), dict(datasets._built._data))
    assert other_process[1], "the save should have cached its dataset"
    generation = datasets._generation()

    # Datasets are an operator's to edit (support staff only view them): a superuser.
    operator = SupportUserFactory(is_superuser=True)
    _admin_set_max_beds_occupied(client_for(operator), version, max_value=30)

    assert datasets._generation() != generation  # bumped on commit, for every process
    for lru, entries in zip((datasets._in_force, datasets._built), other_process, strict=True):
        for key, value in entries.items():
            lru.put(key, value)
    with in_window():
        again = provider_client.post(
            url("returns:form", location), {**GOOD_CARE_HOME, "based_on": 1}
        )
    # 35 beds occupied was fine a moment ago; the edited item now refuses it.
    assert again.status_code == 400
    assert "30 or fewer" in again.content.decode()
    assert ReturnVersion.objects.count() == 1


def test_a_rolled_back_edit_is_never_cached():
    """The connection that edits reads around the cache until it commits: a rollback leaves
    nothing behind that another request could be served."""
    from django.db import transaction

    from returns.deadlines import Period

    december = Period(2026, 12)
    before = datasets.dataset_for(december, "care_home")
    item = DataItem.objects.get(
        version_id=before.version_id, care_type="care_home", code="beds_occupied"
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        item.label = "Rolled back label"
        item.save()
        inside = datasets.dataset_for(december, "care_home")
        assert next(i for i in inside.items if i.code == "beds_occupied").label == item.label
        raise RuntimeError("roll back")
    after = datasets.dataset_for(december, "care_home")
    assert after == before
    assert next(i for i in after.items if i.code == "beds_occupied").label != "Rolled back label"


@pytest.mark.django_db  # the usual test transaction: the retry must work inside one too
def test_a_clashing_reference_is_replaced_and_the_save_goes_through():
    """Without a savepoint per insert, a reference clash rolls the whole attempt back and the
    save is tried again with another reference: one version, one head, one audit event."""
    from providers.models import AuditEvent
    from returns.models import CollectionWindow, ReturnSource
    from returns.submission import Submitter, return_save

    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    first, second = LocationFactory(), LocationFactory()
    user = ProviderUserFactory(provider=first.provider)

    def save(location: Any) -> ReturnVersion:
        return return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="care_home",
            window=december,
            kind="full",
            source=ReturnSource.PORTAL,
            now=IN_WINDOW,
            answers=GOOD_CARE_HOME,
            based_on=0,
        )

    with mock.patch("returns.submission.new_reference", return_value="2612-AAAAAA"):
        assert save(first).reference == "2612-AAAAAA"
    audits = AuditEvent.objects.count()
    references = iter(["2612-AAAAAA", "2612-BBBBBB"])
    with mock.patch(
        "returns.submission.new_reference", side_effect=lambda window: next(references)
    ):
        version = save(second)
    assert version.reference == "2612-BBBBBB"
    head = Return.objects.get(location=second)
    assert (head.version_count, head.latest_id, head.counted_id) == (1, version.pk, version.pk)
    assert ReturnVersion.objects.filter(return_head__location=second).count() == 1
    assert AuditEvent.objects.count() == audits + 1
