"""`lupuscare fhir import`: everything through the record services, all or nothing, idempotent,
and every refusal names the FHIR path."""

from __future__ import annotations

import json

import pytest

from cli.helpers import invoke
from interop import bundles
from lupuscare.web.clinic.models import StoredScore
from lupuscare.web.clinic.scoring import store_scores
from lupuscare.web.interop.fhir_import import import_entries
from lupuscare.web.interop.fhir_read import FhirInvalid, entries_of_bundle, entries_of_ndjson
from lupuscare.web.records.models import AuditEvent, LabResult, MedicationCourse, Patient

pytestmark = pytest.mark.django_db


def _import(doc, **kw):
    return import_entries(entries_of_bundle(doc), **kw)


def _counts():
    return (Patient.objects.count(), LabResult.all_objects.count(),
            MedicationCourse.all_objects.count(), AuditEvent.objects.count())


def _refused(doc, path: str, words: str = "", **kw) -> FhirInvalid:
    before = _counts()
    with pytest.raises(FhirInvalid) as caught:
        _import(doc, **kw)
    paths = [p.path for p in caught.value.problems]
    assert path in paths, caught.value.problems
    assert words in str(caught.value)
    assert _counts() == before  # nothing saved
    return caught.value


def test_a_bundle_is_recorded_through_the_services():
    summary = _import(bundles.full_bundle())
    p = Patient.objects.get(identifier="FHIR-0001")
    assert (p.given_name, p.family_name, str(p.birth_date), p.sex) == ("Ada", "Okonkwo", "1985-04-12", "female")
    assert p.weight_kg == 64.5
    assert str(p.sle_diagnosis_date) == "2019-03-01"
    labs = {lab.test: lab for lab in LabResult.objects.filter(patient=p)}
    assert set(labs) == {"c3", "c4", "temperature"}
    assert (labs["c4"].value, labs["c4"].unit, labs["c4"].source) == (8.0, "mg/dL", "fhir")
    assert (labs["temperature"].value, labs["temperature"].unit) == (100.4, "[degF]")
    assert labs["c3"].loinc == "4485-9"
    courses = {c.drug: c for c in MedicationCourse.objects.filter(patient=p)}
    assert courses["prednisone"].daily_dose_mg == 10 and courses["prednisone"].schedule == "daily"
    assert courses["methotrexate"].daily_dose_mg == pytest.approx(15 / 7)
    assert courses["methotrexate"].schedule == "weekly"
    pulse = courses["methylprednisolone"]
    assert (pulse.route, pulse.pulse, pulse.daily_dose_mg) == ("iv", True, None)
    assert "500 mg IV per administration" in pulse.reason
    assert str(pulse.stop) == "2026-01-07"
    r = summary["resources"]
    assert r["Patient"] == {"created": 1, "updated": 0, "unchanged": 0, "ignored": 0}
    assert r["Observation"] == {"created": 4, "updated": 0, "unchanged": 0, "ignored": 0}  # + weight
    assert r["Condition"] == {"created": 1, "updated": 0, "unchanged": 0, "ignored": 1}
    assert r["MedicationStatement"]["created"] == 3
    assert r["AllergyIntolerance"]["ignored"] == 1
    notes = {n["path"]: n["note"] for n in summary["notes"]}
    assert "recognised, not stored" in notes["Bundle.entry[9].resource"]
    assert "allerg" in notes["Bundle.entry[10].resource"]
    # one audit row per record, by the fhir import door
    assert AuditEvent.objects.filter(patient=p, action="create", path="<fhir import>").count() == 7


def test_reimporting_the_same_bundle_changes_nothing():
    _import(bundles.full_bundle())
    before = _counts()[:3]
    summary = _import(bundles.full_bundle())
    assert _counts()[:3] == before
    for kind, counts in summary["resources"].items():
        assert counts["created"] == counts["updated"] == 0, kind
    assert summary["resources"]["Observation"]["unchanged"] == 4  # three labs and the weight
    assert summary["resources"]["Patient"]["unchanged"] == 1


def test_a_later_stop_date_updates_the_course():
    _import(bundles.full_bundle())
    doc = bundles.full_bundle()
    doc["entry"][5]["resource"]["effectivePeriod"]["end"] = "2026-03-01"
    summary = _import(doc)
    assert summary["resources"]["MedicationStatement"]["updated"] == 1
    assert str(MedicationCourse.objects.get(drug="prednisone").stop) == "2026-03-01"


def test_an_unknown_loinc_code_is_reported_not_guessed():
    doc = bundles.bundle(bundles.lab("4485-3", 0.6, "g/L", "2026-02-20T09:00:00+00:00"))
    summary = _import(doc)
    assert not LabResult.objects.exists()
    assert summary["notes"][0]["path"] == "Bundle.entry[1].resource.code.coding[0].code"
    assert "unknown LOINC code '4485-3'" in summary["notes"][0]["note"]


def test_not_a_bundle():
    with pytest.raises(FhirInvalid, match="expected 'Bundle'"):
        entries_of_bundle(bundles.patient())
    with pytest.raises(FhirInvalid, match="Bundle.type"):
        entries_of_bundle({"resourceType": "Bundle", "type": "searchsets"})


def test_an_unsupported_resource_type():
    _refused(bundles.bundle({"resourceType": "Immunization", "status": "completed"}),
             "Bundle.entry[1].resource.resourceType", "'Immunization' is not a resource type")


def test_a_unit_that_cannot_convert_names_the_unit():
    doc = bundles.bundle(bundles.lab("4485-9", 0.6, "g/L", "2026-02-20T09:00:00+00:00"),
                         bundles.lab("4485-9", 0.6, "g/L", "2026-02-21T09:00:00+00:00"),
                         bundles.lab("4485-9", 0.6, "g/L", "2026-02-22T09:00:00+00:00"))
    doc["entry"][3]["resource"]["valueQuantity"] = {"value": 0.6, "unit": "mmol/L"}
    _refused(doc, "Bundle.entry[3].resource.valueQuantity.unit", "unit 'mmol/L' is not known for c3")


def test_an_implausible_value_names_the_value():
    doc = bundles.bundle(bundles.lab("4485-9", 90, "g/L", "2026-02-20T09:00:00+00:00"))
    _refused(doc, "Bundle.entry[1].resource.valueQuantity.value")


def test_a_model_error_names_the_element():
    doc = bundles.bundle(bundles.lab("4485-9", 0.6, "g/L", "2026-02-30T09:00:00+00:00"))
    _refused(doc, "Bundle.entry[1].resource.effectiveDateTime")


def test_a_reference_to_a_resource_not_in_the_bundle():
    doc = bundles.bundle(bundles.lab("4485-9", 0.6, "g/L", "2026-02-20T09:00:00+00:00",
                                     subject="Patient/elsewhere"))
    _refused(doc, "Bundle.entry[1].resource.subject.reference", "not a Patient in this bundle")


def test_a_gender_the_record_cannot_store_is_refused():
    doc = bundles.bundle()
    doc["entry"][0]["resource"]["gender"] = "unknown"
    _refused(doc, "Bundle.entry[0].resource.gender", "female or male")


def test_conflicting_identifiers(world):
    doc = bundles.bundle()
    doc["entry"][0]["resource"]["identifier"] = [
        {"system": bundles.MRN, "value": world.patient_a.identifier},
        {"system": "urn:example:registry", "value": world.patient_b.identifier}]
    _refused(doc, "Bundle.entry[0].resource.identifier", "two different patients")
    doc["entry"][0]["resource"]["identifier"] = [
        {"system": bundles.MRN, "value": "NEW-1"}, {"system": "urn:example:registry", "value": "NEW-2"}]
    _refused(doc, "Bundle.entry[0].resource.identifier", "--identifier-system")
    _import(doc, identifier_system=bundles.MRN)
    assert Patient.objects.filter(identifier="NEW-1").exists()
    assert not Patient.objects.filter(identifier="NEW-2").exists()


def test_one_invalid_resource_saves_nothing_even_after_valid_ones():
    doc = bundles.full_bundle()
    doc["entry"][7]["resource"]["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 1, "unit": "{tablet}"}
    _refused(doc, "Bundle.entry[7].resource.dosage[0].doseAndRate[0].doseQuantity.unit", "cannot be read as mg")


def test_the_imported_lab_rescores_an_existing_visit(world):
    visit = world.records["assessment_a"]  # 2026-03-01, arthritis: SLEDAI-2K 4
    store_scores(visit)
    assert StoredScore.objects.get(assessment=visit, instrument="sledai2k").value == 4
    doc = bundles.bundle(bundles.lab("2890-2", 1.0, "g/g", "2026-02-25T09:00:00+00:00"))
    doc["entry"][0]["resource"]["identifier"][0]["value"] = world.patient_a.identifier
    doc["entry"][0]["resource"].update(
        name=[{"family": world.patient_a.family_name, "given": [world.patient_a.given_name]}],
        birthDate=world.patient_a.birth_date.isoformat(), gender=world.patient_a.sex)
    summary = _import(doc)
    assert summary["resources"]["Patient"]["unchanged"] == 1
    sledai = StoredScore.objects.get(assessment=visit, instrument="sledai2k")
    assert sledai.value == 8 and sledai.result["items"]["proteinuria"] == 4


def test_ndjson_lines():
    lines = [(1, bundles.patient() | {"id": "p1"}),
             (2, bundles.lab("4485-9", 0.6, "g/L", "2026-02-20T09:00:00+00:00", subject="Patient/p1"))]
    summary = import_entries(entries_of_ndjson(lines))
    assert summary["resources"]["Observation"]["created"] == 1
    lines[1][1]["valueQuantity"]["value"] = 90
    with pytest.raises(FhirInvalid) as caught:
        import_entries(entries_of_ndjson(lines))
    assert caught.value.problems[0].path == "line 2 (Observation).valueQuantity.value"


def test_the_command(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundles.full_bundle()))
    ran = invoke("fhir", "import", str(path))
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["resources"]["Patient"]["created"] == 1
    path.write_text("{not json")
    ran = invoke("fhir", "import", str(path))
    assert ran.code == 2 and ran.err.startswith("error: document: invalid JSON")
    doc = bundles.bundle(bundles.lab("4485-9", 90, "g/L", "2026-02-20T09:00:00+00:00"))
    path.write_text(json.dumps(doc))
    ran = invoke("fhir", "import", str(path))
    assert ran.code == 2
    assert ran.err.startswith("error: Bundle.entry[1].resource.valueQuantity.value: ")


def test_a_course_without_a_dose_quantity_has_no_dose_rather_than_zero():
    doc = bundles.bundle(bundles.statement("hydroxychloroquine", None, "2025-01-01"))
    _import(doc)
    assert MedicationCourse.objects.get(drug="hydroxychloroquine").daily_dose_mg is None


def test_a_medicine_outside_the_vocabulary_is_reported_not_stored():
    summary = _import(bundles.bundle(bundles.statement("omeprazole", bundles.quantity(20, "mg"), "2025-01-01")))
    assert not MedicationCourse.objects.exists()
    assert summary["notes"][0]["path"] == "Bundle.entry[1].resource.medicationCodeableConcept"
    assert summary["resources"]["MedicationStatement"]["ignored"] == 1


def test_the_sample_bundle_in_the_docs_is_the_tested_one():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "docs" / "fhir" / "sample-bundle.json"
    assert json.loads(sample.read_text()) == bundles.full_bundle()


def test_a_test_without_loinc_comes_back_by_lupuscare_code():
    obs = bundles.lab("0000-0", 40, "U/mL", "2026-02-20T09:00:00+00:00")
    obs["code"] = {"coding": [{"system": "https://lupuscare.org/fhir/CodeSystem/lab-test", "code": "ch50"}]}
    _import(bundles.bundle(obs))
    lab = LabResult.objects.get(test="ch50")
    assert (lab.value, lab.unit, lab.loinc) == (40.0, "U/mL", "")


def test_a_bad_ndjson_line_is_named(tmp_path):
    path = tmp_path / "in.ndjson"
    path.write_text(json.dumps(bundles.patient() | {"id": "p1"}) + "\n{oops\n")
    ran = invoke("fhir", "import", str(path))
    assert ran.code == 2 and ran.err.startswith("error: line 2: invalid JSON")


def test_a_medication_request_by_rxnorm_with_a_timing_code():
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "medicationCodeableConcept": {"coding": [
                   {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "5521"}]},
               "subject": {"reference": bundles.PATIENT_URL}, "authoredOn": "2025-09-01",
               "dosageInstruction": [{
                   "timing": {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
                                                   "code": "BID"}]}},
                   "doseAndRate": [{"doseQuantity": bundles.quantity(200, "mg")}]}]}
    summary = _import(bundles.bundle(request))
    assert summary["resources"]["MedicationRequest"]["created"] == 1
    course = MedicationCourse.objects.get(drug="hydroxychloroquine")
    assert (course.daily_dose_mg, str(course.start), course.schedule) == (400, "2025-09-01", "daily")


def test_a_request_without_a_start_names_where_it_was_looked_for():
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "medicationCodeableConcept": {"text": "azathioprine"},
               "subject": {"reference": bundles.PATIENT_URL}}
    _refused(bundles.bundle(request), "Bundle.entry[1].resource.dosageInstruction[0].timing.repeat.boundsPeriod.start")


def test_the_latest_of_several_weights_is_stored_and_each_is_counted():
    def weight(kg, when):
        return {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": bundles.LOINC, "code": "29463-7"}]},
                "subject": {"reference": bundles.PATIENT_URL}, "effectiveDateTime": when,
                "valueQuantity": bundles.quantity(kg, "kg")}
    summary = _import(bundles.bundle(weight(70, "2026-03-01"), weight(68, "2026-05-01"),
                                     weight(71, "2026-01-01")))
    assert Patient.objects.get(identifier="FHIR-0001").weight_kg == 68
    assert summary["resources"]["Observation"] == {"created": 1, "updated": 0, "unchanged": 2, "ignored": 0}
