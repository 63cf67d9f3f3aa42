"""The lecturer's offline example runs end to end and writes a self-contained plotly page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sine_notebook_learns_and_writes_its_figure(tmp_path: Path) -> None:
    out = tmp_path / "sine.html"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "sine_notebook.py"),
            str(out),
            "--steps",
            "300",
            "--every",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    losses = [float(v) for v in re.findall(r"loss\s*[=:]?\s*([0-9.eE+-]+)", run.stdout)]
    assert len(losses) >= 2, run.stdout
    assert losses[-1] < losses[0] / 5, f"the loss did not fall: {losses}"
    page = out.read_text()
    # plotly.js is inlined (a lecture hall may have no internet): no script loaded from a URL
    assert not re.search(r"<script[^>]*\bsrc=", page) and "Plotly.newPlot" in page
    for trace in ("input x_t", "target d_t", "prediction y_t"):
        assert f'"name":"{trace}"' in page, f"no {trace} trace in the figure"
