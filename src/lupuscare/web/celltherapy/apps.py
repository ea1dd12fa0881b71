from django.apps import AppConfig


class CellTherapyConfig(AppConfig):
    name = "lupuscare.web.celltherapy"
    label = "celltherapy"
    default_auto_field = "django.db.models.BigAutoField"
