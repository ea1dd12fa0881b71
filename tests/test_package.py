"""The package installs and its command answers."""

import subprocess
import sys


def test_cli_help_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lupuscare.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "serve" in out and "manage" in out
