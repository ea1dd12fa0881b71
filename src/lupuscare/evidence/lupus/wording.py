"""What each GRADE certainty level means, in the words patients read (report and /evidence/).

Source: the GRADE definitions of the four levels (Balshem et al., *J Clin Epidemiol* 2011;64:401,
Table 2), seen as reproduced in Fretheim et al., *BMC Medicine* 2012;10:33, Table 1, and in the
same words in a BMJ Evidence-Based Medicine table of the GRADE categories. Certainty of this
citation: checked against two secondary reproductions; the primary paper was not seen.
"""

from __future__ import annotations

CERTAINTY_MEANING: dict[str, str] = {
    "high": "We are very confident that the true effect lies close to what the studies found.",
    "moderate": (
        "We are moderately confident: the true effect is likely to be close to what the studies "
        "found, but it may be substantially different."
    ),
    "low": (
        "Our confidence is limited: the true effect may be substantially different from what the "
        "studies found."
    ),
    "very low": (
        "We have very little confidence: the true effect is likely to be substantially different "
        "from what the studies found."
    ),
}
CERTAINTY_SOURCE = (
    "GRADE certainty definitions (Balshem et al., J Clin Epidemiol 2011;64:401, Table 2), as "
    "reproduced in Fretheim et al., BMC Medicine 2012;10:33, Table 1"
)


def certainty_meaning(level: str) -> str:
    """The plain meaning of a GRADE level; an unknown level is an error, never a blank."""
    try:
        return CERTAINTY_MEANING[level]
    except KeyError:
        raise ValueError(f"unknown GRADE certainty level {level!r}") from None
