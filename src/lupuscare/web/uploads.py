"""Upload limits, checked from the request's declared size before any of its body is read.

Django's multipart parser streams an upload of any size to a temporary file before a form can
look at it (a 240 MB "photo" was read in full), so ``UploadLimitMiddleware`` refuses a body whose
``Content-Length`` is over the page's limit with 413 and a message naming the field. The forms
keep their own checks on the bytes themselves (``diary.photos.check_photo``,
``clinic.labs_import.parse``); the meta-analysis page has its own, smaller limit
(``evidence.views.MAX_REQUEST_BYTES``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from lupuscare.web.clinic.labs_import import MAX_BYTES as MAX_LAB_CSV_BYTES
from lupuscare.web.diary.photos import MAX_PHOTO_BYTES

# The other fields of a form and the multipart boundaries: generous, but not megabytes.
FORM_OVERHEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class UploadLimit:
    field: str  # the form field the upload belongs to (named in the refusal)
    max_bytes: int  # the file itself

    @property
    def max_request_bytes(self) -> int:
        return self.max_bytes + FORM_OVERHEAD_BYTES


# URL name -> the upload it accepts
LIMITS: dict[str, UploadLimit] = {
    "diary:checkin": UploadLimit("photo", MAX_PHOTO_BYTES),
    "clinic:lab-import": UploadLimit("file", MAX_LAB_CSV_BYTES),
}


def default_limit() -> UploadLimit:
    """Any other page: no more than Django would hold in memory for a form or a document."""
    return UploadLimit("request", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def declared_length(meta: dict) -> int | None:
    """The body size the client declared; ``None`` if it declared none or nonsense."""
    try:
        value = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    return value if value >= 0 else None


def refusal(url_name: str | None, meta: dict) -> tuple[UploadLimit, int | None] | None:
    """The limit a request breaks (and its declared size), or ``None`` if it may be read."""
    limit = LIMITS.get(url_name or "") or default_limit()
    length = declared_length(meta)
    if length is None or length > limit.max_request_bytes:
        return limit, length
    return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def message(limit: UploadLimit, length: int | None) -> str:
    size = "of unreadable size" if length is None else _mb(length)
    return (f"{limit.field}: the upload is {size}; the limit is {_mb(limit.max_bytes)}. "
            "Nothing was saved.")
