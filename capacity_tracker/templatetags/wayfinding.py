"""Template filters for finding your way: the back link's landmark, who is reading the page and
audit action codes in plain words."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from providers.access import AnyUser, role_of
from providers.audit import action_label
from providers.models import Role

register = template.Library()


@register.filter(is_safe=True)
def back_nav(html: str) -> SafeString | str:
    """base.html's back_link block, inside a navigation landmark so that axe's `region` rule
    holds on every page; an empty block renders nothing (an empty landmark would be announced).
    The block's rendered output is already escaped by the template engine."""
    if not str(html).strip():
        return ""
    return format_html('<nav aria-label="Back">{}</nav>', mark_safe(str(html).strip()))  # noqa: S308 - rendered template output


@register.filter
def is_provider_user(user: AnyUser) -> bool:
    """True for a provider's own staff: their pages are "your locations" and "your returns";
    everyone else (support staff, superusers, other roles) looks providers up."""
    return role_of(user) is Role.PROVIDER


@register.filter
def audit_action(action: str) -> str:
    """ "providers.contact.confirmed" -> "Contacts confirmed"."""
    return action_label(str(action))


@register.filter
def pagination_items(number: int, pages: int) -> list[int | None]:
    """The page numbers the GOV.UK pagination component lists: the first, the last, the current
    and its neighbours, with None where the component shows an ellipsis. For example page 6
    of 12 gives [1, None, 5, 6, 7, None, 12]."""
    number, pages = int(number), int(pages)
    shown = sorted({1, pages, number - 1, number, number + 1} & set(range(1, pages + 1)))
    items: list[int | None] = []
    for page in shown:
        if items and page - (items[-1] or 0) > 1:
            items.append(None)
        items.append(page)
    return items
