"""lupuscare: care, measurement and evidence for systemic lupus erythematosus.

The pure core (``instruments``, ``clinical``, ``rules``, ``evidence``, ``insights``,
``celltherapy``) never imports the Django shell (``web``).
"""

__version__ = "0.1.0"
