from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "lupuscare.web.jobs"
    label = "jobs"
    verbose_name = "Jobs and notifications"

    def ready(self) -> None:
        from . import signals, tasks  # noqa: F401 - connect the hooks; register the tasks
