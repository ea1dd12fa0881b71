"""Synthetic laboratory values that move with disease activity, in UCUM units with reference ranges.

Each lab is drawn from the patient's latent state at the visit (systemic activity, renal activity,
serological activity, kidney function, prednisone dose) plus noise, then clipped to
``PHYSIOLOGICAL_LIMITS`` (values a living adult can have), so a generated value is never absurd.

Reference ranges are typical adult laboratory ranges, used for the demo only (a real laboratory
reports its own, contracts.md section 2.2); physiological limits are deliberately wide bounds.
Both are synthetic-data settings, not clinical thresholds: no rule in lupuscare reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lupuscare.clinical.units import convert

# test -> (unit, low, high) for women; MALE_RANGES overrides where ranges differ by sex.
REFERENCE_RANGES: dict[str, tuple[str, float | None, float | None]] = {
    "upcr": ("mg/g", None, 150.0),
    "c3": ("g/L", 0.9, 1.8),
    "c4": ("g/L", 0.1, 0.4),
    "anti_dsdna": ("[IU]/mL", None, 10.0),
    "platelets": ("10*9/L", 150.0, 400.0),
    "wbc": ("10*9/L", 4.0, 11.0),
    "lymphocytes": ("10*9/L", 1.0, 4.0),
    "hemoglobin": ("g/L", 120.0, 160.0),
    "creatinine": ("umol/L", 45.0, 90.0),
    "egfr": ("mL/min/{1.73_m2}", 60.0, None),
    "urine_rbc": ("/[HPF]", None, 3.0),
    "urine_wbc": ("/[HPF]", None, 5.0),
    "esr": ("mm/h", None, 20.0),
    "crp": ("mg/L", None, 5.0),
    "albumin": ("g/L", 35.0, 50.0),
    "temperature": ("Cel", None, None),
}
MALE_RANGES: dict[str, tuple[str, float | None, float | None]] = {
    "hemoglobin": ("g/L", 130.0, 170.0),
    "creatinine": ("umol/L", 60.0, 110.0),
    "esr": ("mm/h", None, 15.0),
}
# Hard bounds for generated values, in the units above.
PHYSIOLOGICAL_LIMITS: dict[str, tuple[float, float]] = {
    "upcr": (10.0, 15000.0),
    "c3": (0.1, 2.5),
    "c4": (0.01, 0.8),
    "anti_dsdna": (0.0, 3000.0),
    "platelets": (5.0, 900.0),
    "wbc": (0.5, 30.0),
    "lymphocytes": (0.1, 6.0),
    "hemoglobin": (60.0, 190.0),
    "creatinine": (30.0, 1200.0),
    "egfr": (5.0, 150.0),
    "urine_rbc": (0.0, 200.0),
    "urine_wbc": (0.0, 200.0),
    "esr": (1.0, 140.0),
    "crp": (0.2, 300.0),
    "albumin": (15.0, 55.0),
    "temperature": (35.0, 41.5),
}
LAB_TESTS: tuple[str, ...] = tuple(REFERENCE_RANGES)
# eGFR is capped at what these creatinine values give at the patient's age, so creatinine stays
# in a plausible adult range (about 44 and 53 umol/L).
MIN_CREATININE_MG_DL = {"female": 0.5, "male": 0.6}

# CKD-EPI 2021 creatinine equation (race-free). Source: Inker LA et al., N Engl J Med
# 2021;385:1737-49; coefficients checked against the National Kidney Foundation's page
# "CKD-EPI Creatinine Equation (2021)" (kidney.org) [verified against a secondary, authoritative
# source, not the paper itself]. Used here only to make synthetic creatinine and eGFR agree.
_CKD_EPI = {"female": (0.7, -0.241, 1.012), "male": (0.9, -0.302, 1.0)}  # kappa, alpha, sex factor


def ckd_epi_2021(creatinine_mg_dl: float, age: float, sex: str) -> float:
    """eGFR (mL/min/1.73 m2) from serum creatinine, age and sex by CKD-EPI 2021."""
    kappa, alpha, factor = _CKD_EPI[sex]
    ratio = creatinine_mg_dl / kappa
    return 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.2 * 0.9938 ** age * factor


def creatinine_for_egfr(egfr: float, age: float, sex: str) -> float:
    """Serum creatinine (mg/dL) that gives ``egfr`` by CKD-EPI 2021 (the equation inverted)."""
    kappa, alpha, factor = _CKD_EPI[sex]
    at_kappa = 142.0 * 0.9938 ** age * factor  # eGFR when creatinine == kappa
    exponent = alpha if egfr > at_kappa else -1.2
    return kappa * (egfr / at_kappa) ** (1.0 / exponent)


@dataclass(frozen=True, slots=True)
class LabValue:
    test: str
    value: float
    unit: str
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class LabState:
    """What the labs at one visit depend on."""

    systemic: float  # 0-1 non-renal activity
    renal: float  # 0-1 renal activity (active nephritis)
    serology: float  # 0-1 serological activity
    haematological: bool  # cytopenias are part of the current flare
    serositis: bool  # serositis raises CRP
    fever: bool
    egfr: float  # kidney function, mL/min/1.73 m2
    proteinuria_floor: float  # residual (chronic) proteinuria, mg/g
    prednisone_mg: float


@dataclass(frozen=True, slots=True)
class LabBaseline:
    """A patient's own levels in remission."""

    upcr: float
    c3: float
    c4: float
    dsdna_positive: bool
    dsdna: float
    platelets: float
    wbc: float
    lymphocytes: float
    hemoglobin: float
    esr: float
    crp: float
    albumin: float


def draw_baseline(rng: np.random.Generator, sex: str) -> LabBaseline:
    positive = bool(rng.random() < 0.7)
    return LabBaseline(
        upcr=float(rng.lognormal(math.log(80), 0.3)),
        c3=float(rng.normal(1.15, 0.15)),
        c4=float(rng.normal(0.22, 0.05)),
        dsdna_positive=positive,
        dsdna=float(rng.lognormal(math.log(25), 0.5)) if positive else float(rng.uniform(0.5, 6)),
        platelets=float(rng.normal(250, 45)),
        wbc=float(rng.normal(5.6, 1.1)),
        lymphocytes=float(rng.normal(1.6, 0.3)),
        hemoglobin=float(rng.normal(130, 8) if sex == "female" else rng.normal(145, 9)),
        esr=float(rng.lognormal(math.log(14), 0.35)),
        crp=float(rng.lognormal(math.log(1.8), 0.5)),
        albumin=float(rng.normal(42, 2.5)),
    )


def draw_labs(rng: np.random.Generator, base: LabBaseline, state: LabState, sex: str,
              age: float, renal_peak_upcr: float) -> list[LabValue]:
    """One visit's panel. ``renal_peak_upcr`` is the proteinuria (mg/g) of this patient's renal
    flare at full activity."""
    s, r, sero = state.systemic, state.renal, state.serology
    noise = rng.normal(0.0, 1.0, 16)
    anaemia_ckd = max(0.0, 60.0 - state.egfr) * 0.4
    values = {
        "upcr": (base.upcr + state.proteinuria_floor + r * renal_peak_upcr + s * 40) * math.exp(0.2 * noise[0]),
        "c3": base.c3 * (1 - 0.45 * sero) * math.exp(0.06 * noise[1]),
        "c4": base.c4 * (1 - 0.6 * sero) * math.exp(0.08 * noise[2]),
        "anti_dsdna": (base.dsdna * (1 + 8 * sero) if base.dsdna_positive else base.dsdna)
        * math.exp(0.2 * noise[3]),
        "platelets": base.platelets * (1 - (0.65 if state.haematological else 0.1) * max(s, r))
        * math.exp(0.08 * noise[4]),
        "wbc": (base.wbc * (1 - (0.45 if state.haematological else 0.2) * max(s, r))
                + min(state.prednisone_mg, 60) * 0.06) * math.exp(0.08 * noise[5]),
        "lymphocytes": base.lymphocytes * (1 - 0.5 * max(s, r)) * (1 - min(0.4, state.prednisone_mg / 100))
        * math.exp(0.1 * noise[6]),
        "hemoglobin": base.hemoglobin - 18 * s - 12 * r - anaemia_ckd
        - (15 if state.haematological else 0) * s + 4 * noise[7],
        "egfr": state.egfr * (1 - 0.25 * r) * math.exp(0.04 * noise[8]),
        "urine_rbc": (25 * r * math.exp(0.5 * noise[9]) + abs(noise[10])) if r > 0.2 else abs(noise[10]) * 1.2,
        "urine_wbc": (10 * r * math.exp(0.5 * noise[11]) + abs(noise[12])) if r > 0.2 else abs(noise[12]) * 1.5,
        "esr": base.esr * (1 + 2.0 * s + 1.5 * r) * math.exp(0.15 * noise[13]) + anaemia_ckd * 0.3,
        "crp": base.crp * (1 + 0.8 * s + (8 if state.serositis else 0) * s) * math.exp(0.3 * noise[14]),
        "albumin": base.albumin - 14 * r * min(1.0, renal_peak_upcr / 3000) - 3 * s + 1.2 * noise[15],
        "temperature": float(rng.uniform(38.1, 39.2)) if state.fever else float(rng.uniform(36.3, 37.2)),
    }
    max_egfr = ckd_epi_2021(MIN_CREATININE_MG_DL[sex], age, sex)
    egfr = min(_clip("egfr", values["egfr"]), max_egfr)
    values["egfr"] = egfr
    values["creatinine"] = convert("creatinine", creatinine_for_egfr(egfr, age, sex), "mg/dL", "umol/L")
    ranges = MALE_RANGES if sex == "male" else {}
    out = []
    for test in LAB_TESTS:
        unit, low, high = ranges.get(test, REFERENCE_RANGES[test])
        out.append(LabValue(test, _round(test, _clip(test, values[test])), unit, low, high))
    return out


_DECIMALS = {"upcr": 0, "c3": 2, "c4": 3, "anti_dsdna": 0, "platelets": 0, "wbc": 1,
             "lymphocytes": 2, "hemoglobin": 0, "creatinine": 0, "egfr": 0, "urine_rbc": 0,
             "urine_wbc": 0, "esr": 0, "crp": 1, "albumin": 0, "temperature": 1}


def _clip(test: str, value: float) -> float:
    lo, hi = PHYSIOLOGICAL_LIMITS[test]
    return min(max(value, lo), hi)


def _round(test: str, value: float) -> float:
    return float(round(value, _DECIMALS[test]))
