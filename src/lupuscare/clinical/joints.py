"""The 28-joint count: shoulders, elbows, wrists, ten MCPs, ten PIPs (thumb IP counted as the
first PIP) and knees, right and left: the DAS28 joint set (Prevoo MLL et al. Modified disease
activity scores that include twenty-eight-joint counts. Arthritis Rheum 1995;38:44-8,
doi:10.1002/art.1780380107). Certainty: the paper and its 28 swollen/tender joint counts were
confirmed through a secondary summary (searched 2026-11-25); the joint list itself is the
standard DAS28 set [known, not re-read in the paper]. SLE-DAS uses the same 28-joint swollen count.
The visit form lays the joints out as a body; the counts go to the assessment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Joint:
    name: str  # e.g. "r_mcp2"
    label: str  # e.g. "Right MCP 2"
    side: str  # "r" or "l"
    region: str  # shoulder, elbow, wrist, mcp, pip, knee


def _joints() -> tuple[Joint, ...]:
    out: list[Joint] = []
    for side, word in (("r", "Right"), ("l", "Left")):
        for region in ("shoulder", "elbow", "wrist"):
            out.append(Joint(f"{side}_{region}", f"{word} {region}", side, region))
        for region in ("mcp", "pip"):
            for digit in range(1, 6):
                label = f"{word} {region.upper()} {digit}"
                out.append(Joint(f"{side}_{region}{digit}", label, side, region))
        out.append(Joint(f"{side}_knee", f"{word} knee", side, "knee"))
    return tuple(out)


JOINTS: tuple[Joint, ...] = _joints()
JOINT_NAMES: frozenset[str] = frozenset(j.name for j in JOINTS)
if len(JOINTS) != 28:  # pragma: no cover - the definition above
    raise AssertionError("the 28-joint count must have 28 joints")


def count(selected: list[str] | tuple[str, ...] | set[str]) -> int:
    """How many distinct joints of the 28 are in ``selected`` (unknown names raise ValueError)."""
    unknown = set(selected) - JOINT_NAMES
    if unknown:
        raise ValueError(f"unknown joints: {', '.join(sorted(unknown))}")
    return len(set(selected))
