"""The scheduler: leases, catch-up, run records, failures, the registered jobs, the jobs page."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.management.commands.serve import process_specs
from dangjian.core.models import AuditEntry
from dangjian.core.scheduler import Cron, Every, JobResult, PeriodicJob, get_job, registered_jobs
from dangjian.core.scheduler.loop import SchedulerLoop
from dangjian.core.scheduler.models import RunOutcome, RunTrigger, ScheduledJob, ScheduledRun
from dangjian.core.scheduler.services import (
    ABANDONED_MESSAGE,
    Attempt,
    acquire_lease,
    prune_runs,
    request_run,
    run_due_jobs,
)
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.members.tests.helpers import new_id
from dangjian.members.tests.workbooks import row, workbook
from dangjian.members.workbook import jobs as import_jobs

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=CST)


def nightly(calls: list, name: str = "test.nightly", result=None, fail: bool = False):
    def run(context):
        calls.append(context)
        if fail:
            raise RuntimeError("磁盘已满")
        return result

    return PeriodicJob(name, "测试任务", Cron("30 2 * * *"), run)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2028, 3, 1, 10, 0, tzinfo=CST))


def test_a_new_job_starts_from_its_latest_slot_and_runs_at_the_next(clock) -> None:
    calls: list = []
    job = nightly(calls)
    assert run_due_jobs([job], holder="a", clock=clock) == []
    row = ScheduledJob.objects.get(name=job.name)
    assert row.last_slot == datetime(2028, 3, 1, 2, 30, tzinfo=CST)
    clock.set("2028-03-02 02:30:03")
    [run] = run_due_jobs([job], holder="a", clock=clock)
    assert run.outcome == RunOutcome.OK and run.trigger == RunTrigger.SCHEDULE
    assert run.slot == datetime(2028, 3, 2, 2, 30, tzinfo=CST)
    assert calls[0].slot == run.slot and calls[0].now == clock.now


def test_catch_up_after_a_skipped_day_runs_once(clock) -> None:
    calls: list = []
    job = nightly(calls)
    run_due_jobs([job], holder="a", clock=clock)  # first sight, 1 March 10:00
    clock.set("2028-03-04 09:00:00")  # down through the nights of 2, 3 and 4 March
    runs = run_due_jobs([job], holder="a", clock=clock)
    assert len(runs) == 1 and runs[0].slot == datetime(2028, 3, 4, 2, 30, tzinfo=CST)
    clock.set("2028-03-04 09:00:05")
    assert run_due_jobs([job], holder="a", clock=clock) == []  # idempotent: slot done
    assert len(calls) == 1
    assert ScheduledRun.objects.filter(job=job.name).count() == 1


def test_a_run_records_start_finish_outcome_and_counts(clock) -> None:
    job = nightly([], result=JobResult(counts={"disabled": 2}, message="已停用：a, b"))
    ScheduledJob.objects.create(name=job.name, last_slot=clock.now - timedelta(days=1))
    [run] = run_due_jobs([job], holder="node-1", clock=clock)
    run.refresh_from_db()
    assert (run.outcome, run.counts, run.message) == (
        RunOutcome.OK,
        {"disabled": 2},
        "已停用：a, b",
    )
    assert run.started_at == clock.now and run.finished_at == clock.now
    assert run.holder == "node-1"
    row = ScheduledJob.objects.get(name=job.name)
    assert row.holder == "" and row.lease_expires_at is None  # released


def test_a_job_may_report_it_had_nothing_to_do(clock) -> None:
    job = nightly([], result=JobResult(message="已存在", skipped=True))
    ScheduledJob.objects.create(name=job.name, last_slot=clock.now - timedelta(days=1))
    [run] = run_due_jobs([job], holder="a", clock=clock)
    assert run.outcome == RunOutcome.SKIPPED


def test_a_failure_is_recorded_logged_and_does_not_stop_the_others(clock, caplog) -> None:
    calls: list = []
    broken, healthy = nightly(calls, "test.broken", fail=True), nightly(calls, "test.healthy")
    for job in (broken, healthy):
        ScheduledJob.objects.create(name=job.name, last_slot=clock.now - timedelta(days=1))
    caplog.set_level(logging.INFO, logger="dangjian.scheduler")
    loop = SchedulerLoop(holder="a", tick_seconds=5, jobs=lambda: [broken, healthy], clock=clock)
    runs = loop.tick()
    assert [(r.job, r.outcome) for r in runs] == [
        ("test.broken", RunOutcome.FAILED),
        ("test.healthy", RunOutcome.OK),
    ]
    assert runs[0].message == "RuntimeError: 磁盘已满"
    assert "periodic job failed: test.broken" in caplog.text
    # The failed slot counts as attempted: the job tries again at its next slot, not every tick.
    assert loop.tick() == []
    clock.set("2028-03-02 02:30:00")
    assert [r.job for r in loop.tick()] == ["test.broken", "test.healthy"]


def test_a_pass_that_cannot_reach_the_database_is_logged_and_the_next_goes_on(clock, caplog):
    def jobs():
        raise RuntimeError("database is locked")

    assert SchedulerLoop(holder="a", tick_seconds=5, jobs=jobs, clock=clock).tick() == []
    assert "scheduler pass failed" in caplog.text


def test_the_lease_is_taken_once_until_released_or_expired(clock) -> None:
    job = nightly([])
    slot = clock.now - timedelta(hours=1)
    ScheduledJob.objects.create(name=job.name, last_slot=slot - timedelta(days=1))
    attempt = Attempt(slot=slot, requested=False)
    assert acquire_lease(job, attempt, holder="a", now=clock.now) is True
    assert acquire_lease(job, attempt, holder="b", now=clock.now) is False
    assert acquire_lease(job, attempt, holder="a", now=clock.now) is False  # not re-entrant
    later = clock.now + timedelta(seconds=job.lease_seconds)
    assert acquire_lease(job, attempt, holder="b", now=later) is True  # expired: taken over
    assert ScheduledJob.objects.get(name=job.name).holder == "b"


def test_a_runner_that_died_mid_run_is_recorded_as_abandoned_when_taken_over(clock) -> None:
    calls: list = []
    job = nightly(calls)
    slot = datetime(2028, 3, 1, 2, 30, tzinfo=CST)
    ScheduledJob.objects.create(
        name=job.name,
        last_slot=slot - timedelta(days=1),
        holder="dead",
        lease_expires_at=clock.now + timedelta(minutes=5),
    )
    dead_run = ScheduledRun.objects.create(
        job=job.name, slot=slot, trigger="schedule", started_at=clock.now, outcome="running"
    )
    assert run_due_jobs([job], holder="a", clock=clock) == []  # lease still held
    clock.now += timedelta(minutes=6)
    [run] = run_due_jobs([job], holder="a", clock=clock)
    dead_run.refresh_from_db()
    assert dead_run.outcome == RunOutcome.FAILED and dead_run.message == ABANDONED_MESSAGE
    assert run.outcome == RunOutcome.OK and run.slot == slot and len(calls) == 1


def test_run_now_is_requested_audited_and_run_on_the_next_pass(clock, user) -> None:
    calls: list = []
    job = nightly(calls)
    run_due_jobs([job], holder="a", clock=clock)
    sysadmin = user("sysadmin")
    before = AuditEntry.objects.count()
    request_run(job, actor=sysadmin, now=clock.now)
    entry = AuditEntry.objects.latest("seq")
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.actor_username, entry.changes) == (
        "scheduler.run_requested",
        "sysadmin",
        {"job": job.name},
    )
    clock.now += timedelta(seconds=5)
    [run] = run_due_jobs([job], holder="a", clock=clock)
    assert run.trigger == RunTrigger.MANUAL and run.slot is None and calls[0].slot is None
    row = ScheduledJob.objects.get(name=job.name)
    assert row.run_requested_at is None and row.last_slot == datetime(2028, 3, 1, 2, 30, tzinfo=CST)
    assert run_due_jobs([job], holder="a", clock=clock) == []  # the request was answered


def test_old_runs_are_pruned_but_not_a_running_one(clock) -> None:
    old = clock.now - timedelta(days=31)
    for outcome in ("ok", "failed", "running"):
        ScheduledRun.objects.create(job="x", trigger="schedule", started_at=old, outcome=outcome)
    ScheduledRun.objects.create(job="x", trigger="schedule", started_at=clock.now, outcome="ok")
    assert prune_runs(now=clock.now, keep_days=30) == 2
    assert sorted(ScheduledRun.objects.values_list("outcome", flat=True)) == ["ok", "running"]


# --- the registered jobs --------------------------------------------------------------------


def test_the_apps_register_their_periodic_jobs() -> None:
    assert {job.name: job.schedule_text for job in registered_jobs()} == {
        "accounts.disable_inactive": "每天 01:10",
        "core.backup": "每天 03:00",
        "core.prune_runs": "每天 03:40",
        "core.verify_audit": "每天 02:30",
        "members.expire_letters": "每天 00:05",
        "members.purge_uploads": "每小时第 15 分",
        "members.stale_imports": "每分钟",
        "notifications.send_emails": "每 5 分钟",
    }
    assert all(job.label for job in registered_jobs())
    assert registered("members.stale_imports").schedule == Every(60)


def registered(name: str) -> PeriodicJob:
    job = get_job(name)
    assert job is not None, name
    return job


def _run_registered(name: str, clock: Clock) -> ScheduledRun:
    ScheduledJob.objects.update_or_create(
        name=name, defaults={"last_slot": clock.now - timedelta(days=2)}
    )
    [run] = run_due_jobs([registered(name)], holder="t", clock=clock)
    return run


def test_the_stale_import_sweep_fails_an_import_whose_worker_died(settings, tmp_path, user):
    settings.MEDIA_ROOT = tmp_path / "media"
    secretary = user("secretary1")
    node = secretary.grants.first().node
    upload = workbook([row("心跳", new_id())])
    dead = import_jobs.store_upload(upload, "a.xlsx", actor=secretary, org=node)
    alive = import_jobs.store_upload(upload, "b.xlsx", actor=secretary, org=node)
    now = timezone.now()
    ImportJob.objects.filter(pk=dead.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=now - import_jobs.stale_after() * 2
    )
    ImportJob.objects.filter(pk=alive.pk).update(status=ImportStatus.IMPORTING, heartbeat_at=now)
    run = _run_registered("members.stale_imports", Clock(now))
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ImportStatus.FAILED and "可重试" in dead.message
    assert alive.status == ImportStatus.IMPORTING
    assert run.counts == {"failed": 1}


def test_the_inactive_account_job_disables_and_audits(user) -> None:
    clerk = user("clerk1")
    clerk.valid_until = timezone.localdate() - timedelta(days=1)
    clerk.save(update_fields=["valid_until"])
    run = _run_registered("accounts.disable_inactive", Clock(timezone.now()))
    clerk.refresh_from_db()
    assert not clerk.is_active and run.counts["disabled"] >= 1 and "clerk1" in run.message
    assert AuditEntry.objects.filter(
        action="accounts.user.disable", object_id=str(clerk.pk)
    ).exists()


def test_the_verify_audit_job_writes_a_checkpoint() -> None:
    run = _run_registered("core.verify_audit", Clock(timezone.now()))
    assert run.outcome == RunOutcome.OK, run.message
    assert "审计日志校验通过" in run.message and "已写入检查点" in run.message


def test_the_nightly_backup_is_named_by_its_slot_and_not_taken_twice(
    settings, tmp_path, monkeypatch
):
    """Naming, skipping and pruning; the real ``backup`` command runs in the process test (it
    cannot copy the suite's in-memory SQLite database)."""
    taken: list[list[str]] = []

    def fake_backup(name: str, *args: str, **kwargs) -> None:
        taken.append([name, *args])
        target = Path(args[1])
        target.mkdir(parents=True)
        (target / "manifest.json").write_text("{}")

    monkeypatch.setattr("dangjian.core.scheduler.jobs.call_command", fake_backup)
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_KEEP = 1
    # An older backup of the platform's own naming is pruned; an operator's folder stays.
    old = settings.BACKUP_DIR / "20270101T000000Z"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    (settings.BACKUP_DIR / "before-upgrade").mkdir()
    clock = Clock(datetime(2028, 3, 1, 3, 0, 4, tzinfo=CST))
    run = _run_registered("core.backup", clock)
    assert run.outcome == RunOutcome.OK, run.message
    target = settings.BACKUP_DIR / "scheduled-20280229T190000Z"
    assert taken == [["backup", "--output", str(target)]]
    assert (target / "manifest.json").is_file() and run.counts == {"pruned": 1}
    assert sorted(p.name for p in settings.BACKUP_DIR.iterdir()) == [
        "before-upgrade",
        "scheduled-20280229T190000Z",
    ]
    # The same slot again (a run that died after the backup was complete): skipped.
    ScheduledJob.objects.filter(name="core.backup").update(last_slot=clock.now - timedelta(days=1))
    [again] = run_due_jobs([registered("core.backup")], holder="t", clock=clock)
    assert again.outcome == RunOutcome.SKIPPED and "已存在" in again.message
    assert len(taken) == 1


# --- serve and the command ------------------------------------------------------------------


def test_serve_supervises_the_scheduler() -> None:
    specs = {spec.name: spec for spec in process_specs(host="127.0.0.1", port=8000, workers=1)}
    assert specs["scheduler"].argv[1:] == ["manage.py", "scheduler"]
    assert specs["scheduler"].fatal_startup_window is None  # restarted with backoff, always


def test_the_command_lists_the_jobs_with_their_next_runs(capsys) -> None:
    call_command("scheduler", "--list")
    out = capsys.readouterr().out
    assert "core.verify_audit\t审计日志校验并写入检查点\t每天 02:30\t下次 " in out


# --- the jobs page --------------------------------------------------------------------------


def test_the_jobs_page_is_for_the_system_administrator_only(client_for) -> None:
    assert client_for("sysadmin").get("/scheduler/").status_code == 200
    for username in ("secadmin", "auditor", "supervisor", "secretary1"):
        client = client_for(username)
        assert client.get("/scheduler/").status_code == 403
        assert client.post("/scheduler/core.backup/run/").status_code == 403
    assert not ScheduledJob.objects.filter(run_requested_at__isnull=False).exists()


def test_the_jobs_page_shows_schedules_last_runs_next_runs_and_failures(client_for) -> None:
    now = timezone.now()
    ScheduledJob.objects.create(name="core.backup", last_slot=now)
    ScheduledRun.objects.create(
        job="core.backup",
        trigger="schedule",
        started_at=now - timedelta(days=1),
        finished_at=now - timedelta(days=1),
        outcome="failed",
        message="备份失败：磁盘已满",
    )
    ScheduledRun.objects.create(
        job="core.backup", trigger="schedule", started_at=now, outcome="ok", counts={"pruned": 3}
    )
    client = client_for("sysadmin")
    page = client.get("/scheduler/").content.decode()
    assert "数据库与文件备份" in page and "每天 03:00" in page and "每小时第 15 分" in page
    assert "pruned：3" in page and "成功" in page  # the last run
    assert "备份失败：磁盘已满" in page  # under recent failures
    assert 'href="/scheduler/"' in client.get("/").content.decode()  # navigation entry
    assert "本机调度进程：" in page and "未启动" in page  # no scheduler heartbeat in this test


def test_the_jobs_page_says_when_the_scheduler_is_running(client_for, worker_alive) -> None:
    page = client_for("sysadmin").get("/scheduler/").content.decode()
    assert '本机调度进程：<span class="badge text-bg-success">运行中</span>' in page


def test_the_jobs_page_costs_the_same_queries_with_more_runs(client_for) -> None:
    client = client_for("sysadmin")
    now = timezone.now()

    def add_runs(per_job: int) -> None:
        for job in registered_jobs():
            ScheduledJob.objects.get_or_create(name=job.name)
            ScheduledRun.objects.bulk_create(
                ScheduledRun(job=job.name, trigger="schedule", started_at=now, outcome=o)
                for o in ("ok", "failed", "skipped")[:per_job] * max(1, per_job // 3)
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/scheduler/").status_code == 200
        return len(captured)

    add_runs(1)
    client.get("/scheduler/")  # warm: session touched once
    few = queries()
    add_runs(30)
    assert queries() == few


def test_run_now_from_the_page_requests_the_run_and_audits_it(client_for) -> None:
    client = client_for("sysadmin")
    response = client.post("/scheduler/core.verify_audit/run/", follow=True)
    assert "已请求立即运行“审计日志校验并写入检查点”" in response.content.decode()
    assert "已请求，等待执行" in response.content.decode()
    row = ScheduledJob.objects.get(name="core.verify_audit")
    assert row.run_requested_at is not None and row.run_requested_by == "sysadmin"
    assert AuditEntry.objects.latest("seq").action == "scheduler.run_requested"
    assert client.post("/scheduler/no.such_job/run/").status_code == 404
    assert client.get("/scheduler/core.verify_audit/run/").status_code == 405
