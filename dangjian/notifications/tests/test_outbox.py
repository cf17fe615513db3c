"""The outbox: one row per (recipient, event), e-mail sent once, retried with backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.core.actors import SystemActor
from dangjian.core.models import AuditEntry
from dangjian.notifications import delivery, services
from dangjian.notifications.models import EmailPreference, EmailStatus, Notification
from dangjian.notifications.registry import UnknownKind, all_kinds, register_kind
from dangjian.notifications.tests.backends import FlakyBackend
from dangjian.notifications.tests.conftest import QUIET_KIND, TEST_KIND

pytestmark = pytest.mark.django_db
NOW = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
FLAKY = "dangjian.notifications.tests.backends.FlakyBackend"


def _emit(recipients, key: str = "tests:1", **extra) -> list[Notification]:
    return services.notify(
        recipients,
        extra.pop("kind", TEST_KIND),
        key,
        extra.pop("title", "测试标题"),
        extra.pop("body", "测试内容"),
        "/members/",
        actor=extra.pop("actor", SystemActor("job:tests")),
        now=extra.pop("now", NOW),
    )


def test_sent_once_when_the_producer_and_the_delivery_both_run_twice(
    mailed_user, django_capture_on_commit_callbacks
) -> None:
    """A retried job calls the producer again and its delivery task runs again: one row, one
    e-mail."""
    secretary, clerk = mailed_user("secretary1"), mailed_user("clerk1")
    with django_capture_on_commit_callbacks(execute=True) as first:
        created = _emit([secretary, clerk, secretary])
    with django_capture_on_commit_callbacks(execute=True) as second:
        again = _emit([secretary, clerk])
    assert len(created) == 2 and again == [] and len(first) == 1 and second == []
    assert Notification.objects.filter(event_key="tests:1").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["clerk1@example.cn", "secretary1@example.cn"]
    for row in created:  # the delivery task runs once more (a redelivered queue message)
        assert delivery.deliver_email(row.pk, now=NOW + timedelta(hours=1)) == "skipped"
    assert len(mail.outbox) == 2
    row = Notification.objects.get(recipient=secretary, event_key="tests:1")
    assert (row.email_status, row.email_attempts) == (EmailStatus.SENT, 1)
    assert row.email_sent_at is not None  # stamped by the task, which reads the clock


def test_the_database_refuses_a_second_row_for_the_same_event(user) -> None:
    _emit(user("secretary1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=user("secretary1"),
            kind=TEST_KIND,
            event_key="tests:1",
            title="再",
            created_at=NOW,
        )


def test_a_notice_rolls_back_with_the_change_it_announces(user) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _emit(user("secretary1"))
        raise RuntimeError("the producing service failed after notify")
    assert not Notification.objects.filter(event_key="tests:1").exists()


def test_unknown_kind_missing_actor_and_conflicting_declarations_are_refused(user) -> None:
    with pytest.raises(UnknownKind):
        _emit(user("secretary1"), kind="tests.never_declared")
    with pytest.raises(TypeError, match="actor"):
        _emit(user("secretary1"), actor=None)
    with pytest.raises(ValueError, match="already registered"):
        register_kind(TEST_KIND, "另一个名字", email_default=True)
    assert not Notification.objects.filter(event_key="tests:1").exists()


def test_inactive_accounts_are_not_notified(user) -> None:
    clerk = user("clerk1")
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert [n.recipient for n in _emit([user("secretary1"), clerk])] == [user("secretary1")]


def test_identifiers_never_reach_the_row_or_the_mail(
    mailed_user, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        [row] = _emit(
            mailed_user("secretary1"), title="转入 11010519491231002X", body="联系 13812345678"
        )
    assert "11010519491231002X" not in row.title and "13812345678" not in row.body
    message = mail.outbox[0]
    assert "11010519491231002X" not in f"{message.subject}{message.body}"
    assert "13812345678" not in message.body and "[已隐去]" in message.body


def test_preferences_decide_who_gets_mail(
    mailed_user, user, django_capture_on_commit_callbacks
) -> None:
    secretary, clerk = mailed_user("secretary1"), mailed_user("clerk1")
    services.set_email_preferences(secretary, set(), email=secretary.email, actor=secretary)
    services.set_email_preferences(clerk, {QUIET_KIND, TEST_KIND}, email=clerk.email, actor=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        loud = {n.recipient.username: n.email_status for n in _emit([secretary, clerk])}
        quiet = {
            n.recipient.username: n.email_status
            for n in _emit([secretary, clerk, user("executive1")], key="tests:2", kind=QUIET_KIND)
        }
    assert loud == {"secretary1": EmailStatus.NOT_WANTED, "clerk1": EmailStatus.PENDING}
    # executive1 has no address: the kind is mailed by nobody's choice but clerk1's.
    assert quiet == {
        "secretary1": EmailStatus.NOT_WANTED,
        "clerk1": EmailStatus.PENDING,
        "executive1": EmailStatus.NOT_WANTED,
    }
    assert [m.to for m in mail.outbox] == [["clerk1@example.cn"], ["clerk1@example.cn"]]


def test_preferences_are_audited_and_bad_input_changes_nothing(user) -> None:
    secretary = user("secretary1")
    entries = AuditEntry.objects.filter(action="notifications.preferences.change").count()
    for enabled, email, field in [
        ({"tests.never_declared"}, "", "email_kinds"),
        (set(), "不是邮箱", "email"),
        (set(), "a" * 250 + "@x.cn", "email"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.set_email_preferences(secretary, enabled, email=email, actor=secretary)
        assert field in refused.value.message_dict
    assert not EmailPreference.objects.filter(user=secretary).exists()
    assert AuditEntry.objects.filter(action="notifications.preferences.change").count() == entries
    with pytest.raises(PermissionError):
        services.set_email_preferences(secretary, set(), email="", actor=user("clerk1"))
    changed = services.set_email_preferences(
        secretary, {QUIET_KIND}, email="s1@example.cn", actor=secretary
    )
    # Every kind mailed by default and not ticked is switched off, the ticked quiet one on.
    defaults_on = {k.key for k in all_kinds() if k.email_default}
    assert changed == {
        f"email.{QUIET_KIND}": True,
        **{f"email.{key}": False for key in defaults_on},
        "address": "已设置",
    }
    entry = AuditEntry.objects.filter(action="notifications.preferences.change").latest("seq")
    assert "s1@example.cn" not in str(entry.changes)  # the address stays out of the log
    secretary.refresh_from_db()
    assert secretary.email == "s1@example.cn"
    assert (
        services.set_email_preferences(
            secretary, {QUIET_KIND}, email="s1@example.cn", actor=secretary
        )
        == {}
    )
    assert (
        AuditEntry.objects.filter(action="notifications.preferences.change").count() == entries + 1
    )


def test_failed_mail_is_retried_with_backoff_then_sent_once(mailed_user, settings) -> None:
    settings.EMAIL_BACKEND = FLAKY
    settings.NOTIFY_EMAIL_RETRY_SECONDS = 60
    FlakyBackend.reset(failures=2)
    [row] = _emit(mailed_user("secretary1"))
    assert delivery.deliver_email(row.pk, now=NOW) == "retry"
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts) == (EmailStatus.PENDING, 1)
    assert row.email_next_attempt_at == NOW + timedelta(seconds=60)
    assert "ConnectionRefusedError" in row.email_last_error and mail.outbox == []
    # Not due yet: the sweep leaves it alone.
    assert delivery.deliver_due(NOW + timedelta(seconds=30))["retry"] == 0
    assert FlakyBackend.attempts == 1
    second = NOW + timedelta(seconds=60)
    assert delivery.deliver_due(second)["retry"] == 1
    row.refresh_from_db()
    assert row.email_next_attempt_at == second + timedelta(seconds=120)
    third = second + timedelta(seconds=120)
    assert delivery.deliver_due(third)["sent"] == 1
    assert delivery.deliver_due(third + timedelta(days=1)) == {
        "released": 0,
        "sent": 0,
        "retry": 0,
        "gave_up": 0,
    }
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts, row.email_sent_at) == (EmailStatus.SENT, 3, third)
    assert len(mail.outbox) == 1 and FlakyBackend.attempts == 3


def test_mail_gives_up_after_the_last_attempt(mailed_user, settings) -> None:
    settings.EMAIL_BACKEND = FLAKY
    settings.NOTIFY_EMAIL_MAX_ATTEMPTS = 2
    FlakyBackend.reset(failures=5)
    [row] = _emit(mailed_user("secretary1"))
    assert delivery.deliver_email(row.pk, now=NOW) == "retry"
    assert delivery.deliver_email(row.pk, now=NOW + timedelta(hours=1)) == "gave_up"
    row.refresh_from_db()
    assert (row.email_status, row.email_next_attempt_at) == (EmailStatus.GAVE_UP, None)
    assert delivery.deliver_due(NOW + timedelta(days=1))["sent"] == 0 and mail.outbox == []


def test_a_row_being_sent_is_not_sent_again_until_its_worker_is_presumed_dead(
    mailed_user, settings
) -> None:
    [row] = _emit(mailed_user("secretary1"))
    Notification.objects.filter(pk=row.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=NOW, email_attempts=1
    )
    assert delivery.deliver_email(row.pk, now=NOW) == "skipped"
    soon = NOW + timedelta(seconds=settings.NOTIFY_EMAIL_CLAIM_SECONDS - 1)
    assert delivery.deliver_due(soon)["released"] == 0 and mail.outbox == []
    late = NOW + timedelta(seconds=settings.NOTIFY_EMAIL_CLAIM_SECONDS + 1)
    assert delivery.deliver_due(late) == {"released": 1, "sent": 1, "retry": 0, "gave_up": 0}
    assert len(mail.outbox) == 1


def test_with_a_deferring_queue_the_retry_waits_in_the_queue(mailed_user, settings) -> None:
    from django_tasks import default_task_backend

    settings.EMAIL_BACKEND = FLAKY
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    FlakyBackend.reset(failures=1)
    [row] = _emit(mailed_user("secretary1"))
    assert delivery.deliver_email(row.pk, now=NOW) == "retry"
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.args == [[row.pk]]
    assert queued.task.run_after == NOW + timedelta(seconds=settings.NOTIFY_EMAIL_RETRY_SECONDS)


def test_the_sweep_command_reports_its_counts(mailed_user) -> None:
    from io import StringIO

    from django.core.management import call_command

    _emit(mailed_user("secretary1"))  # enqueued on commit, which never comes in this test
    out = StringIO()
    call_command("send_notification_emails", stdout=out)
    assert "已发送 1 封" in out.getvalue() and len(mail.outbox) == 1


def test_an_address_cleared_after_the_notice_stops_the_mail(mailed_user) -> None:
    secretary = mailed_user("secretary1")
    [row] = _emit(secretary)
    services.set_email_preferences(secretary, {TEST_KIND}, email="", actor=secretary)
    assert delivery.deliver_email(row.pk, now=NOW) == "skipped"
    row.refresh_from_db()
    assert row.email_status == EmailStatus.NOT_WANTED and mail.outbox == []
