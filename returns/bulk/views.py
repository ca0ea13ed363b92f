"""Bulk update by CSV or XLSX: the pages. The rules and writes are in returns/bulk/save.py.

Provider users and support staff only. Uploads are objects like any other: a provider user sees
only their own (another's is a 404), support staff see every upload but confirm only their own,
because whoever confirms is recorded as the submitter of every return in the file.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Count, Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from capacity_tracker.lib import clock
from capacity_tracker.lib.csv_files import iter_csv_lines
from capacity_tracker.lib.exports import XLSX_CONTENT_TYPE
from providers.access import (
    editable_locations,
    get_provider_for,
    role_of,
    role_required,
    signed_in_user,
)
from providers.models import CareType, Provider, Role
from returns.bulk import save as bulk
from returns.bulk.tasks import apply_now_or_later, check_now_or_later
from returns.bulk.xlsx import template_workbook
from returns.models import BulkUpload, CollectionWindow, NilReason
from returns.selectors import latest_opened_window
from returns.warnings import FigureWarning

PORTAL_ROLES = (Role.PROVIDER, Role.SUPPORT)
SHOWN_ERRORS = 500  # on the page; the errors file has every stored one
SUMMARY_ERRORS = 10  # in the error summary at the top
SHOWN_WARNINGS = 500  # "Check these figures" on the preview; the upload keeps more
# Told by name, so the form can say so at once. An .xlsx is read (told by its content, so a
# renamed file works too); these are not.
NOT_READ = (".xls", ".ods", ".numbers")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Upload your file",
        error_messages={
            "required": "Select a CSV file",
            "empty": "The selected file is empty",
            "invalid": "Select a CSV file",
            "missing": "Select a CSV file",
        },
    )
    on_behalf_reason = forms.CharField(
        label="Why are you updating these returns for the provider?",
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        help_text='For example: "Manager emailed the file to the helpline". It is recorded '
        "with every return in the file.",
    )

    def __init__(self, *args: Any, on_behalf: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.on_behalf = on_behalf

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.name.lower().endswith(NOT_READ):
            raise forms.ValidationError(
                "The selected file must be a CSV file or an Excel workbook (.xlsx). In your "
                "spreadsheet, choose “Save as” and then “Excel Workbook (.xlsx)” or “CSV UTF-8”"
            )
        if upload.size > bulk.MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {bulk.MAX_FILE_BYTES // 1024 // 1024} MB"
            )
        return upload

    def clean_on_behalf_reason(self) -> str:
        reason = self.cleaned_data.get("on_behalf_reason", "").strip()
        if self.on_behalf and not reason:
            raise forms.ValidationError("Enter why you are updating these returns for the provider")
        return reason if self.on_behalf else ""


def _is_support(request: HttpRequest) -> bool:
    return role_of(request.user) is Role.SUPPORT


def _template_provider(request: HttpRequest) -> Provider | None:
    """Provider users get their own provider's template; support staff name a provider."""
    user = signed_in_user(request)
    if not _is_support(request):
        return user.provider
    cqc_id = request.GET.get("provider", "").strip()
    return get_provider_for(user, cqc_id) if cqc_id else None


def _upload_for(request: HttpRequest, upload_id: int) -> BulkUpload:
    upload = (
        bulk.uploads_visible_to(signed_in_user(request))
        .select_related("window", "uploaded_by", "provider")
        .defer("content")  # up to 5 MB, and the progress endpoint is polled
        .filter(pk=upload_id)
        .first()
    )
    if upload is None:
        raise Http404("No upload with that number that you can see.")
    return upload


def _window_context(window: CollectionWindow, now: datetime.datetime) -> dict[str, Any]:
    return {"window": window, "window_is_open": window.contains(now)}


def _template_links(request: HttpRequest, provider: Provider) -> list[dict[str, Any]]:
    counts = (
        editable_locations(request.user)
        .filter(provider=provider)
        .aggregate(
            care_home=Count("pk", filter=Q(offers_care_home=True)),
            home_care=Count("pk", filter=Q(offers_home_care=True)),
        )
    )
    query = f"?provider={provider.cqc_id}" if _is_support(request) else ""
    links = [
        {
            "text": f"{CareType(care_type).label} file",
            "href": reverse("bulk:template", args=[care_type]) + query,
            "xlsx_href": reverse("bulk:template_xlsx", args=[care_type]) + query,
            "rows": counts[care_type],
        }
        for care_type in CareType.values
        if counts[care_type]
    ]
    if len(links) > 1:
        links.append(
            {
                "text": "One file for both care types",
                "href": reverse("bulk:template", args=["all"]) + query,
                "xlsx_href": reverse("bulk:template_xlsx", args=["all"]) + query,
                "rows": counts["care_home"] + counts["home_care"],
            }
        )
    return links


@role_required(*PORTAL_ROLES)
def start(request: HttpRequest) -> HttpResponse:
    """Download a template, read what each column means, upload a file, see recent uploads."""
    now = clock.now()
    user = signed_in_user(request)
    window = latest_opened_window(now)
    on_behalf = _is_support(request)
    provider_error = ""
    try:
        provider = _template_provider(request)
    except Http404:
        provider, provider_error = (
            None,
            "There is no provider with that ID. Check it and try again.",
        )
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, on_behalf=on_behalf)
        if form.is_valid():
            try:
                upload = bulk.bulk_upload_create(
                    user=user,
                    file_name=form.cleaned_data["file"].name,
                    content=b"".join(form.cleaned_data["file"].chunks()),
                    on_behalf_reason=form.cleaned_data["on_behalf_reason"],
                    now=now,
                )
            except bulk.WindowNotStored as exc:
                form.add_error("file", str(exc))
            else:
                check_now_or_later(upload, now=now)
                return redirect("bulk:upload", upload_id=upload.pk)
    else:
        form = UploadForm(on_behalf=on_behalf)
    datasets = bulk.datasets_for(window)
    return render(
        request,
        "returns/bulk_start.html",
        {
            **_window_context(window, now),
            "form": form,
            "on_behalf": on_behalf,
            "provider": provider,
            "provider_error": provider_error,
            "template_links": _template_links(request, provider) if provider else [],
            "datasets": [(CareType(ct).label, dataset) for ct, dataset in datasets.items()],
            "nil_reasons": NilReason.choices,
            "max_mb": bulk.MAX_FILE_BYTES // 1024 // 1024,
            "max_rows": bulk.MAX_ROWS,
            "uploads": bulk.uploads_visible_to(user)
            .filter(uploaded_by=user)
            .select_related("uploaded_by")
            .defer("content", "errors")[:10],
        },
        status=400 if form.errors else 200,
    )


def _template(request: HttpRequest, care_type: str, extension: str) -> tuple[str, list[str], Any]:
    """The file name, header and rows of a template, for either format."""
    try:
        care_types = bulk.template_care_types(care_type)
    except ValueError:
        raise Http404("No such template.") from None
    provider = _template_provider(request)
    if provider is None:
        raise Http404("Choose a provider first.")
    window = latest_opened_window(clock.now())
    header, rows = bulk.template_rows(
        user=signed_in_user(request), provider=provider, window=window, care_types=care_types
    )
    slug = care_type.replace("_", "-")
    return f"returns-{window.period_key}-{provider.cqc_id}-{slug}.{extension}", header, rows


@role_required(*PORTAL_ROLES)
def template_download(request: HttpRequest, care_type: str) -> StreamingHttpResponse:
    name, header, rows = _template(request, care_type, "csv")
    response = StreamingHttpResponse(
        iter_csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(*PORTAL_ROLES)
def template_xlsx(request: HttpRequest, care_type: str) -> FileResponse:
    """The same template as an Excel workbook: see returns/bulk/xlsx.py."""
    name, header, rows = _template(request, care_type, "xlsx")
    return FileResponse(
        template_workbook(header, rows),
        as_attachment=True,
        filename=name,
        content_type=XLSX_CONTENT_TYPE,
    )


@role_required(*PORTAL_ROLES)
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Progress while checking or saving; then the errors, the preview, or the outcome."""
    upload = _upload_for(request, upload_id)
    now = clock.now()
    errors = [bulk.CellError(**error) for error in upload.errors[:SHOWN_ERRORS]]
    counts = upload.counts or {}
    warnings = [
        {**shown, "warning": FigureWarning.from_dict(shown)}
        for shown in (upload.warnings or [])[:SHOWN_WARNINGS]
    ]
    return render(
        request,
        "returns/bulk_upload.html",
        {
            **_window_context(upload.window, now),
            "upload": upload,
            "delayed": upload.is_delayed(now),
            "errors": errors,
            "summary_errors": errors[:SUMMARY_ERRORS],
            "more_errors": max(upload.error_count - SUMMARY_ERRORS, 0),
            "stored_all_errors": len(upload.errors) >= upload.error_count,
            "to_save": sum(counts.get(kind, 0) for kind in ("full", "unchanged", "nil")),
            # Soft warnings: never blocking (returns/warnings.py).
            "warnings": warnings,
            "warning_count": counts.get("warnings", len(upload.warnings or [])),
            "same_file": bulk.same_file_uploads(upload),
            "is_uploader": upload.uploaded_by_id == request.user.pk,
            "on_behalf": _is_support(request),
            "form": UploadForm(on_behalf=_is_support(request)),
            "max_mb": bulk.MAX_FILE_BYTES // 1024 // 1024,
            "max_rows": bulk.MAX_ROWS,
        },
        status=400 if upload.status == BulkUpload.Status.INVALID else 200,
    )


@never_cache
@role_required(*PORTAL_ROLES)
def upload_progress(request: HttpRequest, upload_id: int) -> JsonResponse:
    """What static/js/bulk-progress.js polls while the worker checks or saves a file."""
    upload = _upload_for(request, upload_id)
    return JsonResponse(
        {
            "status": upload.status,
            "in_progress": upload.in_progress,
            "rows_checked": upload.rows_checked,
            "rows_total": upload.rows_total,
        }
    )


@role_required(*PORTAL_ROLES)
def upload_errors(request: HttpRequest, upload_id: int) -> StreamingHttpResponse:
    upload = _upload_for(request, upload_id)
    rows = (
        ["" if e["row"] is None else e["row"], e["column"], e["message"]] for e in upload.errors
    )
    response = StreamingHttpResponse(
        iter_csv_lines(["row", "column", "problem"], rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-errors.csv"'
    return response


@require_POST
@role_required(*PORTAL_ROLES)
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload_for(request, upload_id)
    # Only the uploader may confirm: bulk.NotTheUploader, a PermissionDenied (403), otherwise.
    apply_now_or_later(upload, confirmed_by=signed_in_user(request), now=clock.now())
    return redirect("bulk:upload", upload_id=upload.pk)
