"""The registries an app plugs into (actions, menu, panels, audit names, API routes): a new app
adds itself through them and edits no file in core."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from dangjian.core import audit, navigation, panels
from dangjian.core.actors import SystemActor
from dangjian.core.audit_names import declare_audit_names, declared_audit_names
from dangjian.core.models import AuditEntry
from dangjian.core.permissions import RULES, Role, declare_actions, identity_roles, roles_for
from dangjian.orgs.permissions import OrgAction
from dangjian.orgs.tests.factories import a_party_committee

pytestmark = pytest.mark.django_db


def test_an_app_declares_its_actions_and_an_undeclared_one_is_allowed_to_nobody() -> None:
    declare_actions({"ledger.test_record": {Role.CLERK}})
    assert roles_for("ledger.test_record") == {Role.CLERK}
    assert roles_for("ledger.never_declared") == frozenset()
    # Declaring the same roles again (a module imported twice) is harmless; different ones are not.
    declare_actions({"ledger.test_record": {Role.CLERK}})
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        declare_actions({"ledger.test_record": {Role.SUPERVISOR}})
    with pytest.raises(ImproperlyConfigured, match="unknown roles"):
        declare_actions({"ledger.other": {"chairman"}})


def test_every_app_declared_its_actions_at_start_up() -> None:
    for action in ("org.view", "member.view", "governance.change", "account.manage", "audit.view"):
        assert RULES[action], action
    # Accounts keeps identity-revealing roles off county-wide grants without importing members.
    assert identity_roles() == {Role.SECRETARY, Role.CLERK}


def test_an_undeclared_audit_name_is_refused_in_tests_and_nothing_is_written() -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ImproperlyConfigured, match="not declared"), transaction.atomic():
        audit.record("ledger.typo", actor=SystemActor("tests"), username="t")
    assert AuditEntry.objects.count() == before


def test_an_undeclared_audit_name_is_only_logged_in_production(settings: Any, caplog) -> None:
    settings.AUDIT_STRICT_NAMES = False
    with transaction.atomic():
        entry = audit.record("ledger.retired_name", actor=SystemActor("tests"), username="t")
    assert entry.action_label == "ledger.retired_name"
    assert "undeclared name" in caplog.text


def test_every_workflow_step_and_app_write_has_a_chinese_label() -> None:
    names = declared_audit_names()
    assert names["members.import_job.confirm"] == "确认导入"  # from the workflow's step label
    assert names["orgs.org.create"] == "新建组织"
    for name, label in names.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label), name


def test_the_audit_log_shows_the_declared_label(client_for) -> None:
    declare_audit_names({"ledger.shown": "登记台账"})
    with transaction.atomic():
        audit.record("ledger.shown", actor=SystemActor("tests"), username="t")
    body = client_for("auditor").get("/audit/").content.decode()
    assert "登记台账" in body and "ledger.shown" in body


def test_a_panel_from_a_new_app_appears_on_the_org_page(client_for, settings: Any) -> None:
    (engine,) = settings.TEMPLATES
    loaders = [
        ("django.template.loaders.locmem.Loader", {"ledger/panel.html": "<p>台账：{{ name }}</p>"}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [
        {**engine, "APP_DIRS": False, "OPTIONS": {**engine["OPTIONS"], "loaders": loaders}}
    ]
    node = a_party_committee()
    panel = panels.Panel("ledger.test", "ledger/panel.html", lambda r, obj: {"name": obj.name}, 5)
    panels.register_panel(panels.ORG_DETAIL, panel)
    try:
        body = client_for("supervisor").get(f"/orgs/{node.pk}/").content.decode()
    finally:
        panels._SLOTS[panels.ORG_DETAIL].pop("ledger.test")
    assert f"<p>台账：{node.name}</p>" in body
    assert "组织设置检查" in body or "委员会与党员" in body  # governance's panel is still there


def test_a_panel_with_nothing_to_show_is_left_out(rf) -> None:
    from django.contrib.auth.models import AnonymousUser

    panels.register_panel(
        panels.HOME, panels.Panel("ledger.none", "never_rendered.html", lambda r, o: None)
    )
    try:
        request = rf.get("/")
        request.user = AnonymousUser()
        # The missing template is never looked up; the tree's panel has nothing for a stranger.
        assert panels.render_panels(panels.HOME, request) == []
    finally:
        panels._SLOTS[panels.HOME].pop("ledger.none")


def test_menu_entries_come_from_the_apps_and_follow_the_roles(client_for) -> None:
    from dangjian.accounts.models import User

    keys = [e.key for e in navigation.entries_for(User.objects.get(username="supervisor"))]
    assert keys[:5] == ["home", "problems", "orgs", "members", "governance"]
    member_keys = [e.key for e in navigation.entries_for(User.objects.get(username="member1"))]
    assert "problems" not in member_keys  # a member has no problem list
    assert "accounts" not in keys and "audit" not in keys
    admin_keys = [e.key for e in navigation.entries_for(User.objects.get(username="sysadmin"))]
    assert "accounts" in admin_keys and "governance" not in admin_keys
    with pytest.raises(ImproperlyConfigured):
        navigation.register_nav(navigation.NavEntry("orgs", "别的", "home", 1, OrgAction.VIEW))


def test_api_routes_come_from_each_apps_api_module() -> None:
    from dangjian.urls import router

    assert [prefix for prefix, _, _ in router.registry] == ["orgs", "members"]
