"""After the last-day rush: the database held to what the service acknowledged (Django set up).

bench/load/rush.py wrote one JSON line per acknowledged save to the acks file: a portal save's
reference, or an applied upload's number and rows; and one line per 5xx answer and per
failed request. Here:

- every acknowledged reference is in the database exactly once, as the kind of return, for
  the obligation, that was acknowledged, saved inside the window;
- every applied upload saved exactly one version per row of its file (its audit events name
  the upload and each version's reference);
- no version of the rush's obligations this month is without an acknowledgement: one save
  acknowledged once left one version, never two;
- each return head's versions are numbered 1..count with the newest as ``latest`` and, all
  saved in the window, as ``counted``;
- every acknowledged obligation counts as returned in the sweep's own terms: it is owed
  (returns.obligations) and its head has a counted version, so the sweep finds no breach.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.models import AuditEvent, Location
from returns.models import BulkUpload, CollectionWindow, Return, ReturnVersion
from returns.obligations import obligations

Obligation = tuple[str, str]  # (CQC location ID, care type)


@dataclass
class RushReport:
    portal_saves: int = 0  # acknowledged full, unchanged and nil saves
    kinds: Counter[str] = field(default_factory=Counter)
    uploads: int = 0
    upload_rows: int = 0
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)  # failed requests
    requests: Counter[str] = field(default_factory=Counter)  # by locust's request name
    versions: int = 0  # this month's versions of the rush's obligations in the database
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (
            f"{self.requests.total()} requests, {self.portal_saves} portal saves acknowledged ({kinds}), {self.uploads} uploads "
            f"({self.upload_rows} rows), {self.versions} versions in the database, "
            f"{len(self.server_errors)} server errors, {len(self.failures)} failed requests, "
            f"{len(self.problems)} problems"
        )


def read_acks(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check(acks: list[dict[str, Any]], window: CollectionWindow, cqc_ids: list[str]) -> RushReport:
    report = RushReport(
        server_errors=[a for a in acks if a["kind"] == "server_error"],
        failures=[a for a in acks if a["kind"] == "failure"],
        requests=Counter(next((a["by_name"] for a in acks if a["kind"] == "requests"), {})),
    )
    saves = [a for a in acks if a["kind"] in ("full", "unchanged", "nil")]
    uploads = [a for a in acks if a["kind"] == "csv"]
    report.portal_saves, report.kinds = len(saves), Counter(a["kind"] for a in saves)
    report.uploads, report.upload_rows = len(uploads), sum(len(a["rows"]) for a in uploads)

    versions = {
        v["reference"]: v
        for v in ReturnVersion.objects.filter(
            return_head__window=window, return_head__location__cqc_id__in=cqc_ids
        ).values(
            "reference",
            "kind",
            "source",
            "in_window",
            "number",
            "return_head_id",
            "return_head__location__cqc_id",
            "return_head__care_type",
        )
    }
    report.versions = len(versions)
    problems = report.problems
    acknowledged: Counter[str] = Counter()

    for ack in saves:
        acknowledged[ack["reference"]] += 1
        version = versions.get(ack["reference"])
        if version is None:
            problems.append(f"acknowledged {ack['kind']} {ack['reference']} is not saved")
            continue
        _compare(
            ack["reference"], version, ack["kind"], {(ack["cqc_id"], ack["care_type"])}, problems
        )

    upload_status = dict(
        BulkUpload.objects.filter(pk__in=[a["upload"] for a in uploads]).values_list("pk", "status")
    )
    by_upload = _references_by_upload([a["upload"] for a in uploads])
    for ack in uploads:
        if upload_status.get(ack["upload"]) != BulkUpload.Status.APPLIED:
            problems.append(f"upload {ack['upload']} is {upload_status.get(ack['upload'])}")
        references = by_upload.get(ack["upload"], [])
        if len(references) != len(ack["rows"]):
            problems.append(
                f"upload {ack['upload']}: {len(references)} versions for {len(ack['rows'])} rows"
            )
        rows = {tuple(row) for row in ack["rows"]}
        for reference in references:
            acknowledged[reference] += 1
            version = versions.get(reference)
            if version is None:
                problems.append(f"upload {ack['upload']}: {reference} is not saved")
            else:
                _compare(reference, version, None, rows, problems, source="csv")

    problems.extend(f"{ref} acknowledged {n} times" for ref, n in acknowledged.items() if n > 1)
    problems.extend(
        f"{ref} ({v['kind']}, {v['source']}) was saved but never acknowledged"
        for ref, v in versions.items()
        if ref not in acknowledged
    )
    problems.extend(_broken_heads(window, cqc_ids))
    returned = {
        (v["return_head__location__cqc_id"], v["return_head__care_type"])
        for ref, v in versions.items()
        if ref in acknowledged
    }
    problems.extend(
        f"{cqc_id} {care_type} is not counted as returned"
        for cqc_id, care_type in sorted(returned - counted_as_returned(window, cqc_ids))
    )
    return report


def _compare(
    reference: str,
    version: dict[str, Any],
    kind: str | None,
    obligations_: set[Obligation],
    problems: list[str],
    source: str = "portal",
) -> None:
    where = (version["return_head__location__cqc_id"], version["return_head__care_type"])
    if where not in obligations_:
        problems.append(f"{reference} was saved for {where}, acknowledged for {obligations_}")
    if kind is not None and version["kind"] != kind:
        problems.append(f"{reference} was saved as {version['kind']}, acknowledged as {kind}")
    if version["source"] != source or not version["in_window"]:
        problems.append(
            f"{reference}: source {version['source']}, in window {version['in_window']}"
        )


def _references_by_upload(upload_ids: list[int]) -> dict[int, list[str]]:
    """The versions each upload saved: bulk._save_versions audits each with the upload's pk."""
    found: dict[int, list[str]] = defaultdict(list)
    events = AuditEvent.objects.filter(
        action__startswith="returns.return.", data__bulk_upload__in=upload_ids
    ).values_list("data", flat=True)
    for data in events:
        found[data["bulk_upload"]].append(data["reference"])
    return found


def _broken_heads(window: CollectionWindow, cqc_ids: list[str]) -> list[str]:
    """Heads whose versions are not exactly 1..version_count, newest as latest and counted."""
    broken = []
    heads = Return.objects.filter(window=window, location__cqc_id__in=cqc_ids).values(
        "pk", "version_count", "latest__number", "counted__number", "location__cqc_id", "care_type"
    )
    numbers: dict[int, list[int]] = defaultdict(list)
    for head_id, number in ReturnVersion.objects.filter(
        return_head__window=window, return_head__location__cqc_id__in=cqc_ids
    ).values_list("return_head_id", "number"):
        numbers[head_id].append(number)
    for head in heads:
        count = head["version_count"]
        if sorted(numbers[head["pk"]]) != list(range(1, count + 1)) or (
            count and (head["latest__number"], head["counted__number"]) != (count, count)
        ):
            broken.append(
                f"head {head['location__cqc_id']} {head['care_type']}: versions "
                f"{sorted(numbers[head['pk']])}, count {count}, latest {head['latest__number']}, "
                f"counted {head['counted__number']}"
            )
    return broken


def counted_as_returned(window: CollectionWindow, cqc_ids: list[str]) -> set[Obligation]:
    """The owed obligations with a counted return: the sweep's complement (enforcement/sweep.py
    records a breach for every owed obligation whose head has no counted version)."""
    locations = Location.objects.filter(cqc_id__in=cqc_ids)
    owed = {
        (row["location_id"], row["care_type"]) for row in obligations([window], locations=locations)
    }
    counted = set(
        Return.objects.filter(
            window=window, location__in=locations, counted__isnull=False
        ).values_list("location_id", "care_type")
    )
    cqc_of = dict(locations.values_list("pk", "cqc_id"))
    return {(cqc_of[location_id], care_type) for location_id, care_type in owed & counted}
