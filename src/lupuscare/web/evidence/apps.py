from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lupuscare.web.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"
