"""The page behind the emailed "nothing has changed, or make a nil return" link.

GET only shows what the button will do: mail scanners follow links, so following one must
change nothing. The POST saves through returns/link_saves.py, which holds the rules.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from capacity_tracker.lib import clock
from returns.email_links import LinkError, LinkExpired
from returns.forms import EmailLinkForm
from returns.link_saves import LinkNotValid, LinkUsed, open_link, save_by_link
from returns.models import ReturnKind
from returns.portal import not_open_page
from returns.submission import ReturnError


def _already_used(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        "This link has already been used",
        "Each link can be used once. Sign in to the service to see or change what was saved.",
        410,
    )


def _problem(request: HttpRequest, heading: str, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "returns/email_link_problem.html",
        {"heading": heading, "message": message},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()  # the request's one instant: the link's checks, the save and the page
    try:
        use = open_link(token, now=now)
    except LinkExpired:
        return _problem(
            request,
            "This link has expired",
            "The collection this link was for has closed. Sign in to the service to update your data.",
            410,
        )
    except LinkNotValid:
        # The contact was removed (they left) or the link was made for another location.
        return _problem(
            request,
            "This link is not valid",
            "It may have been sent to someone who is no longer a contact for this location. "
            "Sign in to the service to update your data.",
            404,
        )
    except LinkError:
        return _problem(
            request,
            "This link is not valid",
            "Check you copied the whole link from the email, or sign in to the service to update your data.",
            404,
        )
    except LinkUsed:
        return _already_used(request)
    if now < use.window.opens_at:
        # The window's dates were moved later after the email went: say when it opens, and
        # offer nothing to press that could only be refused.
        return not_open_page(request, use.window, signed_in=False)
    can_confirm = use.can_confirm
    form = EmailLinkForm(
        request.POST if request.method == "POST" else None, can_confirm=can_confirm
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["choice"]
        try:
            if choice == "unchanged":
                references = save_by_link(use, kind=ReturnKind.UNCHANGED, now=now)
            else:
                references = save_by_link(
                    use,
                    kind=ReturnKind.NIL,
                    now=now,
                    nil_reason=form.cleaned_data["nil_reason"],
                    nil_reason_detail=form.cleaned_data["nil_reason_detail"],
                )
        except LinkUsed:
            return _already_used(request)
        except ReturnError as exc:
            error = str(exc)
        else:
            return render(
                request,
                "returns/email_link_done.html",
                {
                    "location": use.location,
                    "window": use.window,
                    "references": references,
                    "choice": choice,
                },
            )
    return render(
        request,
        "returns/email_link.html",
        {
            "location": use.location,
            "window": use.window,
            "contact": use.contact,
            "form": form,
            "can_confirm": can_confirm,
            "error": error,
            "window_is_open": use.window.contains(now),
        },
        status=400 if (error or form.errors) else 200,
    )
