"""`lupuscare meta FILE.csv --measure M [--method X] [--test z|knha] [--json]` (contracts.md §4).

Columns follow metafor's names (``ai,bi,ci,di``; ``m1i,sd1i,n1i,m2i,sd2i,n2i``; ``yi,vi``;
``xi,ni``; ``m1i,m2i,sd1i,sd2i,ni,ri``; ``ri,ni``; ``xi,ti``; ``x1i,t1i,x2i,t2i``; ``mi,sdi,ni``), optional ``study`` labels and moderator columns.
Extensions: ``--method MH|PETO`` (Mantel–Haenszel, Peto; 2×2 data), ``--mods a,b``
(meta-regression), ``--level``, ``--ri`` (assumed pre–post correlation), ``--vtype``,
``--stepadj`` (Fisher-scoring step factor), ``--confint`` (Q-profile CIs of τ²/I²/H²), ``--leave1out``, ``--cumul COLUMN``, ``--influence``,
``--bias`` (Egger, Begg, trim-and-fill), ``--subgroup COLUMN``, ``--forest FILE.svg|png``,
``--funnel FILE.svg|png``. FILE may be ``-`` for stdin.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lupuscare.cli.errors import fail
from lupuscare.errors import InputError


def _read_csv(path: str) -> dict[str, list[str]]:
    """The file's columns, by the engine's one CSV reader (duplicate columns refused)."""
    from lupuscare.evidence.csv_table import read_columns

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{path}: {getattr(e, 'strerror', None) or e}")
    try:
        return read_columns(text, field=path)
    except InputError as e:
        fail(str(e))


def _numbers(columns: dict[str, list[str]], name: str) -> list[float]:
    if name not in columns:
        raise InputError(name, f"column {name!r} is not in the file")
    out = []
    for i, value in enumerate(columns[name]):
        try:
            out.append(float(value))
        except ValueError:
            raise InputError(f"{name}[{i}]", f"not a number: {value!r}") from None
    return out


def _write_plot(path: str, make) -> None:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise InputError("plot", f"{path}: the file name must end in .svg or .png")
    try:
        Path(path).write_bytes(make(fmt))
    except OSError as e:
        fail(f"{path}: {e.strerror or e}")


def run(columns: dict[str, list[str]], opts: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The analysis behind the command: returns (fit, JSON-ready output)."""
    from lupuscare import evidence as ev  # names load lazily: only what this run uses

    measure = opts["measure"].upper()
    method = opts["method"].upper()
    extra: dict[str, Any] = {}
    if opts.get("ri") is not None:
        extra["ri"] = opts["ri"]
    if opts.get("vtype"):
        extra["vtype"] = opts["vtype"]
    if "ri" in extra:
        columns = {**columns, "ri": [str(extra.pop("ri"))] * len(next(iter(columns.values())))}
    es = ev.escalc_frame(measure, columns, **extra)
    if method in ("MH", "PETO"):
        if measure not in ("OR", "RR", "RD") or (method == "PETO" and measure != "OR"):
            raise InputError("method", f"{method} needs 2x2 data and measure OR (or RR/RD for MH)")
        c = es.columns
        if method == "MH":
            fit = ev.rma_mh(
                c["ai"],
                c["bi"],
                c["ci"],
                c["di"],
                measure=measure,
                level=opts["level"],
                labels=es.labels,
            )
        else:
            fit = ev.rma_peto(
                c["ai"], c["bi"], c["ci"], c["di"], level=opts["level"], labels=es.labels
            )
    else:
        mods = None
        if opts.get("mods"):
            for name in opts["mods"]:
                if name not in columns:
                    raise InputError(name, f"column {name!r} is not in the file")
            # text columns become dummy-coded factors (first level in sorted order = reference)
            mods = {name: columns[name] for name in opts["mods"]}
        fit = ev.rma(
            es, method=method, test=opts["test"], mods=mods, level=opts["level"],
            stepadj=opts.get("stepadj") or 1.0,
        )  # fmt: skip
    out = fit.to_dict()
    if opts.get("confint"):
        out["confint"] = ev.confint_tau2(fit).to_dict()
    refit_notes: list[str] = []
    if opts.get("leave1out"):
        table = ev.leave1out(fit)
        out["leave1out"] = table.to_dict()["rows"]  # a failed refit is a row of nulls
        refit_notes += [f"leave1out: {n}" for n in table.notes]
    if opts.get("cumul"):
        key = opts["cumul"]
        if key not in columns:
            raise InputError("cumul", f"column {key!r} is not in the file")
        order = _numbers(columns, key)
        table = ev.cumul(fit, order=order)
        out["cumul"] = table.to_dict()["rows"]
        refit_notes += [f"cumul: {n}" for n in table.notes]
    if opts.get("influence"):
        inf = ev.influence(fit)
        out["influence"] = inf.to_dict()["rows"]
        refit_notes += [f"influence: {n}" for n in inf.notes]
    if refit_notes:
        out["refit_notes"] = refit_notes
    if opts.get("bias"):
        out["regtest"] = ev.regtest(fit).to_dict()
        out["ranktest"] = ev.ranktest(fit).to_dict()
        tf = ev.trimfill(fit)
        out["trimfill"] = {
            "k0": tf.k0, "se_k0": tf.se_k0, "side": tf.side, "estimate": tf.fit.estimate,
            "ci_lb": tf.fit.ci_lb, "ci_ub": tf.fit.ci_ub, "tau2": tf.fit.tau2,
        }  # fmt: skip
    if opts.get("subgroup"):
        key = opts["subgroup"]
        if key not in columns:
            raise InputError("subgroup", f"column {key!r} is not in the file")
        out["subgroups"] = ev.subgroup(
            es, groups=columns[key], method=method, test=opts["test"], level=opts["level"]
        ).to_dict()
    if opts.get("forest") or opts.get("funnel"):
        from lupuscare.evidence import plots  # matplotlib: imported only to draw

        if opts.get("forest"):
            _write_plot(opts["forest"], lambda fmt: plots.forest(fit, fmt=fmt))
        if opts.get("funnel"):
            _write_plot(opts["funnel"], lambda fmt: plots.funnel(fit, fmt=fmt))
    return fit, out


def _check_options(measure: str, vtype: str | None, stepadj: float) -> None:
    """Refuse option values the engine would otherwise ignore or trip over (exit 2)."""
    from lupuscare.evidence.effect_sizes import VTYPES

    if vtype is not None:
        allowed = VTYPES.get(measure.upper(), ("LS",))
        if vtype.upper() not in allowed:
            fail(f"--vtype: {vtype!r} is not a variance type for {measure.upper()}; one of "
                 f"{', '.join(allowed)}")  # fmt: skip
    if not (math.isfinite(stepadj) and stepadj > 0):
        fail(f"--stepadj: must be a positive number (0.5 halves each step), got {stepadj:g}")


def register(app: typer.Typer) -> None:
    @app.command("meta")
    def meta(
        file: Annotated[
            str, typer.Argument(help="CSV file with metafor column names, or - for stdin")
        ],
        measure: Annotated[
            str,
            typer.Option(
                "--measure",
                help="RR, OR, RD, SMD, MD, ROM, MC, SMCC, SMCR, PR, PLN, PLO, PAS, PFT, COR, "
                "ZCOR, IR, IRLN, IRS, IRFT, IRR, IRD, MN, MNLN, GEN",
            ),
        ],
        method: Annotated[
            str, typer.Option(help="EE, DL, REML, ML, PM, EB, HE, SJ, HS; MH or PETO for 2x2 data")
        ] = "REML",
        test: Annotated[str, typer.Option(help="z or knha (Knapp-Hartung)")] = "z",
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        level: Annotated[float, typer.Option(help="confidence level, percent")] = 95.0,
        mods: Annotated[str | None, typer.Option(help="moderator columns, comma-separated")] = None,
        ri: Annotated[
            float | None, typer.Option(help="assumed pre-post correlation (MC, SMCC, SMCR)")
        ] = None,
        vtype: Annotated[
            str | None, typer.Option(help="variance variant (LS, UB, HO, LS2)")
        ] = None,
        stepadj: Annotated[
            float, typer.Option(help="Fisher-scoring step factor (0.5 if it oscillates)")
        ] = 1.0,
        confint: Annotated[
            bool, typer.Option("--confint", help="Q-profile CIs for tau2, I2, H2")
        ] = False,
        leave1out: Annotated[bool, typer.Option("--leave1out", help="leave-one-out table")] = False,
        cumul: Annotated[
            str | None, typer.Option(help="cumulative analysis ordered by this column")
        ] = None,
        influence: Annotated[
            bool, typer.Option("--influence", help="influence diagnostics")
        ] = False,
        bias: Annotated[bool, typer.Option("--bias", help="Egger, Begg and trim-and-fill")] = False,
        subgroup: Annotated[
            str | None, typer.Option(help="subgroup analysis by this column")
        ] = None,
        forest: Annotated[
            str | None, typer.Option(help="write a forest plot (.svg or .png)")
        ] = None,
        funnel: Annotated[
            str | None, typer.Option(help="write a funnel plot (.svg or .png)")
        ] = None,
    ) -> None:
        """One meta-analysis of a CSV file (contracts.md section 4)."""
        _check_options(measure, vtype, stepadj)
        columns = _read_csv(file)
        if ri is not None and "ri" in columns:
            fail("--ri: the file already has an 'ri' column")
        opts = {
            "measure": measure, "method": method, "test": test, "level": level, "ri": ri,
            "stepadj": stepadj,
            "mods": [m.strip() for m in mods.split(",") if m.strip()] if mods else None,
            "vtype": vtype, "confint": confint, "leave1out": leave1out, "cumul": cumul,
            "influence": influence, "bias": bias, "subgroup": subgroup, "forest": forest,
            "funnel": funnel,
        }  # fmt: skip
        try:
            fit, out = run(columns, opts)
        except InputError as e:
            fail(str(e))
        if as_json:
            print(json.dumps(out, indent=None, sort_keys=False))
        else:
            for warning in fit.warnings:  # also in the JSON's "warnings" list
                print(f"warning: {' '.join(warning.split())}", file=sys.stderr)
            print(fit.summary())
            for key in (
                "confint",
                "leave1out",
                "cumul",
                "influence",
                "regtest",
                "ranktest",
                "trimfill",
                "subgroups",
            ):
                if key in out:
                    print(f"\n{key}: {json.dumps(out[key], indent=1)}")
