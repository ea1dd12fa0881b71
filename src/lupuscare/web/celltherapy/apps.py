from django.apps import AppConfig, apps


class CellTherapyConfig(AppConfig):
    name = "lupuscare.web.celltherapy"
    label = "celltherapy"
    verbose_name = "Cell-therapy programmes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The demo loader calls every function in ``extra_loaders`` after the cohort is written
        # (src/lupuscare/demo/load.py): add the demo trial programme there.
        if apps.is_installed("lupuscare.web.demo"):
            from lupuscare.demo import load

            from .demo import load_programme, wipe_programme_data

            if load_programme not in load.extra_loaders:
                load.extra_loaders.append(load_programme)
            # custody records refuse deletion and infusions/adverse events are protected from
            # cascades: the demo wipe removes the synthetic ones through this wiper
            if wipe_programme_data not in load.extra_wipers:
                load.extra_wipers.append(wipe_programme_data)
