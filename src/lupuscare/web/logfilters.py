"""Logging filters named in ``settings.LOGGING``."""

from __future__ import annotations

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is an answer, not a fault: Django logs ``Forbidden (Permission denied): /path`` with
    the ``PermissionDenied`` traceback attached. Keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
