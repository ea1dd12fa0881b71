"""The main navigation, by role: links to the apps that are mounted (``urls.MOUNTED_APPS``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# role -> (label, URL name) in menu order; a URL name that does not resolve is left out
MENU: dict[str, tuple[tuple[str, str], ...]] = {
    "patient": (("My record", "me"), ("Diary", "diary:home"), ("Evidence", "evidence:page")),
    "clinician": (
        ("Patients", "patient-list"),
        ("Clinic", "clinic:dashboard"),
        ("Cell therapy", "celltherapy:board"),
        ("Evidence", "evidence:page"),
    ),
    "coordinator": (("Cell therapy", "celltherapy:board"), ("Evidence", "evidence:page")),
    "admin": (
        ("Administration", "admin:index"),
        ("Care teams", "care-teams"),
        ("Invite staff", "staff-invite"),
        ("Evidence", "evidence:page"),
    ),
}
# Everyone signed in has an inbox (lupuscare.web.jobs), last in the menu.
MENU = {role: (*links, ("Notifications", "jobs:inbox")) for role, links in MENU.items()}
# every role manages its own second factor (docs/accounts.md)
MENU = {role: (*links, ("Sign-in security", "mfa-manage")) for role, links in MENU.items()}


def links_for(role: str) -> list[tuple[str, str]]:
    links = []
    for label, name in MENU.get(role, ()):
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return links


def navigation(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    """Template context processor: ``nav_links`` for the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {"nav_links": links_for(user.role)}
