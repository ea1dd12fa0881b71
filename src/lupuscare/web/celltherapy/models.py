"""Cell-therapy programme records (cell-therapy.md §7): programme, order, eligibility, consent,
product lot, custody, infusion, follow-up, endpoints and adverse events.

Rules live in the pure core (``lupuscare.celltherapy``); these models only store its inputs and
answers, each with a snapshot so a past decision can be explained. Every model keeps its history
(django-simple-history). Writes go through ``services``, one transaction per step. Custody
records are append-only: the hash chain is stored and can be verified at any time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from lupuscare.celltherapy.adverse_events import Causality
from lupuscare.celltherapy.dosing import DoseBasis
from lupuscare.celltherapy.lot import JUDGED_STATES, LotStatus
from lupuscare.celltherapy.product import CAR_T_SOURCES
from lupuscare.celltherapy.regulatory import Modality, RegulatoryStatus
from lupuscare.celltherapy.release import ProductSource
from lupuscare.web.records.models.audit import AuditLogIsAppendOnly, AuditQuerySet

from .protocols import CRITERIA_SETS, ENDPOINT_RULESETS, SCHEDULES

USER = settings.AUTH_USER_MODEL
# core field names -> model fields, for errors raised by the core on a stored programme
_FIELDS = {
    "programme.trial_registrations": "trial_registrations",
    "ethics_approval.reference": "ethics_reference",
    "ethics_approval.valid_from": "ethics_valid_from",
    "ethics_approval.valid_to": "ethics_valid_to",
    "product.source": "product_source", "product.manufacturer": "manufacturer",
    "product.name": "product_name", "dose_rule.target": "dose_target",
    "dose_rule.tolerance_pct": "dose_tolerance_pct", "min_c": "storage_min_c",
    "max_c": "storage_max_c",
}


def _choices(enum) -> list[tuple[str, str]]:
    return [(m.value, m.value.replace("_", " ")) for m in enum]


def _keys(mapping) -> list[tuple[str, str]]:
    return [(k, k) for k in mapping]


class Programme(models.Model):
    """A cell-therapy programme and its protocol data (the core's ``Programme`` plus the
    product, dose, consent form, schedule and endpoint choices the protocol fixes)."""

    name = models.CharField(max_length=200, unique=True)
    modality = models.CharField(max_length=16, choices=_choices(Modality))
    regulatory_status = models.CharField(max_length=40, choices=_choices(RegulatoryStatus))
    authority = models.CharField(max_length=100, blank=True)
    ind_or_cta_number = models.CharField(max_length=100, blank=True)
    trial_registrations = models.JSONField(default=list, blank=True)
    approved_indications = models.JSONField(default=list, blank=True)
    authority_document = models.CharField(max_length=200, blank=True)
    protocol_version = models.CharField(max_length=50, blank=True)
    ethics_reference = models.CharField(max_length=100, blank=True)
    ethics_valid_from = models.DateField(null=True, blank=True)
    ethics_valid_to = models.DateField(null=True, blank=True)
    # protocol data (versioned sets shipped by the core, chosen per programme)
    criteria_set = models.CharField(max_length=40, choices=_keys(CRITERIA_SETS))
    schedule = models.CharField(max_length=40, choices=_keys(SCHEDULES))
    endpoint_ruleset = models.CharField(max_length=40, choices=_keys(ENDPOINT_RULESETS))
    consent_form_version = models.CharField(max_length=50)
    consent_form_effective = models.DateField()
    consent_witness_required = models.BooleanField(default=False)
    # product
    product_name = models.CharField(max_length=100)
    product_source = models.CharField(max_length=40, choices=_choices(ProductSource))
    manufacturer = models.CharField(max_length=200)
    spec_version = models.CharField(max_length=50, default="1")
    max_passage = models.PositiveSmallIntegerField(null=True, blank=True)
    coi_issuer = models.CharField(max_length=10, help_text="3-10 of A-Z and 0-9")
    storage_min_c = models.FloatField()
    storage_max_c = models.FloatField()
    # dose and infusion
    dose_basis = models.CharField(max_length=10, choices=_choices(DoseBasis))
    dose_target = models.FloatField(help_text="cells per kg, per m² or flat")
    dose_tolerance_pct = models.FloatField(default=10.0)
    thaw_to_infusion_max_minutes = models.FloatField(null=True, blank=True)
    vital_ranges = models.JSONField(default=dict, blank=True,
                                    help_text='e.g. {"temperature_c": [35.5, 38.0]}')
    discharge_items = models.JSONField(default=list, blank=True)
    min_observation_hours = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse what the core would refuse (a malformed trial identifier, ethics dates in the
        wrong order, a product source that does not match the modality), naming the field."""
        from lupuscare.errors import InputError

        from . import protocols

        try:
            protocols.core_programme(self)
            protocols.dose_rule(self)
            protocols.storage_range(self)
            if self.modality == "msc" or protocols.car_t_spec_row(self) is not None:
                protocols.product_definition(self)
            elif self.modality == "car_t" and self.product_source not in CAR_T_SOURCES:
                raise InputError("product.source", f"{self.product_source} does not match "
                                                   f"modality car_t")
        except InputError as exc:
            raise ValidationError({_FIELDS.get(exc.field.split("[")[0], NON_FIELD_ERRORS):
                                   f"{exc.field}: {exc.message}"}) from None


class CarTReleaseSpec(models.Model):
    """A CAR-T programme's release specification: the limits the sponsor's product specification
    sets (the core has no CAR-T defaults). Entered by a coordinator; every version is kept in
    history, and a change of limits must carry a new version so a lot's stored evaluation names
    the specification it was judged against."""

    programme = models.OneToOneField(Programme, on_delete=models.PROTECT,
                                     related_name="car_t_spec")
    version = models.CharField(max_length=50)
    car_positive_min_pct = models.FloatField(help_text="CAR+ (transduced) cells, minimum %")
    viability_min_pct = models.FloatField(help_text="viable cells, minimum %")
    vcn_max_copies_per_cell = models.FloatField(help_text="vector copy number, maximum")
    rcl_required = models.BooleanField(
        default=True, help_text="replication-competent lenti/retrovirus result required")
    entered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.programme} release spec {self.version}"

    def clean(self) -> None:
        """Refuse limits the core refuses, naming the field, and a non-CAR-T programme."""
        from lupuscare.errors import InputError

        from . import protocols

        try:
            protocols.car_t_spec_from(self)
        except InputError as exc:
            field = exc.field if exc.field in {f.name for f in self._meta.fields} \
                else NON_FIELD_ERRORS
            raise ValidationError({field: f"{exc.field}: {exc.message}"}) from None


class Enrolment(models.Model):
    """One patient's order in a programme: referral, the gate decision, and everything after."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    patient = models.ForeignKey("records.Patient", on_delete=models.PROTECT,
                                related_name="celltherapy_enrolments")
    referred_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    referred_on = models.DateField()
    referral_reason = models.TextField()
    indication = models.CharField(max_length=50, default="SLE")
    gate_allowed = models.BooleanField()
    gate_decision = models.JSONField(help_text="the core's GateDecision at order time")
    withdrawn_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["programme", "patient"],
                                               name="one_enrolment_per_programme")]

    def __str__(self) -> str:
        return f"{self.programme} / patient {self.patient_id}"


class GateOverride(models.Model):
    """A named physician's override of a blocked order; valid only once a different user has
    countersigned it. Both signatures are also written to the audit log."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="overrides")
    decision = models.JSONField(help_text="the blocked decision it overrides (its reasons)")
    physician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    requested_at = models.DateTimeField()
    second_signer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"override of order {self.enrolment_id}"

    @property
    def effective(self) -> bool:
        return self.second_signer_id is not None


class EligibilityAssessment(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="eligibility")
    protocol = models.CharField(max_length=200)
    version = models.CharField(max_length=200)
    eligible = models.BooleanField()
    inputs = models.JSONField(help_text="what the record and the clinician supplied")
    result = models.JSONField(help_text="per criterion: status and reason")
    assessment = models.ForeignKey("records.Assessment", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"eligibility {self.enrolment_id} {self.assessed_at:%Y-%m-%d}"


class Consent(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="consents")
    consent_id = models.CharField(max_length=100)
    form_version = models.CharField(max_length=50)
    signed_on = models.DateField()
    signer = models.CharField(max_length=200)
    witness = models.CharField(max_length=200, blank=True)
    scopes = models.JSONField(default=list)
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"consent {self.consent_id} ({self.form_version})"


class Lot(models.Model):
    """A product lot for one patient's therapy, with its chain-of-identity identifier."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="lots")
    lot_number = models.CharField(max_length=64, unique=True)
    coi_identifier = models.CharField(max_length=32, unique=True)
    external_coi = models.CharField(max_length=64, blank=True,
                                    help_text="a licensed site's ISBT 128 identifier, if any")
    donor_code = models.CharField(max_length=64, blank=True)
    donor_results = models.JSONField(default=dict, blank=True)
    donor_eligible = models.BooleanField()
    donor_detail = models.JSONField(default=dict, blank=True)
    collected_on = models.DateField()
    collection_site = models.CharField(max_length=200)
    passage = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=40, choices=_choices(LotStatus),
                              default=LotStatus.QUARANTINE.value)
    evaluation = models.JSONField(null=True, blank=True, help_text="the core's ReleaseEvaluation")
    custody_head = models.CharField(max_length=64, blank=True)
    custody_length = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.lot_number

    @property
    def awaiting_decision(self) -> bool:
        """Still to be judged against its specification (``lupuscare.celltherapy.lot``)."""
        return self.status in {s.value for s in JUDGED_STATES}


class QcResult(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="qc_results")
    attribute = models.CharField(max_length=64)
    value = models.JSONField(help_text="a number, or text for qualitative tests")
    entered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["lot", "attribute"],
                                               name="one_result_per_attribute")]

    def __str__(self) -> str:
        return f"{self.attribute} = {self.value}"


class LotEvent(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=40)
    to_status = models.CharField(max_length=40)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class CustodyIsAppendOnly(AuditLogIsAppendOnly):
    """Raised on any attempt to change or delete a custody record (queryset updates and deletes
    raise the audit log's ``AuditLogIsAppendOnly``, of which this is a kind)."""


class CustodyRecord(models.Model):
    """One link of the hash chain: the canonical event, the previous hash and its own hash."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="custody")
    sequence = models.PositiveIntegerField()
    event = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    # the audit log's queryset: update(), bulk_update() and delete() refuse
    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["lot", "sequence"]
        constraints = [models.UniqueConstraint(fields=["lot", "sequence"],
                                               name="one_custody_record_per_sequence")]

    def __str__(self) -> str:
        return f"custody {self.lot_id}#{self.sequence}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise CustodyIsAppendOnly("custody records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CustodyIsAppendOnly("custody records cannot be deleted")

    def as_chain_record(self) -> dict:
        return {"event": self.event, "prev_hash": self.prev_hash, "hash": self.hash}


class SignOffStep(models.TextChoices):
    """The two-person steps: a second person signs in at that moment (see ``services.signoff``)."""

    BEDSIDE_IDENTITY = "bedside_identity", "bedside identity check (second verifier)"
    QA_RELEASE = "qa_release", "QA lot release"
    RELEASE_ACKNOWLEDGEMENT = "release_acknowledgement", \
        "physician acknowledgement of an exceptional release"
    OVERRIDE_COUNTERSIGNATURE = "override_countersignature", "gate override countersignature"


class SignOffIsAppendOnly(AuditLogIsAppendOnly):
    """Raised on any attempt to change or delete a sign-off attempt."""


class SignOff(models.Model):
    """One attempt by a second person to sign a two-person step: who tried (as typed, and the
    account once authenticated), for which step and patient, with whom as the first person, and
    whether it was accepted or why not. Append-only, like the audit log; written outside the
    step's transaction so a refused attempt stays recorded."""

    step = models.CharField(max_length=32, choices=SignOffStep.choices)
    patient = models.ForeignKey("records.Patient", on_delete=models.DO_NOTHING,
                                db_constraint=False, null=True, blank=True, related_name="+")
    first_users = models.JSONField(default=list, help_text="usernames of the first person(s)")
    username = models.CharField(max_length=150, help_text="the username given by the second person")
    signer = models.ForeignKey(USER, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                               blank=True, related_name="+")
    accepted = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    authenticated = models.BooleanField(
        default=True, help_text="False only for the demo loader's synthetic sign-offs")
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.step} by {self.username}: {'accepted' if self.accepted else 'refused'}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise SignOffIsAppendOnly("sign-off attempts cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignOffIsAppendOnly("sign-off attempts cannot be deleted")


class PreInfusionCheck(models.Model):
    """The bedside check that cleared an infusion to start (the core's ``pre_infusion_check``):
    identity read from the bag by the first verifier and confirmed by a signed-in second one (or
    an electronic scan), the planned dose and endotoxin per kg, the thaw end and planned start.
    Only a cleared check is stored; a blocked one is refused with its reasons."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="pre_checks")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="pre_checks")
    first_verifier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    second_verifier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True)
    second_signoff = models.ForeignKey(SignOff, on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True)
    electronic_scan = models.BooleanField(default=False)
    identity = models.JSONField(help_text="what was read from the bag and the wristband")
    weight_kg = models.FloatField(null=True, blank=True)
    height_cm = models.FloatField(null=True, blank=True)
    planned_cells = models.FloatField(help_text="viable cells in the bag, to be infused")
    dose = models.JSONField(help_text="the core's DoseAssessment of the planned cells")
    volume_ml = models.FloatField(null=True, blank=True)
    endotoxin = models.JSONField(null=True, blank=True, help_text="the core's EndotoxinCheck")
    thaw_end = models.DateTimeField(null=True, blank=True)
    planned_start = models.DateTimeField()
    checked_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"pre-infusion check {self.enrolment_id} {self.checked_at:%Y-%m-%d %H:%M}"


class Infusion(models.Model):
    """What was infused: the delivered dose, the times, vitals and reactions, the pre-infusion
    check that cleared it (if any), and every deviation the core found. Always recordable: a
    deviation that has happened is flagged, never refused."""

    # PROTECT: an infusion that happened outlives any attempt to delete its order or its lot
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="infusions")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="infusions")
    pre_check = models.OneToOneField(PreInfusionCheck, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="infusion")
    weight_kg = models.FloatField(null=True, blank=True)
    height_cm = models.FloatField(null=True, blank=True)
    target_cells = models.FloatField()
    delivered_cells = models.FloatField()
    dose = models.JSONField(help_text="the core's DoseAssessment")
    volume_ml = models.FloatField(null=True, blank=True, help_text="volume infused (mL)")
    endotoxin = models.JSONField(null=True, blank=True,
                                 help_text="the core's EndotoxinCheck (EU/kg and EU/kg/h)")
    first_verifier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                       null=True, blank=True)
    second_verifier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True)
    electronic_scan = models.BooleanField(default=False)
    identity = models.JSONField(help_text="what was read from the bag and the wristband")
    thaw_end = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    vitals = models.JSONField(default=list, blank=True)
    reactions = models.JSONField(default=list, blank=True)
    checks = models.JSONField(help_text="the core's InfusionRecord: problems and vital flags")
    deviations = models.JSONField(default=list, blank=True,
                                  help_text="the core's deviations: [{code, detail}]")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"infusion {self.enrolment_id} {self.started_at:%Y-%m-%d}"

    @property
    def day0(self):
        return self.started_at.date()


class Discharge(models.Model):
    infusion = models.OneToOneField(Infusion, on_delete=models.CASCADE, related_name="discharge")
    checklist = models.JSONField(default=dict)
    decided_at = models.DateTimeField()
    ready = models.BooleanField()
    unmet = models.JSONField(default=list)
    stay_near_centre_until = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"discharge of infusion {self.infusion_id}"


class FollowUpVisit(models.Model):
    """A planned visit generated from the protocol's schedule; done when linked to a visit."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="visits")
    label = models.CharField(max_length=50)
    target = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    assessment = models.ForeignKey("records.Assessment", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    done_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "label"],
                                               name="one_visit_per_label")]

    def __str__(self) -> str:
        return f"{self.label} ({self.target})"


class EndpointResult(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="endpoints")
    visit = models.ForeignKey(FollowUpVisit, on_delete=models.CASCADE, related_name="endpoints")
    ruleset = models.CharField(max_length=200)
    version = models.CharField(max_length=50)
    result = models.CharField(max_length=50, blank=True, help_text="empty: not evaluable")
    certainty = models.CharField(max_length=20)
    inputs = models.JSONField(help_text="visit and baseline values given to the ruleset")
    instruments = models.JSONField(help_text="instrument results (with versions) behind inputs")
    detail = models.JSONField(default=list)
    missing = models.JSONField(default=list)
    computed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ruleset}: {self.result or 'not evaluable'}"


class AdverseEvent(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT,
                                  related_name="adverse_events")
    term = models.CharField(max_length=200)
    onset = models.DateField()
    ctcae_grade = models.PositiveSmallIntegerField()
    crs_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    crs_detail = models.JSONField(null=True, blank=True)
    icans_grade = models.PositiveSmallIntegerField(null=True, blank=True)
    ice_score = models.PositiveSmallIntegerField(null=True, blank=True)
    icans_detail = models.JSONField(null=True, blank=True)
    seriousness = models.JSONField(default=list, blank=True)
    causality = models.CharField(max_length=16, choices=_choices(Causality))
    expected = models.BooleanField()
    sponsor_first_knowledge = models.DateField(null=True, blank=True)
    report_required = models.BooleanField()
    report_due = models.DateField(null=True, blank=True)
    follow_up_due = models.DateField(null=True, blank=True)
    reporting_reason = models.CharField(max_length=200)
    submitted_on = models.DateField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-onset", "-id"]

    def __str__(self) -> str:
        return f"{self.term} (grade {self.ctcae_grade})"

    @property
    def serious(self) -> bool:
        return bool(self.seriousness)

