"""Background tasks of the member registry (run by ``manage.py job_worker``)."""

from __future__ import annotations

from django_tasks import task

from dangjian.members.models import ImportJob, ImportStatus


@task()
def import_members(job_id: int) -> None:
    """Only the job id is passed: no personal data in task arguments."""
    from dangjian.members.workbook.jobs import run_import

    job = ImportJob.objects.select_related("created_by", "org").get(pk=job_id)
    if job.status == ImportStatus.IMPORTING:  # confirmed or retried; anything else is done
        run_import(job)


@task()
def validate_members(job_id: int) -> None:
    from dangjian.members.workbook.jobs import validate_job

    job = ImportJob.objects.select_related("created_by", "org").get(pk=job_id)
    if job.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        validate_job(job, actor=job.created_by)
