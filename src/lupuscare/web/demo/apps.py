from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo cohort's bookkeeping: which rows are demo data, and the planted truth."""

    name = "lupuscare.web.demo"
    label = "demo"
    verbose_name = "Demo cohort"
    default_auto_field = "django.db.models.BigAutoField"
