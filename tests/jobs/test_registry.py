from core.settings import Settings
from jobs.registry import cron_jobs


def test_every_schedule_is_named_once() -> None:
    names = [job.name for job in cron_jobs(Settings())]
    assert len(names) == len(set(names)) and "cron:sweep_jira_webhooks" in names


def test_run_schedules_off_leaves_no_schedule() -> None:
    assert cron_jobs(Settings(run_schedules=False)) == []
