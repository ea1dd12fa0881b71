"""Interoperability: FHIR R4 import (``fhir_read``, ``fhir_import``) and export (``fhir_export``).

Every imported record goes through the one write path (``lupuscare.web.records.services``); the
code maps live in the pure core (``lupuscare.clinical.codes``). See docs/fhir.md.
"""
