"""The jobs page for 系统管理员: every periodic job, its schedule, last and next run, recent
failures, and "立即运行"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse

from dangjian.core import clock
from dangjian.core.generic import ConfirmActionView, ScopedListView
from dangjian.core.heartbeat import scheduler_check
from dangjian.core.permissions import Action, can_anywhere
from dangjian.core.scheduler.models import RunOutcome, ScheduledJob, ScheduledRun
from dangjian.core.scheduler.registry import PeriodicJob, get_job, registered_jobs
from dangjian.core.scheduler.rules import next_slot
from dangjian.core.scheduler.services import request_run
from dangjian.core.views import require_action

RECENT_FAILURES = 20


@dataclass(frozen=True)
class JobRow:
    job: PeriodicJob
    state: ScheduledJob | None
    last_run: ScheduledRun | None
    next_run: datetime


def job_rows(now: datetime) -> list[JobRow]:
    """Two queries whatever the number of jobs and runs: the states with the id of each job's
    latest run, then those runs."""
    jobs = registered_jobs()
    latest = ScheduledRun.objects.filter(job=OuterRef("name")).order_by("-started_at", "-id")
    states = {
        state.name: state
        for state in ScheduledJob.objects.filter(name__in=[j.name for j in jobs]).annotate(
            last_run_id=Subquery(latest.values("id")[:1])
        )
    }
    run_ids = [s.last_run_id for s in states.values() if s.last_run_id is not None]
    runs = ScheduledRun.objects.in_bulk(run_ids)
    rows = []
    for job in jobs:
        state = states.get(job.name)
        last_run_id = getattr(state, "last_run_id", None)
        rows.append(
            JobRow(
                job=job,
                state=state,
                last_run=runs.get(last_run_id) if last_run_id is not None else None,
                next_run=next_slot(job.schedule, now),
            )
        )
    return rows


class JobListView(ScopedListView):
    """The registry's jobs, not rows in the tree: the role alone decides (``tree_scoped``), and
    every job is listed at once with the latest failures beside them."""

    action = Action.SCHEDULER_VIEW
    tree_scoped = False
    template_name = "scheduler/job_list.html"
    nav_active = "scheduler"

    def get_rows(self, request: HttpRequest) -> tuple[Any, Any]:
        require_action(request, self.action)
        return job_rows(clock.now()), None

    def list_context(self, rows: Any) -> dict[str, Any]:
        return {"rows": rows}

    def get_context(self, obj: Any) -> dict[str, Any]:
        labels = {job.name: job.label for job in registered_jobs()}
        failures = ScheduledRun.objects.filter(outcome=RunOutcome.FAILED).order_by(
            "-started_at", "-id"
        )[:RECENT_FAILURES]
        return {
            "failures": [(labels.get(run.job, run.job), run) for run in failures],
            "can_run": can_anywhere(self.request.user, Action.SCHEDULER_RUN),
            # This node's scheduler, as /healthz sees it: requests wait while it is not running.
            "scheduler_state": scheduler_check(),
        }


job_list = JobListView.as_view()


class RunNowView(ConfirmActionView):
    """The jobs page's 立即运行 button; the job is named by the registry, not a row in scope."""

    action = Action.SCHEDULER_RUN
    http_method_names = ["post"]

    def get_object(self) -> PeriodicJob:
        require_action(self.request, self.action)
        job = get_job(self.kwargs["name"])
        if job is None:
            raise Http404("没有这个定时任务")
        return job

    def run(self, obj: Any, actor: Any) -> Any:
        return request_run(obj, actor=actor, now=clock.now())

    def get_success_message(self, obj: Any, result: Any) -> str:
        return f"已请求立即运行“{obj.label}”，调度进程将在几秒内执行。"

    def get_success_url(self, obj: Any, result: Any) -> str:
        return reverse("scheduler:list")


run_now = RunNowView.as_view()
