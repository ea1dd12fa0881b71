"""The Django shell: settings, URLs and one app per bounded context."""
