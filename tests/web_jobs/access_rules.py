"""Access rules for the notification pages (read by ``tests/web/access.py``): every signed-in
user has their own inbox and preferences; anonymous visitors are sent to sign in."""

from __future__ import annotations

from typing import Any

from lupuscare.web.jobs.models import Preference
from web.access import AUTHENTICATED, Rule
from web.factories import World


def _mark_all(world: World) -> dict[str, Any]:
    return {"all": "1"}


def _preferences(world: World) -> dict[str, Any]:
    return {"time_zone": "Europe/Berlin", "email": "on"}


RULES: dict[str, Rule] = {
    "jobs:inbox": Rule(AUTHENTICATED),
    "jobs:inbox POST": Rule(AUTHENTICATED, ok=frozenset({302}), method="post", payload=_mark_all),
    "jobs:preferences": Rule(AUTHENTICATED),
    "jobs:preferences POST": Rule(AUTHENTICATED, ok=frozenset({302}), method="post",
                                  payload=_preferences, creates=Preference),
}
