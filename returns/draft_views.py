"""Suppliers' drafts in the portal: look at one, confirm and send it, or discard it.

A draft is found through the locations the person may change (another provider's draft, or one
for a location outside a user's limit, is a 404). Support staff may look at a draft, but only
the provider confirms or discards it: the point of a draft is that the provider vouches for its
supplier's figures, and support submitting on a provider's behalf has its own journey (with a
reason) in the ordinary return pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api.portal_forms import ReasonForm
from capacity_tracker.lib import clock
from providers.access import editable_locations, role_of, role_required, signed_in_user
from providers.models import Role
from returns.datasets import dataset_for
from returns.drafts import DraftGone, draft_confirm, draft_discard
from returns.models import Return, ReturnDraft
from returns.portal import _answer_rows
from returns.submission import ReturnInvalid, ReturnNotAllowed, StaleReturn


def _draft_for(request: HttpRequest, reference: str) -> ReturnDraft:
    draft = (
        ReturnDraft.objects.filter(
            reference=reference, location__in=editable_locations(request.user)
        )
        .select_related(
            "location__provider", "window", "supplier", "api_key", "decided_by", "version"
        )
        .first()
    )
    if draft is None:
        raise Http404("No draft with that reference that you can see.")
    return draft


def _only_the_provider(request: HttpRequest) -> None:
    if role_of(request.user) is not Role.PROVIDER:
        raise PermissionDenied("Only the provider can confirm or discard its supplier's figures.")


def _draft_context(draft: ReturnDraft, *, now: datetime.datetime, **extra: Any) -> dict[str, Any]:
    head = (
        Return.objects.filter(
            location=draft.location, care_type=draft.care_type, window=draft.window
        )
        .select_related("latest")
        .first()
    )
    dataset = dataset_for(draft.window.period_obj, draft.care_type)
    return {
        "draft": draft,
        "head": head,
        "latest": head.latest if head else None,
        "based_on": head.version_count if head else 0,
        "sections": _answer_rows(dataset, draft.answers) if draft.kind == "full" else [],
        "questions_changed": dataset.version_id != draft.dataset_version_id,
        "window_is_open": draft.window.contains(now),
        **extra,
    }


@role_required(Role.PROVIDER, Role.SUPPORT)
def draft_detail(request: HttpRequest, reference: str) -> HttpResponse:
    draft = _draft_for(request, reference)
    return render(
        request,
        "returns/drafts/draft.html",
        _draft_context(draft, now=clock.now(), may_decide=role_of(request.user) is Role.PROVIDER),
    )


def _refused(
    request: HttpRequest, draft: ReturnDraft, error: str, status: int, *, now: datetime.datetime
) -> HttpResponse:
    return render(
        request,
        "returns/drafts/draft.html",
        _draft_context(draft, now=now, may_decide=True, error=error),
        status=status,
    )


@require_POST
@role_required(Role.PROVIDER, Role.SUPPORT)
def draft_confirm_view(request: HttpRequest, reference: str) -> HttpResponse:
    _only_the_provider(request)
    now = clock.now()
    draft = _draft_for(request, reference)
    try:
        based_on = int(request.POST.get("based_on", ""))
    except ValueError:
        return _refused(
            request, draft, "Something went wrong with the form. Try again.", 400, now=now
        )
    try:
        version = draft_confirm(
            user=signed_in_user(request), reference=draft.reference, now=now, based_on=based_on
        )
    except ReturnDraft.DoesNotExist:
        raise Http404("No draft with that reference that you can see.") from None
    except StaleReturn as exc:
        dataset = dataset_for(draft.window.period_obj, draft.care_type)
        return render(
            request,
            "returns/drafts/conflict.html",
            {
                "draft": draft,
                "theirs": exc.latest,
                "their_rows": _answer_rows(dataset, exc.latest.answers)
                if exc.latest and exc.latest.kind != "nil"
                else [],
                "mine": _answer_rows(dataset, draft.answers) if draft.kind == "full" else [],
            },
            status=409,
        )
    except DraftGone as exc:
        draft.refresh_from_db()
        return _refused(request, draft, str(exc), 409, now=now)
    except ReturnInvalid as exc:
        problems = "; ".join(exc.errors.values())
        return _refused(
            request,
            draft,
            "These figures cannot be sent as they are (the questions or rules may have changed "
            f"since your supplier sent them): {problems}. Discard the draft and fill in the "
            "return yourself, or ask your supplier to send it again.",
            400,
            now=now,
        )
    except ReturnNotAllowed as exc:
        return _refused(request, draft, str(exc), 400, now=now)
    return redirect("returns:saved", reference=version.reference)


@role_required(Role.PROVIDER, Role.SUPPORT)
def draft_discard_view(request: HttpRequest, reference: str) -> HttpResponse:
    _only_the_provider(request)
    draft = _draft_for(request, reference)
    if draft.status != ReturnDraft.Status.WAITING:
        return redirect("drafts:draft", reference=draft.reference)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        label="Why are you discarding these figures?",
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            draft_discard(
                user=signed_in_user(request),
                reference=draft.reference,
                reason=form.cleaned_data["reason"],
                now=clock.now(),
            )
        except ReturnDraft.DoesNotExist:
            raise Http404("No draft with that reference that you can see.") from None
        except DraftGone as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                f"You discarded the figures {draft.supplier.name} sent for "
                f"{draft.location.name}. Nothing was saved.",
            )
            return redirect("returns:dashboard")
    return render(
        request,
        "returns/drafts/discard.html",
        {"draft": draft, "form": form, "error": error},
        status=400 if (form.errors or error) else 200,
    )
