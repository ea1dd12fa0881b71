"""Property-based fuzzing of the command line (issue 12.3): no input ever gives a traceback.

For every command that reads a file (``score``, ``alerts``, ``meta``; ``fhir import`` once it
exists: add it to ``COMMANDS`` and it is fuzzed the same way), whatever bytes arrive on stdin:
the exit status is one the docs list (0 done, 2 bad input; 1 is an internal error, i.e. a bug, so
it must not occur here), stderr is at most one line, and nothing says "Traceback" or "internal
error". Inputs mix raw bytes, JSON values, documents shaped like the contract's (so the core is
reached, not only the parser) and the inputs that crashed before: non-UTF-8 bytes, JSON nested
thousands deep, integers of thousands of digits, CSV fields over the csv module's 128 KiB limit.
In-process through Typer's runner, bounded examples; ``test_process.py`` runs whole processes.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.cli.helpers import invoke

from lupuscare.cli import app

# command prefix -> how its input is generated ("json" documents / JSON lines, or "csv")
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "score sledai2k": (("score", "sledai2k", "-", "--json"), "json"),
    "score all": (("score", "all", "-", "--json"), "json"),
    "score sle-das batch": (("score", "sle-das", "-", "--batch", "--json"), "jsonl"),
    "score all batch": (("score", "all", "-", "--batch"), "jsonl"),
    "alerts": (("alerts", "-", "--json"), "json"),
    "alerts table": (("alerts", "-"), "json"),
    "alerts batch": (("alerts", "-", "--batch", "--json"), "jsonl"),
    "meta": (("meta", "-", "--measure", "GEN", "--json"), "csv"),
    "meta OR": (("meta", "-", "--measure", "OR", "--method", "DL"), "csv"),
    "fhir import": (("fhir", "import", "-"), "json"),  # skipped until the command exists
}

# Bounded and reproducible for the test suite; LUPUSCARE_FUZZ_EXAMPLES=2000 for a longer,
# randomised hunt (what it finds becomes an explicit test below).
_LONG = os.environ.get("LUPUSCARE_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(_LONG or 40), derandomize=not _LONG, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _registered(args: tuple[str, ...]) -> bool:
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    return args[0] in names


def check(args: tuple[str, ...], data: bytes) -> None:
    r = invoke(*args, input=data)
    assert r.exception is None, f"{type(r.exception).__name__}: {r.exception}"
    assert r.code in (0, 2), (r.code, r.err)
    assert "Traceback" not in r.err and "Traceback" not in r.out
    assert "internal error" not in r.err, r.err
    assert r.err.count("\n") <= 1, r.err
    if r.code:
        assert r.err.startswith("error: ") and r.err.endswith("\n"), r.err


# --- generators ------------------------------------------------------------------------------
_scalars = (st.none() | st.booleans() | st.integers(-(10**30), 10**30)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
json_values = st.recursive(_scalars, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=12)

_dates = st.sampled_from(["2026-03-01", "2025-12-31", "2026-02-30", "0001-01-01", "9999-12-31",
                          "yesterday", ""]) | st.dates().map(str)
_tests = st.sampled_from(["platelets", "wbc", "upcr", "c3", "anti_dsdna", "temperature",
                          "hemoglobin", "egfr", "neutrophils", "nonsense"])
_units = st.sampled_from(["10*9/L", "/uL", "g/L", "mg/dL", "mg/g", "mg/mmol", "Cel", "[degF]",
                          "kg", ""])
_numbers = (st.integers(-5, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
            | st.just(10**25) | st.text(max_size=3))
_lab = st.fixed_dictionaries({"test": _tests, "value": _numbers},
                             optional={"unit": _units, "date": _dates, "low": _numbers,
                                       "high": _numbers})
_drug = st.fixed_dictionaries(
    {"drug": st.sampled_from(["hydroxychloroquine", "prednisone", "mycophenolate_mofetil",
                              "cyclophosphamide", "Prednisone", "unknown_drug"])},
    optional={"daily_dose_mg": _numbers, "start": _dates, "stop": _dates,
              "pulse": st.booleans() | st.text(max_size=3), "route": st.text(max_size=5),
              "reason_not_prescribed": st.text(max_size=5) | st.none()})
_findings = st.lists(st.sampled_from(["arthritis", "alopecia", "fever", "seizure", "knee",
                                      "rash_generalized", "proteinuria"]), max_size=4)

assessments = st.fixed_dictionaries({}, optional={
    "date": _dates, "findings": _findings, "not_attributable": _findings,
    "pga": _numbers, "window_days": _numbers, "labs": st.lists(_lab, max_size=3),
    "medications": st.lists(_drug, max_size=3),
    "joints": st.fixed_dictionaries({}, optional={"swollen_28": _numbers, "tender_28": _numbers}),
    "patient": st.fixed_dictionaries({}, optional={"birth_date": _dates, "sex": st.text(max_size=6),
                                                   "weight_kg": _numbers}),
    "previous": st.fixed_dictionaries({}, optional={"date": _dates, "findings": _findings,
                                                    "pga": _numbers}),
    "bilag": json_values, "criteria": _findings, "ana_titer": _numbers,
})
contexts = st.fixed_dictionaries({}, optional={
    "today": _dates, "birth_date": _dates, "sex": st.sampled_from(["female", "male", "x"]),
    "weight_kg": _numbers, "weight_date": _dates, "can_become_pregnant": st.booleans() | _numbers,
    "contraception_recorded": st.booleans() | st.none(), "eye_exams": st.lists(_dates, max_size=2),
    "hcq_risk_factors": st.dictionaries(st.sampled_from(["tamoxifen", "egfr_below_60", "x"]),
                                        st.booleans() | st.none(), max_size=2),
    "medications": st.lists(_drug, max_size=3), "labs": st.lists(_lab, max_size=3),
    "diary_red_flags": st.lists(st.fixed_dictionaries({"flag": st.sampled_from(
        ["chest_pain_breathing", "fever", "seizure", "headache"]), "date": _dates}), max_size=2),
})

adversarial = st.sampled_from([
    b"\xff\xfe{}", b'{"findings": ["\xe9"]}', b"\x00", b"", b"\n\n", b"\xef\xbb\xbf{}",
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"pga": ' + b"9" * 5000 + b"}", b'{"today": "2026-03-01", "weight_kg": ' + b"9" * 400 + b"}",
    b'{"pga": NaN}', b'{"pga": Infinity}', b'{"pga": 1e999}', b'{"findings": "arthritis"}',
    b'{"today": "2026-03-01", "labs": [{"test": "platelets", "value": 1e999, "date": "2026-03-01"}]}',
    b'{"findings": [], "window_days": ' + b"9" * 30 + b"}",
    b'"\\ud800"', b'{"findings": ["\\udcff"]}',
])


def _jsonish(documents: st.SearchStrategy) -> st.SearchStrategy[bytes]:
    return st.one_of(
        documents.map(lambda d: json.dumps(d).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=64),
        adversarial,
    )


def _jsonl(documents: st.SearchStrategy) -> st.SearchStrategy[bytes]:
    return st.lists(_jsonish(documents), min_size=1, max_size=4).map(lambda xs: b"\n".join(xs))


_cells = st.one_of(st.integers(-3, 60).map(str), st.floats(-5, 5).map(repr),
                   st.sampled_from(["", "NA", "x", "1e999", "-0", "9" * 5000, "nan"]))
_columns = st.sampled_from([("yi", "vi"), ("ai", "bi", "ci", "di"), ("yi", "vi", "study"),
                            ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), ("yi",)])


@st.composite
def csv_files(draw) -> bytes:
    columns = draw(_columns)
    rows = draw(st.lists(st.lists(_cells, min_size=len(columns), max_size=len(columns) + 1),
                         max_size=6))
    text = "\n".join([",".join(columns), *(",".join(r) for r in rows)])
    return text.encode()


csv_inputs = st.one_of(
    csv_files(), st.binary(max_size=64),
    st.sampled_from([b"yi,vi\n1," + b"1" * 200_000 + b"\n2,0.1\n", b"\xff\xfeyi,vi\n1,2\n",
                     b"yi,vi\n", b"", b'yi,vi\n"1,0.1\n', b"yi,vi\n1,0.1,3\n2,0.2\n"]),
)

INPUTS = {"json": {"score": _jsonish(assessments), "alerts": _jsonish(contexts),
                   "fhir": _jsonish(json_values)},
          "jsonl": {"score": _jsonl(assessments), "alerts": _jsonl(contexts)},
          "csv": {"meta": csv_inputs}}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_input_gives_a_traceback(name):
    args, kind = COMMANDS[name]
    if not _registered(args):
        pytest.skip(f"`lupuscare {args[0]}` does not exist yet")
    inputs = INPUTS[kind][args[0]]

    @FUZZ
    @given(data=inputs)
    @example(data=b"\xff\xfe")
    @example(data=b"[" * 100_000)
    @example(data=b"9" * 10_000)
    def fuzz(data: bytes) -> None:
        check(args, data)

    fuzz()


_meta_options = st.lists(st.sampled_from([
    "--vtype", "--stepadj", "--level", "--method", "--test", "--ri", "--mods", "--cumul",
    "--subgroup", "--measure"]), max_size=2)


@FUZZ
@given(options=_meta_options, values=st.lists(
    st.sampled_from(["LS", "UB", "XX", "0", "-1", "nan", "inf", "1e999", "0.5", "", "yi", "\udcff",
                     "9" * 5000]), min_size=2, max_size=2))
def test_meta_options_never_give_a_traceback(options, values):
    argv = ["meta", "-", "--measure", "GEN", "--json"]
    for option, value in zip(options, values, strict=False):
        argv += [option, value]
    check(tuple(argv), b"yi,vi,study\n0.1,0.02,a\n0.3,0.05,b\n-0.1,0.04,c\n")


@FUZZ
@given(argv=st.lists(st.sampled_from(["score", "alerts", "meta", "-", "--json", "--batch", "-o",
                                      "k=5", "sledai2k", "all", "--bogus", "x", "\udcff", "--help",
                                      "evidence", "--measure"]), max_size=5))
def test_any_argument_list_ends_in_one_line(argv):
    r = invoke(*argv, input=b"{}")
    assert r.exception is None, f"{type(r.exception).__name__}: {r.exception}"
    assert r.code in (0, 2), (r.code, r.err)
    assert "Traceback" not in r.err and r.err.count("\n") <= 1, r.err


def test_sle_das_zero_platelet_count_is_bad_input_not_a_crash():
    """Found by this fuzz test: SLE-DAS takes ln() of the platelet count, so a count of 0 raised
    'math domain error'; it is now refused as bad input naming the labs."""
    check(("score", "all", "-", "--json"),
          b'{"labs": [{"test": "platelets", "value": 0, "unit": "10*9/L"}]}')
