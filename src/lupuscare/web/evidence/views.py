"""The evidence pages.

``/evidence/`` is public: it shows published research and our analysis of it, no patient data,
and a patient weighing an offer of stem-cell treatment should be able to read it (and the FDA
warning) without an account. ``/evidence/meta/`` computes on uploaded data, so it needs a signed-in
user (any role): the cost of a fit is bounded by the size limits in ``meta.py``, and only known
users can ask for it. Bad input answers 400 with the engine's message naming the field.

Size: a request body larger than ``MAX_REQUEST_BYTES`` is refused from its Content-Length before
anything is read (Django would otherwise stream an upload of any size to disk while the CSRF
check parses the form); the CSV itself is then held to ``meta.MAX_CSV_BYTES``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from lupuscare.errors import InputError

from . import context, meta
from .forms import MetaForm


@require_GET
def evidence_view(request: HttpRequest) -> HttpResponse:
    return render(request, "evidence/page.html", {"page": context.evidence_page()})


# The pasted text and the file together, multipart overhead, and room for a form-urlencoded
# client (which can triple the size of a CSV by escaping commas).
MAX_REQUEST_BYTES = 4 * meta.MAX_CSV_BYTES


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_REQUEST_BYTES + 1  # unreadable: refuse


@csrf_exempt  # only so the size check runs before the body is read; CSRF is checked below
@login_required
@require_http_methods(["GET", "POST"])
def meta_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _content_length(request) > MAX_REQUEST_BYTES:
        error = {
            "field": "csv",
            "message": f"the request is larger than {MAX_REQUEST_BYTES // 1024} KiB",
        }
        return render(
            request, "evidence/meta.html", {"form": MetaForm(), "error": error}, status=400
        )
    return _meta(request)


@csrf_protect
def _meta(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "evidence/meta.html", {"form": MetaForm()})
    form = MetaForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "evidence/meta.html", {"form": form}, status=400)
    options = {k: form.cleaned_data[k] for k in ("measure", "method", "test")}
    try:
        columns = meta.parse_csv(form.cleaned_data["csv"], field=form.cleaned_data["csv_field"])
        result = meta.analyse(columns, **options)
    except InputError as exc:
        error = {"field": exc.field, "message": exc.message}
        return render(request, "evidence/meta.html", {"form": form, "error": error}, status=400)
    return render(request, "evidence/meta.html", {"form": form, "result": result, **options})
