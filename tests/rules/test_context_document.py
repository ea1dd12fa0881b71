"""The public patient-context document (contracts section 6): every field the rules read is
accepted, and bad input is refused with an error naming the field; nothing is silently ignored."""

from __future__ import annotations

from datetime import date

import pytest

from lupuscare.errors import InputError
from lupuscare.rules import MedicationCourse as Med
from lupuscare.rules import PatientContext, evaluate

FULL = {
    "today": "2026-06-01", "birth_date": "1990-02-03", "sex": "female",
    "weight_kg": 64.5, "weight_date": "2026-05-20", "can_become_pregnant": True,
    "contraception_recorded": False, "eye_exams": ["2025-07-01"],
    "hcq_risk_factors": {"egfr_below_60": False, "tamoxifen": False, "retinal_or_macular_disease": False},
    "medications": [
        {"drug": "hydroxychloroquine", "start": "2020-01-01", "daily_dose_mg": 300},
        {"drug": "cyclophosphamide", "pulse": True, "date": "2026-05-15", "route": "iv"},
        {"drug": "cyclophosphamide", "pulse": True, "start": "2026-01-01", "stop": "2026-03-01"},
        {"drug": "leflunomide", "start": "2023-01-01", "stop": "2025-01-01", "daily_dose_mg": 20,
         "washout_completed": "2025-03-01"},
        {"drug": "prednisone", "start": "2026-01-01", "daily_dose_mg": 5, "route": "oral",
         "tolerated": True, "investigational": False},
    ],
    "labs": [
        {"test": "platelets", "value": 140, "date": "2026-05-01"},
        {"test": "platelets", "value": 60000, "unit": "/uL", "date": "2026-05-25"},
        {"test": "neutrophils", "value": 1.2, "unit": "10*9/L", "date": "2026-05-25"},
        {"test": "hemoglobin", "value": 5.4, "unit": "mmol/L", "date": "2026-05-25"},
        {"test": "urine_protein_24h", "value": 300, "unit": "mg/d", "date": "2026-05-25"},
    ],
    "diary_red_flags": [{"flag": "fever", "date": "2026-06-01"}],
    "cell_therapy": [{"product": "car_t", "date": "2025-12-01"}],
}


def test_every_field_is_read():
    ctx = PatientContext.from_dict(FULL)
    assert ctx.weight_date == date(2026, 5, 20)
    single = ctx.medications[1]
    assert single.pulse and single.start == single.stop == date(2026, 5, 15) and single.daily_dose_mg is None
    assert ctx.medications[2].stop == date(2026, 3, 1)
    assert ctx.medications[3].washout_completed == date(2025, 3, 1)
    assert ctx.labs[1].value == 60.0  # converted to 10*9/L
    assert ctx.labs[3].value == pytest.approx(8.702, abs=1e-3)  # mmol/L (monomer) -> g/dL
    assert ctx.labs[4].value == 0.3
    assert ctx.cell_therapy[0].product == "car_t"
    codes = {a.code for a in evaluate(ctx)}
    assert {"teratogen_washout", "diary_fever_on_immunosuppressants",
            "new_thrombocytopenia", "neutropenia", "anaemia"} <= codes


def test_a_pulse_given_by_start_alone_is_one_infusion():
    doc = {"today": "2026-06-01", "medications": [{"drug": "methylprednisolone", "pulse": True,
                                                   "start": "2026-05-30", "daily_dose_mg": None}]}
    m = PatientContext.from_dict(doc).medications[0]
    assert m.start == m.stop == date(2026, 5, 30)


def _with(**changes):
    doc = {"today": "2026-06-01"}
    doc.update(changes)
    return doc


@pytest.mark.parametrize(("doc", "field"), [
    (_with(medications=[{"drug": "unobtainium", "start": "2026-01-01", "daily_dose_mg": 1}]),
     "medications[0].drug"),
    (_with(medications=[{"drug": "Prednisone", "start": "2026-01-01", "daily_dose_mg": 1}]),
     "medications[0].drug"),
    (_with(medications=[{"drug": "cyclophosphamide", "pulse": True}]), "medications[0].date"),
    (_with(medications=[{"drug": "cyclophosphamide", "pulse": True, "date": None}]), "medications[0].date"),
    (_with(medications=[{"drug": "cyclophosphamide", "pulse": True, "date": "2026-13-01"}]),
     "medications[0].date"),
    (_with(medications=[{"drug": "cyclophosphamide", "date": "2026-01-01"}]), "medications[0].date"),
    (_with(medications=[{"drug": "cyclophosphamide", "pulse": True, "date": "2026-01-01",
                         "start": "2026-01-01"}]), "medications[0].date"),
    (_with(medications=[{"drug": "cyclophosphamide", "pulse": "yes", "date": "2026-01-01"}]),
     "medications[0].pulse"),
    (_with(medications=[{"drug": "methotrexate", "start": "2026-02-01", "stop": "2026-01-01",
                         "daily_dose_mg": 2}]), "medications[0].stop"),
    (_with(medications=[{"drug": "leflunomide", "start": "2025-01-01", "daily_dose_mg": 20,
                         "washout_completed": "2025-06-01"}]), "medications[0].washout_completed"),
    (_with(medications=[{"drug": "leflunomide", "start": "2025-01-01", "stop": "2025-06-01",
                         "daily_dose_mg": 20, "washout_completed": "2025-05-01"}]),
     "medications[0].washout_completed"),
    (_with(medications=[{"drug": "methotrexate", "start": "2026-01-01"}]), "medications[0].daily_dose_mg"),
    (_with(medications=[{"drug": "methotrexate", "start": "2026-01-01", "daily_dose_mg": 2,
                         "dose": 15}]), "medications[0].dose"),
    (_with(labs=[{"test": "platelets", "value": 90, "unit": "furlongs", "date": "2026-05-01"}]),
     "labs[0].unit"),
    (_with(labs=[{"test": "platelets", "value": 90, "unit": "10*12/L", "date": "2026-05-01"}]),
     "labs[0].unit"),
    (_with(labs=[{"test": "anti_dsdna", "value": 90, "unit": "U/mL", "date": "2026-05-01"}]),
     "labs[0].unit"),
    (_with(labs=[{"test": "platelet", "value": 90, "date": "2026-05-01"}]), "labs[0].test"),
    (_with(labs=[{"test": "platelets", "value": "90", "unit": "/uL", "date": "2026-05-01"}]),
     "labs[0].value"),
    (_with(labs=[{"test": "platelets", "value": -1, "date": "2026-05-01"}]), "labs[0].value"),
    (_with(labs=[{"test": "platelets", "value": 90}]), "labs[0].date"),
    (_with(cell_therapy=[{"product": "stem_cells", "date": "2026-01-01"}]), "cell_therapy[0].product"),
    (_with(cell_therapy=[{"product": "msc"}]), "cell_therapy[0].date"),
    (_with(cell_therapy=[{"product": "msc", "date": "2026-01-01", "dose": 1}]), "cell_therapy[0].dose"),
    (_with(weight_kgs=60), "weight_kgs"),
    (_with(weight_date="2026-05-01"), "weight_kg"),
    (_with(weight_kg=60, weight_date="yesterday"), "weight_date"),
    (_with(diary_red_flags=[{"flag": "fever", "date": "2026-06-01", "severity": 3}]),
     "diary_red_flags[0].severity"),
])
def test_bad_input_names_the_field(doc, field):
    with pytest.raises(InputError) as err:
        PatientContext.from_dict(doc)
    assert err.value.field == field


def test_an_unknown_drug_is_refused_in_the_dataclass_too():
    with pytest.raises(InputError) as err:
        PatientContext(today=date(2026, 6, 1), medications=(Med("aspirine", date(2026, 1, 1), 100),))
    assert err.value.field == "medications[0].drug"
