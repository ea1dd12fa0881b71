"""The ``lupuscare`` command (contracts.md section 1).

Each sub-command lives in a module of this package named for what it does; the module exposes
``register(app)``. Sub-commands that produce data print JSON with ``--json`` and exit non-zero with
a one-line message on stderr on bad input. Every sub-command runs inside one error boundary
(``lupuscare.cli.errors.GuardedGroup``): whatever it raises ends as one ``error:`` line and exit
status 2 (bad input) or 1 (a bug), never a traceback. See docs/cli.md.
"""

from __future__ import annotations

from importlib import import_module

import typer

from lupuscare.cli.errors import GuardedGroup

app = typer.Typer(
    cls=GuardedGroup,
    name="lupuscare",
    help="Care, measurement and evidence for systemic lupus erythematosus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One module per sub-command group; each defines register(app).
_COMMAND_MODULES = ("score", "alerts", "meta", "evidence", "demo", "server", "backup", "rescore",
                    "fhir", "jobs")

for _name in _COMMAND_MODULES:
    import_module(f"lupuscare.cli.{_name}").register(app)


def main() -> None:
    app()
