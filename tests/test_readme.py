"""The README's two commands are what a newcomer runs; CI must run the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_readme_opens_with_setup_and_test_commands() -> None:
    setup, tests = readme_commands()[:2]
    assert "pip install -e ." in setup and setup.rstrip().endswith("disclosure-bot demo")
    assert "pip install -e '.[dev]'" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1].strip() in ci.splitlines()
