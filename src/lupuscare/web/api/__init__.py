"""The JSON API (django-ninja) at ``/api/``: session-authenticated, CSRF-checked, audited."""
