"""What the fuzz tests share: Hypothesis settings, a rollback per example, the checks that an
error page names its fields, and strategies for what people (and programs) type.

Every test posts through the real views with Django's test client. The client re-raises an
exception in a view, so a would-be 500 fails the example with its traceback; the tests also
check the status code in case a view answers 5xx itself.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Collection, Iterator

from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from returns.models import Return, ReturnVersion
from returns.validation import Dataset, clean_answers


def fuzz_settings(examples: int) -> settings:
    """Bounded for CI: the same examples every run (derandomised), no example database, no
    deadline (the machine is shared), and the fixtures' objects reused across examples (each
    example rolls back its own writes, see ``rolled_back``). FUZZ_SCALE=10 runs ten times as
    many, for a deeper search by hand."""
    return settings(
        max_examples=examples * int(os.environ.get("FUZZ_SCALE", "1")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes in a savepoint that is undone after it, so examples are independent
    (and a rate limit counted in the cache starts again)."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def counts() -> tuple[int, int]:
    return Return.objects.count(), ReturnVersion.objects.count()


def assert_saved_versions_valid(dataset_of, since_pk: int) -> None:  # type: ignore[no-untyped-def]
    """Every version saved since ``since_pk`` passes the shared validation it was saved under."""
    for version in ReturnVersion.objects.filter(pk__gt=since_pk).select_related(
        "return_head__window"
    ):
        if version.kind == "nil":
            assert version.nil_reason, version.pk
            assert len(version.nil_reason_detail) <= 500
            if version.nil_reason == "other":
                assert version.nil_reason_detail.strip()
            continue
        dataset: Dataset = dataset_of(version)
        raw = {k: "" if v is None else str(v) for k, v in version.answers.items()}
        cleaned = clean_answers(dataset, raw)
        assert cleaned.is_valid, (version.kind, cleaned.errors)
        assert cleaned.answers == version.answers
        assert set(version.answers) == set(dataset.codes)


def last_version_pk() -> int:
    return ReturnVersion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- pages: the GOV.UK error summary names each field -----------------------------------------

_SUMMARY = re.compile(
    r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.DOTALL | re.IGNORECASE
)
_ITEM = re.compile(r"<li>(.*?)</li>", re.DOTALL)
_LINK = re.compile(r'<a href="#([^"]+)">(.*?)</a>', re.DOTALL)
_FIELD_ERROR = re.compile(r'<p id="([^"]+)-error" class="govuk-error-message">')


def summary_items(page: str) -> list[tuple[str | None, str]]:
    """(linked id or None, text) for each error in the page's error summaries."""
    items = []
    for summary in _SUMMARY.findall(page):
        for item in _ITEM.findall(summary):
            link = _LINK.search(item)
            text = html.unescape(re.sub(r"<[^>]+>", "", item)).strip()
            items.append((link.group(1) if link else None, text))
    return items


# Django's own messages name no field: on a page they must sit beside the field they are about.
DJANGO_DEFAULTS = (
    "This field is required.",
    "Enter a whole number.",
    "Ensure this value is greater than or equal to 0.",
    "Select a valid choice.",
)


def assert_errors_named(
    page: str, *, unlinked_ok: bool | Collection[str] = False
) -> list[tuple[str | None, str]]:
    """An error page has a summary; each field's error is linked from it to the field itself.

    ``unlinked_ok``: the page may also show messages about the whole form (a save refused, a
    form that has expired) as plain text: True for any, or the ones allowed. They must still
    be sentences a person can act on, never Django's bare "This field is required."."""
    items = summary_items(page)
    assert items, "an error page without an error summary"
    for target, text in items:
        assert text, "an empty error message"
        if target is None:
            allowed = unlinked_ok is True or (unlinked_ok and text in unlinked_ok)
            assert allowed, f"an error that names no field: {text!r}"
            assert not text.startswith(DJANGO_DEFAULTS), text
            continue
        assert re.search(rf'\bid="{re.escape(target)}"', page), f"#{target} is not on the page"
    linked = {target for target, _ in items if target}
    for field_id in _FIELD_ERROR.findall(page):
        assert field_id in linked, f"{field_id} has an error the summary does not link to"
    return items


# --- what people type -------------------------------------------------------------------------

AWKWARD = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "+5",
    "1,000",
    " 12 ",
    "12.0",
    "12.5",
    "1e3",
    "0x10",
    "NaN",
    "Infinity",
    "9" * 9,
    "9" * 10,
    "9" * 40,
    "-" + "9" * 40,
    "１２",  # full-width digits
    "٣",  # Arabic-Indic three
    "½",
    "yes",
    "No",
    "YES ",
    "null",
    "None",
    "<script>alert(1)</script>",
    "=1+1",
    "\x00",
    "a\x00b",
    "\u202e12",
    "x" * 1_200,
]

awkward_text = st.one_of(
    st.sampled_from(AWKWARD),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
    st.floats().map(str),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)

# What a person who means it types: a figure, perhaps with spaces or a thousands comma.
plausible_text = st.one_of(
    st.integers(min_value=0, max_value=60).map(str),
    st.integers(min_value=0, max_value=60).map(lambda n: f" {n} "),
    st.integers(min_value=1_000, max_value=2_000).map(lambda n: f"{n:,}"),
    st.sampled_from(["yes", "no", "Yes", ""]),
)
# Mostly plausible, often awkward: both the saves and the refusals get exercised.
typed_text = st.one_of(plausible_text, plausible_text, awkward_text)


def sometimes(strategy: st.SearchStrategy, empty: object) -> st.SearchStrategy:
    """``empty`` two times in three: most examples change only a little."""
    return st.one_of(st.just(empty), st.just(empty), strategy)
