"""Cell-therapy programmes in the web app: the Django shell around ``lupuscare.celltherapy``.

``models`` stores, ``services`` writes (one transaction per step, rules from the core),
``views`` and ``templates`` show, ``board`` and ``outcomes`` summarise, ``demo`` loads the demo
trial. See docs/celltherapy-web.md.
"""
