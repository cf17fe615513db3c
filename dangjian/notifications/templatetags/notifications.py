"""``{% notification_bell %}`` for the top navigation and ``{% notification_settings %}`` for the
profile page: both read through the notifications app, so no other app imports it."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

register = template.Library()


def cached_unread_count(request: HttpRequest) -> int:
    """One indexed COUNT per request, however often a page shows it."""
    cached = getattr(request, "_notification_unread", None)
    if cached is None:
        from dangjian.notifications.services import unread_count

        cached = unread_count(request.user)
        request._notification_unread = cached  # type: ignore[attr-defined]
    return int(cached)


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": cached_unread_count(request)}


@register.inclusion_tag("notifications/_settings.html", takes_context=True)
def notification_settings(context: Any) -> dict[str, Any]:
    from dangjian.notifications.services import email_choices

    request = context["request"]
    return {
        "choices": email_choices(request.user),
        "email": request.user.email,
        "csrf_token": context.get("csrf_token"),
    }
