"""Programmes are set up by an administrator (protocol data, product, dose, schedule). A plain
ModelAdmin: every change is still kept by django-simple-history, and ``Programme.clean`` refuses
what the core would refuse."""

from django.contrib import admin

from .models import CarTReleaseSpec, Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "modality", "regulatory_status", "protocol_version",
                    "ethics_valid_to")
    list_filter = ("modality", "regulatory_status")
    search_fields = ("name", "ind_or_cta_number")


@admin.register(CarTReleaseSpec)
class CarTReleaseSpecAdmin(admin.ModelAdmin):
    """CAR-T limits; ``CarTReleaseSpec.clean`` refuses what the core refuses."""

    list_display = ("programme", "version", "car_positive_min_pct", "viability_min_pct",
                    "vcn_max_copies_per_cell", "rcl_required", "entered_at")
