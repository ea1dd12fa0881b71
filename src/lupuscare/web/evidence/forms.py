"""The meta-analysis form: a CSV pasted or uploaded (one of the two), measure, method, test."""

from __future__ import annotations

from django import forms

from lupuscare.evidence.estimators import METHODS
from lupuscare.evidence.model import TESTS

from .meta import EXAMPLE_HEADER, MAX_CSV_BYTES, MEASURES, METHOD_LABELS, TEST_LABELS


class MetaForm(forms.Form):
    csv_text = forms.CharField(
        label="Paste a CSV",
        required=False,
        max_length=MAX_CSV_BYTES,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false",
                                     "placeholder": f"{EXAMPLE_HEADER}\nAronson,4,119,11,128"}),
        help_text="A header row with metafor's column names, then one row per study.",
    )  # fmt: skip
    csv_file = forms.FileField(
        label="or upload a CSV file",
        required=False,
        help_text=f"UTF-8 text, at most {MAX_CSV_BYTES // 1024} KiB.",
    )
    measure = forms.ChoiceField(label="Measure", choices=MEASURES, initial="RR")
    method = forms.ChoiceField(
        label="τ² estimator (method)",
        choices=[(m, METHOD_LABELS[m]) for m in METHODS],
        initial="REML",
    )
    test = forms.ChoiceField(
        label="Test", choices=[(t, TEST_LABELS[t]) for t in TESTS], initial="z"
    )

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if upload is None:
            return None
        if upload.size > MAX_CSV_BYTES:  # checked before reading the content
            raise forms.ValidationError(
                f"The file is larger than {MAX_CSV_BYTES // 1024} KiB.", code="too_large"
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.", code="encoding") from None

    def clean(self):
        data = super().clean()
        text, upload = (data.get("csv_text") or "").strip(), data.get("csv_file")
        if self.errors:
            return data
        if text and upload:
            raise forms.ValidationError("Paste a CSV or upload a file, not both.", code="both")
        if not text and not upload:
            raise forms.ValidationError("Paste a CSV or upload a file.", code="none")
        data["csv"] = upload if upload else text
        data["csv_field"] = "csv_file" if upload else "csv_text"
        return data
