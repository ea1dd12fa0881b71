"""Wall-clock times in a user's time zone, with daylight-saving changes handled explicitly.

A time that does not exist on a day (02:30 when the clocks go forward an hour) is moved forward by
the length of the gap (to 03:30), as Python's zoneinfo does with ``fold=0``; a time that happens
twice (when the clocks go back) means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def exists(day: dt.date, at: dt.time, zone: ZoneInfo) -> bool:
    """Whether ``at`` happens on ``day`` in ``zone`` (false inside a spring-forward gap)."""
    local = dt.datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def moment(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of ``at`` on ``day`` in ``zone``: the first occurrence of a repeated time;
    in a gap, fold=0 maps with the offset before the change, which lands after the gap."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def gaps_in_year(at: dt.time, zone: ZoneInfo, start: dt.date) -> list[dt.date]:
    """The days in the year from ``start`` on which ``at`` does not exist in ``zone``."""
    return [d for d in (start + dt.timedelta(days=i) for i in range(366)) if not exists(d, at, zone)]


def in_window(now_local: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Whether ``now_local`` is in [start, end), a window that may wrap midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= now_local < end
    return now_local >= start or now_local < end
