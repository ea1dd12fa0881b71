"""Teratogenic drugs in a patient who can become pregnant, without contraception: while taking
them (IV pulses included) and for each drug's washout window after the last dose."""

from __future__ import annotations

from datetime import date

from lupuscare.rules.alert import Alert
from lupuscare.rules.config import DEFAULT_CONFIG, RuleConfig
from lupuscare.rules.context import PatientContext
from lupuscare.rules.exposure import TERATOGEN_WASHOUT, exposure_end

# Drugs to stop before conception and to give only with effective contraception: the washout
# table's drugs (lupuscare.rules.exposure, one source). ACR 2020 Guideline for the Management of
# Reproductive Health in RMD (Sammaritano LR et al. Arthritis Rheumatol 2020;72:529-56): seen in
# a secondary summary (The Rheumatologist, March 2020): "Discontinue cyclophosphamide,
# thalidomide, mycophenolate, methotrexate and leflunomide, with a 'wash out' of leflunomide
# before pregnancy". BSR 2022 guideline on prescribing drugs in pregnancy, Table 1 (Russell MD et
# al. Rheumatology 2023, doi:10.1093/rheumatology/keac551, PMC10070073; seen): methotrexate "Stop
# ≥1 month pre-conception", leflunomide "No: Cholestyramine washout", cyclophosphamide only in
# "exceptional circumstances", mycophenolate mofetil "Stop ≥6 weeks pre-conception".
# Lenalidomide: a thalidomide analogue, contraindicated in pregnancy by its label (boxed warning,
# seen in reproductions). Certainty of the list: single-source (thalidomide and lenalidomide rest
# on a secondary summary and label reproductions; the other four are in the BSR table).
TERATOGENS: frozenset[str] = frozenset(TERATOGEN_WASHOUT)
TERATOGEN_CITATION = (
    "Sammaritano LR et al. 2020 ACR Guideline for the Management of Reproductive Health in "
    "Rheumatic and Musculoskeletal Diseases. Arthritis Rheumatol 2020;72:529-56; Andreoli L et al. "
    "EULAR recommendations for women's health in SLE and/or APS. Ann Rheum Dis 2017;76:476-85; "
    "Russell MD et al. BSR guideline on prescribing drugs in pregnancy and breastfeeding: "
    "immunomodulatory anti-rheumatic drugs and corticosteroids. Rheumatology 2023 "
    "(doi:10.1093/rheumatology/keac551)"
)


def _at_risk(ctx: PatientContext) -> bool:
    """Whether the contraception question applies (true, or unknown for a female patient)."""
    if ctx.contraception_recorded or ctx.can_become_pregnant is False:
        return False
    return not (ctx.can_become_pregnant is None and ctx.sex != "female")


def _who(ctx: PatientContext) -> str:
    return ("whether this patient can become pregnant is not recorded"
            if ctx.can_become_pregnant is None else "this patient can become pregnant")


def _names(drugs: list[str]) -> str:
    return ", ".join(d.replace("_", " ") for d in drugs)


def rule_teratogen_without_contraception(ctx: PatientContext,
                                         config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    drugs = sorted({m.drug for m in ctx.active(TERATOGENS)})
    if not drugs or not _at_risk(ctx):
        return None
    return Alert(
        code="teratogen_without_contraception",
        severity="warning",
        message=(f"On {_names(drugs)}, which can harm a pregnancy; {_who(ctx)} and no "
                 "contraception is recorded. Discuss and record contraception."),
        evidence={"drugs": drugs, "can_become_pregnant": ctx.can_become_pregnant,
                  "contraception_recorded": False},
        citation=TERATOGEN_CITATION,
        certainty="single-source",
    )


def washouts_running(ctx: PatientContext) -> dict[str, tuple[date, date | None]]:
    """Teratogens stopped but still within their washout today: drug -> (last dose, last day
    of the window, None while a leflunomide washout is not documented)."""
    active = {m.drug for m in ctx.active(TERATOGENS)}
    running: dict[str, tuple[date, date | None]] = {}
    for m in ctx.medications:
        if (m.drug not in TERATOGENS or m.drug in active or m.reason_not_prescribed is not None
                or m.stop is None or m.stop > ctx.today):
            continue
        end = exposure_end(m, TERATOGEN_WASHOUT[m.drug])
        if end is not None and ctx.today > end:
            continue
        previous = running.get(m.drug)
        if previous is None or previous[0] < m.stop:
            running[m.drug] = (m.stop, end)
    return running


def rule_teratogen_washout(ctx: PatientContext, config: RuleConfig = DEFAULT_CONFIG) -> Alert | None:
    """The "no contraception" alert stays on after a teratogen stops, for the drug's window."""
    running = washouts_running(ctx)
    if not running or not _at_risk(ctx):
        return None
    drugs = sorted(running)
    parts = []
    for d in drugs:
        stop, end = running[d]
        until = (f"until {end.isoformat()}" if end is not None
                 else "until a washout is documented")
        parts.append(f"{d.replace('_', ' ')} (last dose {stop.isoformat()}; at risk {until}, "
                     f"{TERATOGEN_WASHOUT[d].describe()})")
    ends = [e for _, e in running.values() if e is not None]
    return Alert(
        code="teratogen_washout",
        severity="warning",
        message=(f"Stopped {'; '.join(parts)}: the drug can still harm a pregnancy; {_who(ctx)} "
                 "and no contraception is recorded. Discuss and record contraception until the "
                 "washout ends."),
        evidence={"drugs": drugs,
                  "washouts": {d: {"last_dose": running[d][0], "at_risk_until": running[d][1],
                                   "window": TERATOGEN_WASHOUT[d].describe(),
                                   "source": TERATOGEN_WASHOUT[d].source,
                                   "certainty": TERATOGEN_WASHOUT[d].certainty} for d in drugs},
                  "can_become_pregnant": ctx.can_become_pregnant, "contraception_recorded": False},
        citation="; ".join(dict.fromkeys(TERATOGEN_WASHOUT[d].source for d in drugs)),
        certainty=min((TERATOGEN_WASHOUT[d].certainty for d in drugs), key=_CERTAINTY_RANK.__getitem__),
        due_date=max(ends) if len(ends) == len(drugs) else None,
    )


# weakest certainty wins when one alert rests on several sources
_CERTAINTY_RANK = {"recalled": 0, "project-decision": 1, "single-source": 2, "verified": 3}
