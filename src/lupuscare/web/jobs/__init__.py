"""The system that acts on time: the job queue's tasks, the schedules, and notifications.

Huey runs the tasks (``tasks.py``); what is due when is decided in ``schedules.py`` (one pass,
``run_due``, that the worker runs every few minutes and ``lupuscare jobs run-due`` runs once);
``notify.py`` delivers a notification once per (kind, user, key), in the inbox and by email.
See docs/jobs.md.
"""
