"""Every URL pattern has a tenancy contract or a declared reason to have none.

A new page or API route fails here until its app's ``tests/test_tenancy.py`` covers it; the
failure says which name, where to add the contract, and how to declare it unscoped instead.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

from dangjian.testkit.coverage import (
    HOW_TO_DECLARE,
    contracts,
    missing_contract_line,
    routes,
    uncovered,
    unscoped,
)


def test_every_url_pattern_is_named() -> None:
    unnamed = [f"{r.pattern} ({r.view})" for r in routes() if not r.name]
    assert not unnamed, "give these URL patterns a name so a contract can cover them: " + ", ".join(
        unnamed
    )


def test_every_route_has_a_contract_or_a_reason() -> None:
    problems = [missing_contract_line(route) for route in uncovered()]
    assert not problems, "\n".join(
        ["routes without a tenancy contract:", *problems, HOW_TO_DECLARE]
    )


def test_a_new_page_is_reported_with_where_to_declare_it() -> None:
    """What a developer adding a page sees: its name, its file, and the two ways out."""
    reported = uncovered("dangjian.core.tests.urls_with_a_new_page")
    assert [r.name for r in reported] == ["members:new_report"]
    line = missing_contract_line(reported[0])
    assert "'members:new_report'" in line
    assert "dangjian/members/tests/test_tenancy.py" in line
    assert "covers = (" in HOW_TO_DECLARE and "UNSCOPED_URLS" in HOW_TO_DECLARE
    unnamed = [r for r in routes("dangjian.core.tests.urls_with_a_new_page") if not r.name]
    assert [r.pattern for r in unnamed] == ["unnamed/"]


def test_declarations_name_real_routes_once_with_a_reason() -> None:
    names = {r.name for r in routes()}
    covered, exempt = contracts(), unscoped()
    stale = sorted((set(covered) | set(exempt)) - names)
    assert not stale, f"contracts or UNSCOPED_URLS name routes that no longer exist: {stale}"
    both = sorted(set(covered) & set(exempt))
    assert not both, f"covered by a contract and declared unscoped at once: {both}"
    blank = sorted(name for name, (reason, _) in exempt.items() if len(reason.strip()) < 10)
    assert not blank, f"UNSCOPED_URLS entries need a reason a reviewer can judge: {blank}"


@pytest.mark.django_db
def test_every_documented_api_operation_is_a_walked_route() -> None:
    """The OpenAPI schema and the router agree: nothing documented escapes the walk above."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = {r.name for r in routes()}
    for path in schema["paths"]:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        try:
            match = resolve(concrete)
        except Resolver404:  # pragma: no cover - a schema path the resolver does not know
            pytest.fail(f"the API schema documents {path}, which no URL pattern serves")
        assert match.view_name in names, path
