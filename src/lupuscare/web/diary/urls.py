"""URLs of the patient companion (namespace ``diary``), mounted at ``/diary/`` (``lupuscare/web/urls.py`` mounts it).

The patient's own pages carry no patient id; a photo is named by its id and looked up inside the
patients the user may see; the care team's page takes ``patient_id``.
"""

from django.urls import path

from . import views

app_name = "diary"

urlpatterns = [
    path("", views.home, name="home"),
    path("check-in/", views.checkin_view, name="checkin"),
    path("check-in/saved/", views.saved, name="saved"),
    path("medicines/", views.medicines_view, name="medicines"),
    path("trends/", views.trends_view, name="trends"),
    path("insights/", views.insights_view, name="insights"),
    path("learn/", views.learn_index, name="learn"),
    path("learn/<slug:slug>/", views.learn_page, name="learn-page"),
    path("photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/export.zip", views.export_view, name="export"),
    path("my-data/delete/", views.delete_account_view, name="delete-account"),
    path("patients/<int:patient_id>/", views.patient_diary, name="patient-diary"),
]
