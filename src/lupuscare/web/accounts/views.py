"""Where a user lands after logging in, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lupuscare.web.navigation import links_for

from .models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.role
    if role == Role.PATIENT:
        return redirect("me")
    if role == Role.CLINICIAN:
        return redirect("patient-list")
    if role == Role.ADMIN:
        return redirect("admin:index")
    if role == Role.COORDINATOR and links_for(role):
        return redirect(links_for(role)[0][1])  # the cell-therapy board, when that app is mounted
    return render(request, "accounts/home.html")
