"""One input reader for every sub-command: files or stdin as bytes, decoded and parsed here.

Whatever the bytes are (not UTF-8, JSON nested a thousand deep, an integer of thousands of
digits), the result is a value or an ``InputError`` naming what was wrong, never a traceback.
Integers longer than ``LONG_INTEGER_DIGITS`` digits are read as floats (a huge one becomes
infinity), so the core's range checks name the field instead of the interpreter refusing to
convert them; no clinical value has that many digits.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from lupuscare.cli.errors import fail
from lupuscare.errors import InputError

LONG_INTEGER_DIGITS = 20
_BOM = b"\xef\xbb\xbf"


def _int(text: str) -> int | float:
    return int(text) if len(text) <= LONG_INTEGER_DIGITS else float(text)


_DECODER = json.JSONDecoder(parse_int=_int)


def open_binary(path: str) -> BinaryIO:
    """The file (or stdin for ``-``) as bytes; a file that cannot be opened ends the command."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it (see ``reading``)
    except OSError as e:
        fail(f"{path}: {e.strerror or e}")


def close(stream: BinaryIO) -> None:
    if stream is not getattr(sys.stdin, "buffer", None):
        stream.close()


def decode(data: bytes, where: str = "document") -> str:
    """UTF-8 text (a byte-order mark is dropped); ``InputError`` naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(where, f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


def read_text(path: str) -> str:
    """The whole file (or stdin) as text."""
    stream = open_binary(path)
    try:
        data = stream.read()
    except OSError as e:
        fail(f"{path}: {e.strerror or e}")
    finally:
        close(stream)
    return decode(data)


def parse_json(text: str | bytes) -> Any:
    """One JSON value; ``InputError("document", ...)`` for anything that is not one."""
    if isinstance(text, bytes):
        text = decode(text)
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as e:
        raise InputError("document", f"invalid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise InputError("document", "invalid JSON: nested too deeply") from None


def parse_object(text: str | bytes) -> dict[str, Any]:
    """One JSON object (the documents every command reads are objects)."""
    doc = parse_json(text)
    if not isinstance(doc, dict):
        raise InputError("document", "expected a JSON object")
    return doc


def lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, the line's bytes without its end-of-line), for JSON-lines input.

    Lines end at ``\\n`` only (a trailing ``\\r`` is dropped), so numbering agrees with ``wc -l``
    and editors; bytes are decoded per line, so one bad line does not stop the others.
    """
    stream = open_binary(path)
    try:
        for n, raw in enumerate(stream, start=1):
            if n == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
            yield n, raw.rstrip(b"\r\n")
    except OSError as e:
        fail(f"{path}: {e.strerror or e}")
    finally:
        close(stream)
