"""Tests of the ``lupuscare`` command line (error boundary, batch mode, alerts, backup)."""
