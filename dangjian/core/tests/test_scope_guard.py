"""Scope is decided in one place: a guard over the source, like the clock-read guard.

Outside ``core/scoping.py`` (and tests, migrations), code neither spells a subtree by hand
(``path__startswith``, a path range, ``….path.startswith(…)``: use ``subtree_q`` / ``in_subtree``),
nor reads the grant list to decide who sees what (``user_grants``: use ``visible_to``,
``permits``, ``scope_roots``), nor filters by an id list built in Python (use a subquery of the
scoped queryset). A file with a good reason is listed with it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SUBTREE_BY_HAND = re.compile(
    r"(?:path|\})__(?:startswith|istartswith|gte|gt|lte|lt|range)\b"
    r"|(?<!request)\.path\.startswith\("
)
GRANTS_READ = re.compile(r"\buser_grants\(")
ID_LIST = re.compile(
    r"\b(?:pk|id|\w+_id)__in=(?:list\(|set\(|sorted\(|tuple\(|\[|\{|\w*ids\b|[\w.]+\.keys\(\))"
)

SKIPPED = ("/migrations/", "/tests/", "/testkit/")
ALLOWED: dict[str, dict[str, str]] = {
    "subtree": {"core/scoping.py": "subtree_q and in_subtree are the one spelling"},
    "grants": {
        "core/scoping.py": "the scope decision itself",
        "core/permissions.py": "fetches and caches the grants; says whether a role exists at all",
        "accounts/views.py": "the profile page lists the user's own grants; it decides nothing",
    },
    "ids": {
        "core/scoping.py": "NOTHING, the empty predicate",
        "core/files/services.py": "purge() deletes the files its caller has locked and named",
        "members/workbook/retention.py": "the sweep updates the jobs it locked, audits their ids",
    },
}
RULES = {"subtree": SUBTREE_BY_HAND, "grants": GRANTS_READ, "ids": ID_LIST}


def _offenders(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(part in f"/{relative}" for part in SKIPPED):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for rule, pattern in RULES.items():
                if pattern.search(code) and relative not in ALLOWED[rule]:
                    found.append(f"{rule}: dangjian/{relative}:{number}: {line.strip()}")
    return found


def test_scope_is_decided_in_one_place() -> None:
    offenders = _offenders()
    assert not offenders, (
        "decide scope through dangjian.core.scoping (subtree_q, in_subtree, visible_to, permits) "
        "and dangjian.orgs.scope:\n" + "\n".join(offenders)
    )


def test_the_guard_catches_each_spelling() -> None:
    for spelling in (
        "OrgNode.objects.filter(path__startswith=node.path)",
        'Member.objects.filter(org__path__gte=p, org__path__lt=p + "~")',
        "if target.path.startswith(node.path):",
        'Q(**{f"{path_field}__startswith": path})',
    ):
        assert SUBTREE_BY_HAND.search(spelling), spelling
    assert not SUBTREE_BY_HAND.search("if request.path.startswith(PREFIXES):")
    assert GRANTS_READ.search("for grant in user_grants(user):")
    for spelling in (
        "OrgNode.objects.filter(pk__in=ids)",
        "Leader.objects.filter(org_id__in=list(ids))",
        "qs.filter(pk__in=[n.pk for n in nodes])",
        "qs.filter(pk__in=by_org.keys())",
        "qs.filter(id__in={1, 2})",
    ):
        assert ID_LIST.search(spelling), spelling
    for fine in (
        'qs.filter(org_id__in=scoped.values("pk"))',
        "qs.filter(status__in=[A, B])",
        "qs.filter(parent__in=branches)",
    ):
        assert not ID_LIST.search(fine), fine


def test_every_allowance_is_still_needed() -> None:
    for rule, files in ALLOWED.items():
        for relative in files:
            text = (ROOT / relative).read_text(encoding="utf-8")
            assert RULES[rule].search(text), f"{relative} no longer needs its {rule} allowance"
