"""Clinic: scoring, alerts and dashboards (filled by a later issue)."""
