"""Which URL names have a tenancy contract, which are declared unscoped, which have neither.

Each app keeps its contracts and its unscoped names in ``<app>/tests/test_tenancy*.py``: contract
classes list ``covers = ("app:name", ...)``; the module's ``UNSCOPED_URLS`` maps a URL name to the
reason no scope applies. Apps are found through ``apps.get_app_configs()``, so core names none.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from dangjian.testkit.tenancy import EndpointContract

PROJECT_PACKAGE = "dangjian"
CORE_APP = "dangjian.core"


@dataclass(frozen=True)
class Route:
    name: str  # "members:detail", or "member-detail" for a router route
    pattern: str
    view: str  # dotted path of the view, to say where it lives

    @property
    def owner_app(self) -> str:
        """The project app whose tests must declare this route (core for third-party views)."""
        namespace = self.name.partition(":")[0] if ":" in self.name else ""
        for config in apps.get_app_configs():
            if not config.name.startswith(PROJECT_PACKAGE + ".") or config.name == CORE_APP:
                continue
            if self.view.startswith(config.name + ".") or config.label == namespace:
                return config.name
        return CORE_APP


def _view_path(pattern: URLPattern) -> str:
    callback = pattern.callback
    target = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
    return f"{target.__module__}.{getattr(target, '__qualname__', target.__class__.__name__)}"


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = namespace + entry.name if entry.name else ""
            yield Route(name=name, pattern=prefix + str(entry.pattern), view=_view_path(entry))


def routes(urlconf: str | None = None) -> list[Route]:
    """Every URL pattern, router routes included (the router's URLs are in the resolver)."""
    return list(_walk(get_resolver(urlconf).url_patterns))


def uncovered(urlconf: str | None = None) -> list[Route]:
    """Named routes with neither a covering contract nor an unscoped reason, one per name."""
    covered, exempt = contracts(), unscoped()
    seen: set[str] = set()
    found = []
    for route in routes(urlconf):
        if not route.name or route.name in seen:
            continue  # unnamed: reported on their own; format-suffix twins share a name
        seen.add(route.name)
        if route.name not in covered and route.name not in exempt:
            found.append(route)
    return found


def tenancy_modules() -> list[ModuleType]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith(PROJECT_PACKAGE + "."):
            continue
        for path in sorted((Path(config.path) / "tests").glob("test_tenancy*.py")):
            found.append(importlib.import_module(f"{config.name}.tests.{path.stem}"))
    return found


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def contracts() -> dict[str, list[str]]:
    """URL name → the contract classes covering it (after importing every app's tenancy tests)."""
    tenancy_modules()
    covered: dict[str, list[str]] = {}
    for cls in _subclasses(EndpointContract):
        if not cls.__name__.startswith("Test"):  # bases are not collected by pytest, so not run
            continue
        for name in getattr(cls, "covers", ()):
            covered.setdefault(name, []).append(f"{cls.__module__}.{cls.__qualname__}")
    return covered


def unscoped() -> dict[str, tuple[str, str]]:
    """URL name → (reason, declaring module)."""
    declared: dict[str, tuple[str, str]] = {}
    for module in tenancy_modules():
        for name, reason in getattr(module, "UNSCOPED_URLS", {}).items():
            declared[name] = (reason, module.__name__)
    return declared


def missing_contract_line(route: Route) -> str:
    where = f"{route.owner_app.replace('.', '/')}/tests/test_tenancy.py"
    return f"  {route.name!r}  ({route.pattern}, view {route.view})  → declare it in {where}"


HOW_TO_DECLARE = """\
Each of these URL names needs, in the file named after it, either
  - a contract class (named Test…) with covers = ("<url name>", ...): TenancyContract for an
    object owned by an organisation (out of scope → 404, nothing changed, audited), RoleContract
    for a page gated by a role (三员 pages, scheduler jobs), or
  - an entry UNSCOPED_URLS = {"<url name>": "<why no scope applies>"} when nothing it serves is
    scoped: login, the health check, the account's own data, or a list read through visible_to
    and tested elsewhere (say where)."""
