"""The `bptt-explorer` command and `python -m app`."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from app import __version__, cli


def test_main_runs_uvicorn_with_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: calls.append((target, kw)))
    assert cli.main(["--host", "0.0.0.0", "--port", "8123"]) == 0
    assert len(calls) == 1
    target, options = calls[0]
    assert target == "app.main:app"
    assert options["host"] == "0.0.0.0" and options["port"] == 8123
    assert options["workers"] == 1


def test_defaults_are_loopback_8000() -> None:
    args = cli.build_parser().parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_python_dash_m_app_reports_the_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"bptt-explorer {__version__}"
