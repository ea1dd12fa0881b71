"""URLs of the cell-therapy programme (namespace ``celltherapy``), mounted at ``/celltherapy/``.

Only ``patient_id`` appears in paths (the access-matrix test fills it); the order, lot, visit or
event a form acts on is named in the posted form and looked up inside the visible patient's
records.
"""

from django.urls import path

from . import views

app_name = "celltherapy"

urlpatterns = [
    path("", views.board_view, name="board"),
    path("programmes/", views.programmes_view, name="programmes"),
    path("programmes/release-spec/", views.release_spec_view, name="release-spec"),
    path("patients/<int:patient_id>/", views.patient_view, name="patient"),
    path("patients/<int:patient_id>/refer/", views.refer_view, name="refer"),
    path("patients/<int:patient_id>/override/", views.override_view, name="override"),
    path("patients/<int:patient_id>/eligibility/", views.eligibility_view, name="eligibility"),
    path("patients/<int:patient_id>/consent/", views.consent_view, name="consent"),
    path("patients/<int:patient_id>/lots/", views.lot_create_view, name="lot-create"),
    path("patients/<int:patient_id>/lots/results/", views.lot_result_view, name="lot-result"),
    path("patients/<int:patient_id>/lots/status/", views.lot_status_view, name="lot-status"),
    path("patients/<int:patient_id>/custody/", views.custody_view, name="custody"),
    path("patients/<int:patient_id>/custody/verify/", views.custody_verify_view,
         name="custody-verify"),
    path("patients/<int:patient_id>/infusion/check/", views.pre_check_view, name="pre-check"),
    path("patients/<int:patient_id>/infusion/", views.infusion_view, name="infusion"),
    path("patients/<int:patient_id>/discharge/", views.discharge_view, name="discharge"),
    path("patients/<int:patient_id>/visits/", views.visit_view, name="visit"),
    path("patients/<int:patient_id>/endpoints/", views.endpoint_view, name="endpoint"),
    path("patients/<int:patient_id>/adverse-events/", views.adverse_event_view,
         name="adverse-event"),
    path("patients/<int:patient_id>/adverse-events/submitted/", views.report_submitted_view,
         name="report-submitted"),
]
