"""Chain-of-identity identifier: lupuscare's own format, not ISBT 128.

The ISBT 128 CoI Identifier (ST-028, Data Structure 040) and the DIN need an ICCBBA licence and a
Facility Identification Number, and their tables may not be redistributed (cell-therapy.md §2.2).
So this module does not produce or validate ISBT 128 codes. It offers a local identifier that
links every collection, lot and bag of one therapy event to one patient, with a check character,
and a slot (``external_coi``, kept by the shell) for a licensed site's ISBT 128 identifier.

Format: ``ISSUER-YYYY-NNNNNN-C``: issuer code (3-10 of A-Z, 0-9), year, six-digit serial, and one
ISO/IEC 7064 MOD 37-2 check character over issuer, year and serial (the same pure check system
ISBT 128 uses for its keyboard check character [R]; used here only as a public check algorithm).
"""

from __future__ import annotations

import re

from lupuscare.errors import InputError

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
_PATTERN = re.compile(r"^([A-Z0-9]{3,10})-(\d{4})-(\d{6})-([0-9A-Z*])$")


def mod37_2(data: str) -> str:
    """ISO/IEC 7064 MOD 37-2 check character for ``data`` (digits and A-Z)."""
    p = 0
    for ch in data:
        value = _ALPHABET.find(ch)
        if value < 0 or ch == "*":
            raise InputError("coi_identifier", f"character {ch!r} is not allowed")
        p = ((p + value) * 2) % 37
    return _ALPHABET[(38 - p) % 37]


def make_coi(issuer: str, year: int, serial: int) -> str:
    """Build an identifier, e.g. ``make_coi("NJU", 2026, 17)``."""
    if not isinstance(issuer, str) or not re.fullmatch(r"[A-Z0-9]{3,10}", issuer):
        raise InputError("issuer", "must be 3-10 characters of A-Z and 0-9")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 9999:
        raise InputError("year", "must be a four-digit year from 2000")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 < serial <= 999_999:
        raise InputError("serial", "must be an integer from 1 to 999999")
    body = f"{issuer}{year:04d}{serial:06d}"
    return f"{issuer}-{year:04d}-{serial:06d}-{mod37_2(body)}"


def validate_coi(identifier: str) -> str:
    """Return the identifier if its format and check character are right, else raise."""
    if not isinstance(identifier, str):
        raise InputError("coi_identifier", "must be text")
    match = _PATTERN.match(identifier)
    if not match:
        raise InputError("coi_identifier", f"{identifier!r} is not ISSUER-YYYY-NNNNNN-C")
    issuer, year, serial, check = match.groups()
    if mod37_2(issuer + year + serial) != check:
        raise InputError("coi_identifier", f"{identifier!r}: check character does not match "
                                           "(mistyped or misread identifier)")
    return identifier
