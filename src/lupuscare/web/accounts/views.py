"""Where a user lands after logging in, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
    return render(request, "accounts/home.html")
