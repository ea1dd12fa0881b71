"""The regulatory gate: may this programme give cells to a lupus patient at all?

No MSC or CAR-T product is approved for SLE (cell-therapy.md §0). The gate lets an order through
only on a route that has independent oversight: an approval for the indication, a trial under an
IND/CTA (or national research filing) with a registration and a valid ethics approval, or a
documented hospital exemption with a valid ethics approval. A trial registration alone is not
enough: unapproved clinics cite clinicaltrials.gov listings to look legitimate (§5.2, §5.5 item 3).
Anything else is blocked, with every missing piece named, and shows the FDA consumer warning.
A block can be overridden only by a named physician with a reason and a second, different signer;
the override is returned as data for the shell to store in its audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.sources import Certainty, Source
from lupuscare.errors import InputError


class Modality(StrEnum):
    MSC = "msc"
    CAR_T = "car_t"
    OTHER = "other"


class RegulatoryStatus(StrEnum):
    """The pathway a programme runs under (cell-therapy.md §5.5 item 1)."""

    APPROVED_FOR_INDICATION = "approved_for_indication"
    APPROVED_OTHER_INDICATION = "approved_other_indication"
    INVESTIGATIONAL_IND = "investigational_ind"
    INVESTIGATIONAL_CTA_EU = "investigational_cta_eu"
    HOSPITAL_EXEMPTION = "hospital_exemption"
    CLINICAL_RESEARCH_FILING_OTHER = "clinical_research_filing_other"
    HCTP_361 = "hctp_361"
    UNKNOWN_OR_UNAPPROVED = "unknown_or_unapproved"


_INVESTIGATIONAL = {
    RegulatoryStatus.INVESTIGATIONAL_IND,
    RegulatoryStatus.INVESTIGATIONAL_CTA_EU,
    RegulatoryStatus.CLINICAL_RESEARCH_FILING_OTHER,
}

# Registry identifier shapes. Only the shape is checked; the shell should link to the registry.
TRIAL_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "nct": re.compile(r"^NCT\d{8}$"),  # ClinicalTrials.gov
    "eudract": re.compile(r"^\d{4}-\d{6}-\d{2}$"),  # EudraCT, e.g. 2017-001400-29 (§3.1)
    "ctis": re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}$"),  # EU CTIS (EU CT number)
    "chictr": re.compile(r"^ChiCTR[-A-Za-z0-9]{6,}$"),  # Chinese Clinical Trial Registry
    "isrctn": re.compile(r"^ISRCTN\d{8}$"),
}

FDA_CONSUMER_WARNING = (
    "No stem-cell or other cell therapy is approved for lupus. The US FDA warns that regenerative "
    "medicine products, including stem cells, stromal vascular fraction, cord blood, amniotic "
    "fluid, Wharton's jelly and exosomes, may be used before approval only in a clinical trial "
    "under regulatory oversight, and that it has received reports of blindness, tumour formation "
    "and infections. In the FDA's words: \"If you are being charged for these products or offered "
    "them outside a clinical trial, you are likely being deceived.\" A clinicaltrials.gov listing "
    "or a product 'registered with FDA' does not mean the product is approved or the study "
    "authorised. Report harm to FDA MedWatch (or your national pharmacovigilance system)."
)
FDA_CONSUMER_WARNING_SOURCE = Source(
    "US FDA, Important Patient and Consumer Information About Regenerative Medicine Therapies "
    "(3 June 2021); AABB news 7 June 2021 (cell-therapy.md §5.2)",
    Certainty.VERIFIED,
    "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
    "important-patient-and-consumer-information-about-regenerative-medicine-therapies",
)
# What the law says about using a product outside its approved indication, in place of the
# inexact "off-label use needs an IND". Each provision was read in its text or a faithful
# reproduction (search, this work):
# - 21 CFR 312.2(b)(1): a clinical *investigation* of a lawfully marketed drug is exempt from the
#   IND requirements only if all of (i)-(v) hold, among them that it is not intended to support a
#   new indication or labelling change and does not involve a route, dose or patient population
#   that significantly increases the risks (GPO text of 312.2, seen). Treating one patient
#   off-label in practice is not a clinical investigation and needs no IND; a cell product used
#   in a new disease at a new dose rarely meets (iii).
# - 21 CFR 312.305 (requirements for all expanded access) and 312.310 (individual patients,
#   including emergency use): an unapproved (investigational) use outside a trial goes through
#   an expanded-access IND or protocol; the physician must judge the probable risk not greater
#   than that of the disease and FDA that the patient cannot get the drug under another IND
#   (text of 312.310 seen).
# - EU: clinical trials are authorised under Regulation (EU) No 536/2014. Outside trials,
#   Article 5(1) of Directive 2001/83/EC lets a Member State allow an unauthorised medicine "in
#   response to a bona fide unsolicited order ... for use by an individual patient under [the
#   prescriber's] direct personal responsibility" (named-patient use); Article 83 of Regulation
#   (EC) No 726/2004 covers compassionate use programmes for groups of patients with a
#   chronically or seriously debilitating or life-threatening disease not treatable with an
#   authorised medicine, the product being under a marketing-authorisation application or in
#   trials (texts seen in reproductions: IDRAC table quoting Art. 5; Art. 83 in two official
#   translations; EuroGCT summary distinguishing the two). ATMPs prepared on a non-routine basis
#   in a hospital fall under the hospital exemption (Art. 28 of Regulation (EC) No 1394/2007,
#   recalled), which is this gate's HOSPITAL_EXEMPTION route.
OFF_LABEL_SOURCE = Source(
    "21 CFR 312.2(b)(1) (IND exemption for investigations of lawfully marketed drugs); 21 CFR "
    "312.305 and 312.310 (expanded access, individual patients); Regulation (EU) No 536/2014 "
    "(clinical trials); Directive 2001/83/EC Art. 5(1) (named-patient supply); Regulation (EC) "
    "No 726/2004 Art. 83 (compassionate use programmes)",
    Certainty.VERIFIED,
    "https://www.ecfr.gov/current/title-21/chapter-I/subchapter-D/part-312",
)
OFF_LABEL_REASON = (
    "the product is approved only for another indication, not {indication}: studying it in "
    "{indication} needs an IND unless every condition of 21 CFR 312.2(b)(1) holds (no new "
    "indication or labelling claim, no route, dose or population that significantly raises the "
    "risk), or in the EU a trial authorised under Regulation (EU) No 536/2014; treating a patient "
    "outside a trial goes through FDA expanded access (21 CFR 312.305, 312.310) or, in the EU, "
    "named-patient supply (Directive 2001/83/EC Art. 5(1)), a compassionate use programme "
    "(Regulation (EC) No 726/2004 Art. 83) or the hospital exemption; record the programme under "
    "that route"
)
GATE_SOURCE = Source(
    "cell-therapy.md §5.5 items 1-3 (project safeguards derived from 21 CFR 1271.10, 21 CFR 312 "
    "and the FDA consumer warning)",
    Certainty.VERIFIED,
)


@dataclass(frozen=True)
class EthicsApproval:
    """An ethics committee / IRB approval with its validity window (both ends inclusive)."""

    reference: str
    valid_from: date
    valid_to: date

    def __post_init__(self) -> None:
        _check.text("ethics_approval.reference", self.reference)
        # accept ISO strings from forms and JSON, store dates
        object.__setattr__(self, "valid_from",
                           _check.day("ethics_approval.valid_from", self.valid_from))
        object.__setattr__(self, "valid_to", _check.day("ethics_approval.valid_to", self.valid_to))
        if self.valid_to < self.valid_from:
            raise InputError("ethics_approval.valid_to", "is before valid_from")

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_to


@dataclass(frozen=True)
class Programme:
    """A cell-therapy programme as the gate sees it (cell-therapy.md §7, CellTherapyProgram)."""

    name: str
    modality: Modality
    regulatory_status: RegulatoryStatus
    protocol_version: str = ""
    authority: str = ""
    ind_or_cta_number: str = ""
    approved_indications: tuple[str, ...] = ()
    trial_registrations: tuple[str, ...] = ()
    ethics_approval: EthicsApproval | None = None
    authority_document: str = ""  # e.g. the hospital-exemption authorisation reference

    def __post_init__(self) -> None:
        _check.text("programme.name", self.name)
        if not isinstance(self.modality, Modality):
            raise InputError("programme.modality", f"must be one of {[m.value for m in Modality]}")
        if not isinstance(self.regulatory_status, RegulatoryStatus):
            raise InputError("programme.regulatory_status",
                             f"must be one of {[s.value for s in RegulatoryStatus]}")
        for i, trial in enumerate(self.trial_registrations):
            if trial_registry(trial) is None:
                raise InputError(f"programme.trial_registrations[{i}]",
                                 f"{trial!r} is not a recognised NCT, EudraCT, CTIS, ChiCTR or "
                                 "ISRCTN identifier")


def trial_registry(identifier: str) -> str | None:
    """Which registry an identifier's shape belongs to, or None."""
    if not isinstance(identifier, str):
        return None
    for registry, pattern in TRIAL_ID_PATTERNS.items():
        if pattern.match(identifier.strip()):
            return registry
    return None


class Route(StrEnum):
    APPROVED_FOR_INDICATION = "approved_for_indication"
    INVESTIGATIONAL_TRIAL = "investigational_trial"
    HOSPITAL_EXEMPTION = "hospital_exemption"


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer. ``allowed`` is False when blocked; ``reasons`` say why, one per gap."""

    allowed: bool
    route: Route | None
    reasons: tuple[str, ...]
    warning: str = ""
    warning_source: Source | None = None
    source: Source = GATE_SOURCE

    def to_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "route": self.route.value if self.route else None,
            "reasons": list(self.reasons),
            "warning": self.warning,
            "warning_source": self.warning_source.to_dict() if self.warning_source else None,
        }


def _ethics_gap(programme: Programme, on: date) -> str | None:
    approval = programme.ethics_approval
    if approval is None:
        return "no ethics committee / IRB approval is recorded"
    if on < approval.valid_from:
        return f"ethics approval {approval.reference} is not valid until {approval.valid_from}"
    if on > approval.valid_to:
        return f"ethics approval {approval.reference} expired on {approval.valid_to}"
    return None


def evaluate_gate(programme: Programme, on: date, indication: str = "SLE") -> GateDecision:
    """Decide whether an order under ``programme`` for ``indication`` may proceed on ``on``."""
    on = _check.day("on", on)
    indication = _check.text("indication", indication)
    status = programme.regulatory_status
    wanted = indication.casefold()

    if status is RegulatoryStatus.APPROVED_FOR_INDICATION:
        if wanted in {i.casefold() for i in programme.approved_indications}:
            return GateDecision(True, Route.APPROVED_FOR_INDICATION, ())
        reasons = [f"the product's approved indications {list(programme.approved_indications)} "
                   f"do not include {indication}"]
    elif status in _INVESTIGATIONAL:
        reasons = []
        if not programme.ind_or_cta_number.strip():
            reasons.append("no IND / CTA / research-filing number is recorded")
        if not programme.trial_registrations:
            reasons.append("no trial registration (NCT, EudraCT, CTIS, ChiCTR, ISRCTN) is linked")
        if not programme.protocol_version.strip():
            reasons.append("no protocol version is recorded")
        if gap := _ethics_gap(programme, on):
            reasons.append(gap)
        if not reasons:
            return GateDecision(True, Route.INVESTIGATIONAL_TRIAL, ())
    elif status is RegulatoryStatus.HOSPITAL_EXEMPTION:
        reasons = []
        if not programme.authority_document.strip():
            reasons.append("no hospital-exemption authorisation document is recorded")
        if gap := _ethics_gap(programme, on):
            reasons.append(gap)
        if not reasons:
            return GateDecision(True, Route.HOSPITAL_EXEMPTION, ())
    elif status is RegulatoryStatus.APPROVED_OTHER_INDICATION:
        reasons = [OFF_LABEL_REASON.format(indication=indication)]
    elif status is RegulatoryStatus.HCTP_361:
        reasons = ["culture-expanded or gene-modified cells given systemically for lupus are not "
                   "361 HCT/Ps (21 CFR 1271.10(a)): they need an approval, a trial (IND, or an EU "
                   "trial under Regulation (EU) No 536/2014), expanded access (21 CFR 312.305, "
                   "312.310) or an EU named-patient, compassionate-use or hospital-exemption route"]
    else:
        reasons = ["the regulatory status is unknown or unapproved"]
    return GateDecision(False, None, tuple(reasons), FDA_CONSUMER_WARNING,
                        FDA_CONSUMER_WARNING_SOURCE)


@dataclass(frozen=True)
class GateOverride:
    """A physician's override of a blocked order, countersigned by a different person.

    Pure data: the shell stores it (append-only audit) with the decision it overrides.
    """

    decision: GateDecision
    physician: str
    reason: str
    second_signer: str
    signed_at: datetime
    blocked_reasons: tuple[str, ...] = field(default=())


def override_gate(decision: GateDecision, *, physician: str, reason: str, second_signer: str,
                  signed_at: datetime) -> GateOverride:
    """Record an override of a blocked decision; refuses a missing reason or a single signer."""
    if decision.allowed:
        raise InputError("decision", "the order is not blocked: there is nothing to override")
    physician = _check.text("physician", physician)
    reason = _check.text("reason", reason)
    second_signer = _check.text("second_signer", second_signer)
    signed_at = _check.moment("signed_at", signed_at)
    if physician.casefold() == second_signer.casefold():
        raise InputError("second_signer", "must be a different person from the physician")
    return GateOverride(decision, physician, reason, second_signer, signed_at, decision.reasons)
