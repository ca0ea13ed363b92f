"""CQC directory imports in admin: upload CQC's file, check the preview, apply on the worker.

Support officers (role SUPPORT and staff) and superusers only. Anyone who is not staff is sent
to admin's sign-in page, as everywhere in admin; other staff get 403 on every page here,
whatever model permissions a group gives them, because applying a national file changes every
location in England. Pages that answer GET never write; the
upload and Apply are POSTs with CSRF, and the writes are in providers/cqc_uploads.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from capacity_tracker.lib import clock
from capacity_tracker.lib.csv_files import CsvFileError
from providers.access import signed_in_user
from providers.cqc_uploads import MAX_UPLOAD_BYTES, cqc_upload_create, cqc_upload_request_apply
from providers.models import CqcImport, Role

SHOWN_ROWS = 500  # per list on the preview page; the stored preview keeps up to 1,000
REFRESH_SECONDS = 3  # the progress page reloads itself (a meta refresh: no script needed)
ACCEPTED = (".csv", ".xlsx")


def can_import_cqc(user: Any) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.role == Role.SUPPORT)


class CqcUploadForm(forms.Form):
    file = forms.FileField(
        label="CQC directory file",
        help_text="CSV or XLSX, as downloaded from CQC: the care directory, or the HSCA "
        "active locations file. Lines above the header row are fine.",
        error_messages={"required": "Select a CQC directory file"},
    )
    full_extract = forms.BooleanField(
        label="This file lists every registered location in England",
        required=False,
        help_text="Locations and providers we hold that are not in the file are then marked "
        "deregistered from the date below. Leave unticked for a partial file.",
    )
    as_of = forms.DateField(
        label="Data correct at",
        initial=clock.today,
        help_text="The date on the file, for example 2026-12-01.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED):
            raise forms.ValidationError("The selected file must be a CSV or XLSX file")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {MAX_UPLOAD_BYTES // 1024 // 1024} MB"
            )
        return upload


class ApplyForm(forms.Form):
    reason = forms.CharField(
        label="Why are you applying this file? (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with the import, for example “Monthly directory update”.",
    )


class CqcImportAdmin(admin.ModelAdmin):
    list_display = ["run_at", "file_name", "status", "full_extract", "as_of", "run_by", "counts"]
    list_filter = ["status", "full_extract"]
    search_fields = ["file_name", "sha256"]
    change_list_template = "admin/providers/cqcimport/change_list.html"
    # The file's bytes are never loaded for a list of imports.
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("content")

    # --- who may ----------------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_import_cqc(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return can_import_cqc(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # uploads go through the upload page, never the model form

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the record of what an import did stays

    def _desk_view(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """Admin's own checks first (signed in, staff: anyone else is sent to admin's sign-in
        page, as on every admin page), then support staff only: other staff get 403."""

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can_import_cqc(request.user):
                raise PermissionDenied("Only support staff import the CQC directory.")
            return view(request, *args, **kwargs)

        return self.admin_site.admin_view(guarded)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "upload/",
                self._desk_view(self.upload_view),
                name="{}_{}_upload".format(*info),
            ),
            path(
                "<int:pk>/preview/",
                self._desk_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "<int:pk>/apply/",
                self._desk_view(self.apply_view),
                name="{}_{}_apply".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated and not can_import_cqc(request.user):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        """An import's own page is its preview, progress or result."""
        if not can_import_cqc(request.user):
            raise PermissionDenied
        return HttpResponseRedirect(
            reverse("admin:providers_cqcimport_preview", args=[int(object_id)])
        )

    # --- pages ------------------------------------------------------------------------------

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **extra,
        }

    @method_decorator(never_cache)
    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = CqcUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = cqc_upload_create(
                    actor=signed_in_user(request),
                    file_name=upload.name,
                    content=upload.read(),
                    full_extract=form.cleaned_data["full_extract"],
                    as_of=form.cleaned_data["as_of"],
                )
            except CsvFileError as exc:
                form.add_error("file", f"{exc} Nothing was imported.")
            else:
                return HttpResponseRedirect(
                    reverse("admin:providers_cqcimport_preview", args=[record.pk])
                )
        return TemplateResponse(
            request,
            "admin/providers/cqcimport/upload.html",
            self._context(request, "Upload a CQC directory file", form=form),
        )

    @method_decorator(never_cache)
    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_object_or_404(
            CqcImport.objects.defer("content").select_related("uploaded_by", "applied_by"),
            pk=pk,
        )
        preview = record.preview or {}
        lists = {
            name: (preview.get(name) or [])[:SHOWN_ROWS]
            for name in (
                "locations_new",
                "locations_changed",
                "locations_deregistered",
                "providers_new",
                "providers_changed",
                "providers_deregistered",
                "out_of_scope",
            )
        }
        in_progress = record.status == CqcImport.Status.APPLYING
        return TemplateResponse(
            request,
            "admin/providers/cqcimport/preview.html",
            self._context(
                request,
                _title(record),
                record=record,
                counts=record.counts,
                lists=lists,
                rejected=record.rejected[:SHOWN_ROWS],
                more_rejected=max(len(record.rejected) - SHOWN_ROWS, 0),
                shown_rows=SHOWN_ROWS,
                changes_anything=preview.get("changes_anything", True),
                applied_changed_anything=_applied_changed_anything(record.counts),
                apply_form=ApplyForm(),
                in_progress=in_progress,
                refresh_seconds=REFRESH_SECONDS,
            ),
        )

    def apply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _apply(request, pk)


def _title(record: CqcImport) -> str:
    return {
        CqcImport.Status.PREVIEWED: "Check what this file will change",
        CqcImport.Status.APPLYING: "Applying the CQC directory file",
        CqcImport.Status.APPLIED: "CQC directory file applied",
        CqcImport.Status.FAILED: "The file could not be applied",
    }[CqcImport.Status(record.status)]


def _applied_changed_anything(counts: dict[str, int]) -> bool:
    return any(
        value
        for name, value in counts.items()
        if name.endswith(("_created", "_updated", "_deregistered"))
    )


@require_POST
def _apply(request: HttpRequest, pk: int) -> HttpResponse:
    form = ApplyForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    get_object_or_404(CqcImport.objects.defer("content"), pk=pk)
    if cqc_upload_request_apply(actor=signed_in_user(request), import_id=pk, reason=reason):
        messages.success(request, "The file is being applied. This page shows its progress.")
    else:
        messages.info(request, "This file has already been applied, or is being applied now.")
    return HttpResponseRedirect(reverse("admin:providers_cqcimport_preview", args=[pk]))


admin.site.register(CqcImport, CqcImportAdmin)
