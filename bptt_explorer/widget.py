"""show(config, params, x, d): the unfolded graph, term by term, in a Jupyter notebook.

An anywidget whose front end is the page's own ES modules (static/js: the view-model, the
unfolded graph, the running sums, the heatmaps, the timeline), sent with the BPTT answer as
widget state, so it works offline and draws exactly what the page draws (anywidget: only here).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from app.api.convert import bptt_response
from app.config import STATIC_DIR
from app.rnn import RNNConfig, Weights, bptt
from app.rnn.problem import LossSteps

HERE = Path(__file__).resolve().parent
ENTRY_MODULES = ("unfolded.js", "accumulator.js", "heatmap.js", "timeline.js", "viewmodel.js")
IMPORT = re.compile(r'from\s+"\./([\w.-]+\.js)"')


def page_modules(entries: tuple[str, ...] = ENTRY_MODULES) -> dict[str, str]:
    """The sources of the page's modules the widget imports, and of everything they import."""
    sources: dict[str, str] = {}
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name not in sources:
            sources[name] = (STATIC_DIR / "js" / name).read_text(encoding="utf-8")
            todo += IMPORT.findall(sources[name])
    return sources


def widget_css() -> str:
    """The page's stylesheet, its :root variables moved to the widget's shadow root."""
    page = (STATIC_DIR / "css" / "app.css").read_text(encoding="utf-8").replace(":root", ":host")
    return page + (HERE / "widget.css").read_text(encoding="utf-8")


def answer_json(
    config: RNNConfig,
    params: Weights,
    x: Any,
    d: Any,
    s0: Any = None,
    c0: Any = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
) -> str:
    """The /api/bptt answer (detail "full") for this sequence, as the page receives it."""
    result = bptt(
        config,
        params,
        np.asarray(x, dtype=np.float64),
        np.asarray(d, dtype=np.float64),
        s0=None if s0 is None else np.asarray(s0, dtype=np.float64),
        loss_steps=loss_steps,
        truncate=truncate,
        c0=None if c0 is None else np.asarray(c0, dtype=np.float64),
    )
    return orjson.dumps(bptt_response(params, result), option=orjson.OPT_SERIALIZE_NUMPY).decode()


@cache
def _widget_class() -> type:
    """The anywidget class, built on first use (anywidget is imported only by show)."""
    import anywidget
    import traitlets

    class BPTTWidget(anywidget.AnyWidget):
        """The unfolded graph of one BPTT answer; `step` is the animation step shown."""

        _esm = HERE / "widget.js"
        modules = traitlets.Dict().tag(sync=True)
        css = traitlets.Unicode().tag(sync=True)
        data = traitlets.Unicode().tag(sync=True)
        # {cell, output, loss}: the view-model's cell, and the captions follow the loss and output
        model_spec = traitlets.Unicode("{}").tag(sync=True)
        t = traitlets.Int(0).tag(sync=True)
        truncate = traitlets.Int(0).tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

    return BPTTWidget


def show(
    config: RNNConfig,
    params: Weights,
    x: Any,
    d: Any,
    s0: Any = None,
    c0: Any = None,
    loss_steps: LossSteps = "all",
    truncate: int | None = None,
    t: int | None = None,
) -> Any:
    """A widget showing BPTT for loss step t (default the last) term by term: ← / → step.

    Every cell, as the page draws it: for the LSTM and GRU the running sums hold the gate
    blocks side by side (G·H columns) and the graph has the LSTM's cell-state rail (c0 is the
    LSTM's initial cell state)."""
    data = answer_json(config, params, x, d, s0, c0, loss_steps, truncate)
    cls = _widget_class()
    return cls(
        modules=page_modules(),
        css=widget_css(),
        data=data,
        model_spec=orjson.dumps(
            {"cell": config.cell, "output": config.output, "loss": config.loss}
        ).decode(),
        t=t or 0,
        truncate=truncate or 0,
    )
