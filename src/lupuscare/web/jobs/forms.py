"""The preferences form: parses the fields; ``preferences.save_preferences`` decides."""

from __future__ import annotations

from django import forms


class PreferenceForm(forms.Form):
    time_zone = forms.CharField(max_length=64, initial="UTC",
                                help_text="IANA name, e.g. Europe/Berlin")
    email = forms.BooleanField(required=False, label="Also send each notification by email")
    email_details = forms.BooleanField(
        required=False, label="Put the message's text in the email (it may name a patient); "
                              "otherwise the email has only a link")
    muted_kinds = forms.MultipleChoiceField(required=False, choices=(),
                                            widget=forms.CheckboxSelectMultiple,
                                            label="Do not send me")
    quiet_start = forms.TimeField(required=False, label="Quiet hours from (no email)")
    quiet_end = forms.TimeField(required=False, label="Quiet hours until")
    diary_reminder_at = forms.TimeField(required=False, label="Remind me to check in at")
    nudge_after_days = forms.IntegerField(required=False, min_value=1, max_value=60,
                                          label="Nudge me after this many days without a "
                                                "check-in (empty: never)")

    def __init__(self, *args, kinds: list[tuple[str, str, bool]], patient: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muted_kinds"].choices = [(k, label) for k, label, _ in kinds]
        if not patient:
            del self.fields["diary_reminder_at"]
            del self.fields["nudge_after_days"]
