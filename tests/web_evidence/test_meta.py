"""/evidence/meta/: dat.bcg through the form reproduces metafor; bad input is a 400 naming the
cause, never a 500 or a NaN; size limits; signed-in users only."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lupuscare.web.evidence import meta
from web.factories import World

pytestmark = pytest.mark.django_db
URL = "/evidence/meta/"


@pytest.fixture
def user_client(world: World, client: Client) -> Client:
    client.force_login(world.patient_a.user)  # any role may use the tool
    return client


def _post(client: Client, csv_text: str = "", **fields) -> tuple[int, str]:
    data = {"csv_text": csv_text, "measure": "RR", "method": "REML", "test": "z", **fields}
    response = client.post(URL, data)
    return response.status_code, response.content.decode()


def _cell(body: str, key: str) -> str:
    m = re.search(
        rf'<tr data-key="{key}"><th scope="row">[^<]*</th><td class="num">([^<]*)</td>', body
    )
    assert m, f"no result row {key!r}"
    return m.group(1)


def _interval(text: str) -> tuple[float, float]:
    lo, hi = text.split(" to ")
    return float(lo), float(hi)


def test_dat_bcg_reml_reproduces_metafor(user_client: Client, bcg_csv: str, bcg_reference: dict):
    ref = bcg_reference["REML"]  # metafor docs, rma.uni: -0.7145, tau2 0.3132
    status, body = _post(user_client, bcg_csv)
    assert status == 200
    assert _cell(body, "k") == "13"
    assert float(_cell(body, "estimate")) == pytest.approx(ref["beta"], abs=5e-5) == -0.7145
    assert float(_cell(body, "tau2")) == pytest.approx(ref["tau2"], abs=5e-5) == 0.3132
    assert float(_cell(body, "se")) == pytest.approx(ref["se"], abs=5e-5)
    assert _interval(_cell(body, "ci")) == pytest.approx(ref["ci"], abs=5e-5)
    assert float(_cell(body, "I2")) == pytest.approx(ref["I2"], abs=5e-3)
    assert float(_cell(body, "H2")) == pytest.approx(ref["H2"], abs=5e-5)
    assert float(_cell(body, "Q").split(",")[0]) == pytest.approx(ref["QE"], abs=5e-4)
    assert _cell(body, "pval") == "&lt; 0.0001"  # z = -3.9744
    assert _interval(_cell(body, "pi")) == pytest.approx(ref["pi_2dp"], abs=5e-3)
    assert _interval(_cell(body, "exp_pi")) == pytest.approx(ref["exp_pi_2dp"], abs=5e-3)


def test_method_and_test_are_applied(user_client: Client, bcg_csv: str, bcg_reference: dict):
    dl = bcg_reference["DL"]
    status, body = _post(user_client, bcg_csv, method="DL")
    assert status == 200
    assert float(_cell(body, "estimate")) == pytest.approx(dl["beta"], abs=5e-5)
    assert float(_cell(body, "tau2")) == pytest.approx(dl["tau2"], abs=5e-5)
    assert _interval(_cell(body, "exp_ci")) == pytest.approx(dl["exp_pred"][1:], abs=5e-4)
    status, body = _post(user_client, bcg_csv, method="EE")
    assert float(_cell(body, "estimate")) == pytest.approx(bcg_reference["EE"]["beta"], abs=5e-5)
    # Knapp-Hartung: t with k - 1 df, wider than z (computed value listed in the reference file)
    status, body = _post(user_client, bcg_csv, test="knha")
    assert status == 200 and "t test" in body
    assert _interval(_cell(body, "ci")) == pytest.approx((-1.1084, -0.3206), abs=5e-5)


def test_upload_gives_the_same_result(user_client: Client, bcg_csv: str):
    upload = SimpleUploadedFile("bcg.csv", bcg_csv.encode("utf-8-sig"), "text/csv")
    response = user_client.post(URL, {"csv_file": upload, "measure": "RR", "method": "REML",
                                      "test": "z"})  # fmt: skip
    assert response.status_code == 200
    assert _cell(response.content.decode(), "estimate") == "-0.7145"


def test_result_page_embeds_forest_and_funnel_json(user_client: Client, bcg_csv: str):
    _, body = _post(user_client, bcg_csv)
    for name in ("meta-forest", "meta-funnel"):
        m = re.search(
            rf'<script id="{name}-data" type="application/json">(.*?)</script>', body, re.DOTALL
        )
        assert m, name
        fig = json.loads(m.group(1))
        assert fig["data"][0]["name"] == "Studies" and len(fig["data"][0]["x"]) == 13
    forest = json.loads(
        re.search(r'id="meta-forest-data"[^>]*>(.*?)</script>', body, re.DOTALL).group(1)
    )
    assert forest["data"][0]["y"][0] == "Aronson"
    assert forest["layout"]["xaxis"]["type"] == "log"  # RR drawn on the ratio scale


@pytest.mark.parametrize(
    ("csv_text", "field", "words"),
    [
        ("study,ai,bi,ci,di\nA,4,119,x,128\nB,6,300,29,274\n", "ci[0]", "not a number"),
        ("study,ai,bi\nA,4,119\n", "ci", "required for measure RR"),
        ("study,ai,bi,ci,di\n", "csv_text", "no studies"),
        ("study,ai,bi,ci,di\nA,4,119,11,128,5\n", "csv_text", "more values than columns"),
        ("study,ai,bi,ci,di\nA,4,119,11\n", "csv_text", "fewer values than columns"),
        ("study,ai,ai,ci,di\nA,4,119,11,128\n", "csv_text", "appears twice"),
        ("study,ai,bi,ci,di\nA,4,119,11,\n", "di[0]", "missing value"),
        ("study,ai,bi,ci,di\nA,-4,119,11,128\n", "ai", "negative"),
    ],
)
def test_bad_csv_is_a_400_naming_the_cause(
    user_client: Client, csv_text: str, field: str, words: str
):
    status, body = _post(user_client, csv_text)
    assert status == 400
    m = re.search(
        r'<div class="error-box" role="alert" id="meta-error">(.*?)</div>', body, re.DOTALL
    )
    assert m, body[:2000]
    assert f'data-field="{field}"' in m.group(1) or f"{field}" in m.group(1)
    assert words in m.group(1)
    assert 'data-key="estimate"' not in body


def test_inf_and_nan_cells_are_refused(user_client: Client):
    for bad in ("nan", "inf"):
        status, body = _post(user_client, f"study,yi,vi\nA,0.1,0.02\nB,{bad},0.03\n", measure="GEN")
        assert status == 400, bad
        assert "yi" in body and 'data-key="estimate"' not in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"csv_text": ""}, "Paste a CSV or upload a file."),
        ({"measure": "XX"}, "Select a valid choice"),
        ({"method": "MH"}, "Select a valid choice"),
        ({"test": "t"}, "Select a valid choice"),
    ],
)
def test_bad_form_is_a_400(user_client: Client, bcg_csv: str, data: dict, message: str):
    status, body = _post(user_client, **{"csv_text": bcg_csv, **data})
    assert status == 400 and message in body


def test_paste_and_upload_together_is_refused(user_client: Client, bcg_csv: str):
    upload = SimpleUploadedFile("bcg.csv", bcg_csv.encode(), "text/csv")
    response = user_client.post(URL, {"csv_text": bcg_csv, "csv_file": upload, "measure": "RR",
                                      "method": "REML", "test": "z"})  # fmt: skip
    assert response.status_code == 400
    assert "not both" in response.content.decode()


def test_upload_size_limit_at_the_boundary(user_client: Client):
    header = b"study,yi,vi\n"
    row = b"A,0.1,0.02\n"

    def padded(size: int) -> bytes:  # a valid CSV of exactly ``size`` bytes (blank lines pad)
        body = header + row + b"B,0.3,0.04\n"
        return body + b"\n" * (size - len(body))

    at_limit = padded(meta.MAX_CSV_BYTES)
    ok = user_client.post(URL, {"csv_file": SimpleUploadedFile("a.csv", at_limit), "measure": "GEN",
                                "method": "REML", "test": "z"})  # fmt: skip
    assert ok.status_code == 200
    big = padded(meta.MAX_CSV_BYTES + 1)
    assert len(big) == meta.MAX_CSV_BYTES + 1
    refused = user_client.post(URL, {"csv_file": SimpleUploadedFile("b.csv", big), "measure": "GEN",
                                     "method": "REML", "test": "z"})  # fmt: skip
    assert refused.status_code == 400
    assert "larger than 200 KiB" in refused.content.decode()


def test_non_utf8_upload_is_refused(user_client: Client):
    upload = SimpleUploadedFile("x.csv", "study,yi,vi\nMüller,0.1,0.02\n".encode("latin-1"))
    response = user_client.post(URL, {"csv_file": upload, "measure": "GEN", "method": "REML",
                                      "test": "z"})  # fmt: skip
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_anonymous_users_are_sent_to_login(client: Client, bcg_csv: str):
    response = client.post(URL, {"csv_text": bcg_csv, "measure": "RR"})
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/accounts/login/"
    )


def test_get_shows_an_empty_form(user_client: Client):
    body = user_client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in body and 'data-key="estimate"' not in body
    assert '<option value="REML" selected>' in body


def test_oversized_request_is_refused_before_it_is_read(user_client: Client):
    from lupuscare.web.evidence.views import MAX_REQUEST_BYTES

    body = b"x" * (MAX_REQUEST_BYTES + 1)
    response = user_client.post(URL, body, content_type="application/octet-stream")
    assert response.status_code == 400
    assert f"larger than {MAX_REQUEST_BYTES // 1024} KiB" in response.content.decode()


def test_pasted_text_over_the_limit_is_refused(user_client: Client):
    text = "study,yi,vi\nA,0.1,0.02\nB,0.3,0.04\n"
    text += "\n" * (meta.MAX_CSV_BYTES + 1 - len(text))
    status, body = _post(user_client, text, measure="GEN")
    assert status == 400 and 'data-key="estimate"' not in body
    status, _ = _post(user_client, text[:-1], measure="GEN")  # exactly at the limit
    assert status == 200


def test_csrf_is_still_checked(world: World, bcg_csv: str):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.patient_a.user)
    response = client.post(
        URL, {"csv_text": bcg_csv, "measure": "RR", "method": "REML", "test": "z"}
    )
    assert response.status_code == 403


def test_the_example_file_is_dat_bcg_and_reproduces_metafor(user_client: Client, bcg_csv: str):
    from django.contrib.staticfiles import finders

    body = user_client.get(URL).content.decode()
    assert 'href="/static/evidence/examples/dat.bcg.csv"' in body
    path = finders.find("evidence/examples/dat.bcg.csv")
    example = open(path, encoding="utf-8").read()  # noqa: SIM115
    assert example == bcg_csv
    upload = SimpleUploadedFile("dat.bcg.csv", example.encode(), "text/csv")
    response = user_client.post(URL, {"csv_file": upload, "measure": "RR", "method": "REML",
                                      "test": "z"})  # fmt: skip
    assert _cell(response.content.decode(), "tau2") == "0.3132"
