// Plotly renderers of the training panel: loss, gradient norms, predictions. They only draw.

const BLUE = "#2166ac";
const ORANGE = "#d95f02";
const PURPLE = "#7b3294";
const GREY = "#5f6368";
const FONT = { family: "system-ui, 'DejaVu Sans', sans-serif", size: 12, color: "#1d1d1f" };
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const MAX_POINTS = 20000;

function layout(title, yaxis, extra = {}) {
  return {
    title: { text: title, font: { size: 13 }, x: 0.02, xanchor: "left" },
    font: FONT,
    margin: { l: 52, r: 10, t: 30, b: 36 },
    height: 230,
    paper_bgcolor: "#fff",
    plot_bgcolor: "#fff",
    xaxis: { title: { text: "training step", standoff: 4 }, zeroline: false, gridcolor: "#eee" },
    yaxis: { gridcolor: "#eee", exponentformat: "power", ...yaxis },
    legend: { orientation: "h", x: 0, y: -0.28, font: { size: 11 } },
    showlegend: true,
    ...extra,
  };
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

const finite = (v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null);

/** Loss E and ‖∂E/∂W‖_F for Wx, Ws, Wy against the training step, on log axes. */
export class TrainCurves {
  constructor(Plotly, lossEl, gradEl) {
    this.Plotly = Plotly;
    this.lossEl = lossEl;
    this.gradEl = gradEl;
    this.reset();
  }

  /** Empty curves (a new run). */
  reset() {
    const P = this.Plotly;
    P.react(this.lossEl, [
      { x: [], y: [], name: "loss E (per step)", mode: "lines", line: { color: PURPLE, width: 1.5 } },
    ], layout("Loss", { type: "log", nticks: 6, title: { text: "E" } }, { showlegend: false }), CONFIG);
    const trace = (name, color, dash) => ({ x: [], y: [], name, mode: "lines", line: { color, width: 1.5, dash } });
    P.react(this.gradEl, [
      trace("‖∂E/∂Wx‖", BLUE, "solid"),
      trace("‖∂E/∂Ws‖", ORANGE, "dash"),
      trace("‖∂E/∂Wy‖", PURPLE, "dot"),
    ], layout("Gradient norms (before clipping)", { type: "log", nticks: 6, title: { text: "‖·‖F" } }), CONFIG);
  }

  /** Append logged steps ({step, loss, grad_norm}); null and non-positive values leave gaps. */
  async extend(history) {
    if (history.length === 0) return;
    const x = history.map((h) => h.step);
    const P = this.Plotly;
    P.extendTraces(this.lossEl, { x: [x], y: [history.map((h) => finite(h.loss))] }, [0], MAX_POINTS);
    await nextFrame(); // one plot per frame: each redraw is a task of its own
    const g = (name) => history.map((h) => finite(h.grad_norm[name]));
    P.extendTraces(this.gradEl, { x: [x, x, x], y: [g("Wx"), g("Ws"), g("Wy")] }, [0, 1, 2], MAX_POINTS);
  }
}

/** Inputs, targets and predictions over t for one sample (trainrun.predictionSeries). */
export class PredictionPlot {
  constructor(Plotly, el) {
    this.Plotly = Plotly;
    this.el = el;
  }

  draw(series, { title = "Predictions on a sample" } = {}) {
    const inputStyles = [{ color: GREY, dash: "dot" }, { color: BLUE, dash: "dash" }];
    const traces = series.inputs.map((inp, j) => ({
      x: series.t, y: inp.values, name: inp.name, mode: "lines+markers",
      line: { ...inputStyles[j % 2], width: 1.5 }, marker: { size: 4 },
    }));
    traces.push({
      x: series.t, y: series.target.values, name: series.target.name, mode: "markers",
      marker: { color: ORANGE, size: 7, symbol: "circle-open", line: { width: 2 } },
    });
    traces.push({
      x: series.t, y: series.prediction.values, name: series.prediction.name, mode: "lines+markers",
      line: { color: PURPLE, width: 2.5 }, marker: { size: 5, symbol: "diamond" },
    });
    const xaxis = { title: { text: "t", standoff: 4 }, zeroline: false, gridcolor: "#eee" };
    if (series.labels) {
      xaxis.tickmode = "array";
      xaxis.tickvals = series.t;
      xaxis.ticktext = series.labels.map((c) => (c === " " ? "␣" : c));
    }
    this.Plotly.react(this.el, traces, layout(title, { zeroline: true, zerolinecolor: "#ccc" }, { xaxis }), CONFIG);
  }
}
