"""The cell-therapy programme core (MSC and CAR-T for refractory lupus): pure Python, no I/O.

No MSC or CAR-T product is approved for lupus; the core supports trials and approved use and
refuses the rest. Modules, one concern each:

- ``regulatory``: programme pathway and the order gate (blocked decisions, FDA warning, override)
- ``eligibility``: protocol criteria as versioned data, per-criterion pass/fail and why
- ``consent``: version, scope, witness, re-consent, withdrawal
- ``release`` / ``product`` / ``donor``: release specification (ISCT panel), lot evaluation,
  product definitions, allogeneic donor screening
- ``lot``: the lot status machine with two-person QA release
- ``identity`` / ``custody``: chain-of-identity identifier, hash-chained custody events
- ``dosing`` / ``infusion``: dose and endotoxin checks, bedside checks, discharge
- ``followup`` / ``endpoints``: visit schedules and windows; response and relapse rulesets
- ``adverse_events``: CTCAE, ASTCT CRS/ICANS, seriousness, expedited-reporting clocks
- ``outcomes``: response-rate intervals and Kaplan-Meier relapse-free survival

Every threshold sits next to a :class:`~lupuscare.celltherapy.sources.Source` that says how far
it was checked. See ``docs/celltherapy.md``.
"""
