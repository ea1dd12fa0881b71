"""Password reset by email (Django's views): the link arrives, sets a new password once, and the
change is audited; an unknown address gets the same answer and no email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from lupuscare.web.records.models import AuditEvent
from web.factories import World

NEW = "a-brand-new-passphrase-7"


@pytest.mark.django_db
def test_reset_by_email(world: World):
    user = world.clinician_a
    user.email = "ines@example.org"
    user.save()
    client = Client()
    sent = client.post("/accounts/password/reset/", {"email": "ines@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox[-1].to == ["ines@example.org"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[-1].body)[1]
    form = client.get(link, follow=True)  # Django moves the token into the session first
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert AuditEvent.objects.filter(object_type="auth.password_reset", action="update",
                                     object_id=str(user.pk)).count() == 1
    again = Client().get(link, follow=True)  # used: the link is no longer valid
    assert not again.context["validlink"]
    assert b"not valid any more" in again.content


@pytest.mark.django_db
def test_unknown_address_same_answer_no_email(world: World):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 0
