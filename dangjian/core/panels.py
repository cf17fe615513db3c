"""Page panels as a registry: an app contributes a section to another app's page without the
page's app importing it (the org page shows committees and members; the home page shows what each
capability has to say).

A panel names the slot it fills (``"org_detail"``, ``"home"``), its template and a function that
returns the template's context for this request and object, or ``None`` when the panel has
nothing to show there (wrong kind of organisation, a role that cannot see it). Panels are edge
code, like views: they may read the clock and the request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

ORG_DETAIL = "org_detail"
HOME = "home"


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_SLOTS: dict[str, dict[str, Panel]] = {}


def register_panel(slot: str, panel: Panel) -> None:
    panels = _SLOTS.setdefault(slot, {})
    if panels.get(panel.key, panel) != panel:
        raise ImproperlyConfigured(f"panel {panel.key!r} registered twice in {slot!r}")
    panels[panel.key] = panel


def panels_in(slot: str) -> list[Panel]:
    return sorted(_SLOTS.get(slot, {}).values(), key=lambda p: (p.order, p.key))


def render_panels(slot: str, request: HttpRequest, obj: Any = None) -> list[SafeString]:
    """Each panel with something to show, rendered in order (the page prints them as they are)."""
    rendered = []
    for panel in panels_in(slot):
        context = panel.context(request, obj)
        if context is not None:
            rendered.append(SafeString(render_to_string(panel.template, context, request=request)))
    return rendered
