"""The registry's notices: import endings to the uploader, transfer letters to the branch."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dangjian.members import movements, notices
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import importer, jobs
from dangjian.notifications.models import EmailStatus, Notification

pytestmark = pytest.mark.django_db
FULL_ID = re.compile(r"\d{17}[\dXx]")


def _job(uploader, n: int = 3) -> ImportJob:
    rows = [row(f"通知{i}", new_id(date(1980, 1, 1 + i))) for i in range(n)]
    job = jobs.store_upload(
        workbook(rows), "名单.xlsx", actor=uploader, org=uploader.grants.first().node
    )
    jobs.validate_job(job, actor=uploader)
    return job


def test_finished_import_tells_the_uploader_once(user, django_capture_on_commit_callbacks) -> None:
    from dangjian.members.tasks import import_members

    secretary = user("secretary1")
    job = _job(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.confirm_import(job, actor=secretary, now=timezone.now(), background=False)
        jobs.run_import(job)
        import_members.call(job.pk)  # a redelivered task finds the job done and does nothing
        notices.import_ended(job, now=timezone.now())  # the producer itself running again
    [notice] = Notification.objects.filter(recipient=secretary, kind="members.import_finished")
    assert notice.title == "党员导入已完成" and "新增 3 名" in notice.body
    assert (
        notice.link == f"/members/import/{job.pk}/" and notice.actor_label == "job:import_members"
    )
    assert notice.email_status == EmailStatus.NOT_WANTED  # kind default: in-app only


def test_failed_then_retried_import_tells_each_ending_once(
    user, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    secretary = user("secretary1")
    secretary.email = "s1@example.cn"
    secretary.save(update_fields=["email"])
    job = _job(secretary)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    original = importer._insert_members
    monkeypatch.setattr(importer, "_insert_members", broken)
    jobs.confirm_import(job, actor=secretary, now=timezone.now(), background=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        jobs.run_import(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - jobs.stale_after() * 2
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.mark_stale_failed(timezone.now()) == 1  # failed again: same ending, no notice
    monkeypatch.setattr(importer, "_insert_members", original)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry(job, actor=secretary, now=timezone.now())
    kinds = list(
        Notification.objects.filter(recipient=secretary)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["members.import_failed", "members.import_finished"]
    # Failures are mailed by default, completions are not: one e-mail, about the failure.
    assert [m.subject for m in mail.outbox] == ["【国企党建监管平台】党员导入失败，可重试"]


def test_a_transfer_letter_tells_the_branch_secretary_and_clerk(user, org) -> None:
    clerk = user("clerk1")
    full_id = new_id(date(1985, 3, 3))
    incoming = movements.receive_transfer_in(
        actor=clerk,
        org=org("CT01-ZB1"),
        name="转入者",
        id_number=full_id,
        from_org="外县某公司党支部",
        letter_no="L-9",
        received_on=date(2026, 11, 1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    notices_sent = Notification.objects.filter(
        event_key=f"members.transfer_in:{incoming.pk}:received"
    )
    # The clerk recorded it; the branch's secretary is told. Nobody outside the branch is.
    assert [n.recipient.username for n in notices_sent] == ["secretary1"]
    [notice] = notices_sent
    assert "L-9" in notice.body and "外县某公司党支部" in notice.body
    assert notice.link == "/members/transfers/"
    text = notice.title + notice.body
    assert full_id not in text and "转入者" not in text and not FULL_ID.search(text)


def test_a_letter_recorded_by_the_county_tells_both(user, org) -> None:
    incoming = movements.receive_transfer_in(
        actor=user("supervisor"),
        org=org("CT01-ZB1"),
        name="转入者",
        id_number=new_id(date(1986, 4, 4)),
        from_org="外县",
        letter_no="L-10",
        received_on=date(2026, 11, 1) - timedelta(days=1),
        admitted_on=date(2015, 6, 1),
        full_on=date(2016, 6, 1),
    )
    recipients = Notification.objects.filter(
        event_key=f"members.transfer_in:{incoming.pk}:received"
    ).values_list("recipient__username", flat=True)
    assert sorted(recipients) == ["clerk1", "secretary1"]
