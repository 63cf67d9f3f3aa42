// Renderer of "why gates" (section#compare): the summary table and two plotly charts, the loss
// curves and the decay of ‖∂E_T/∂s_k‖ against T − k, the three cells overlaid. Only draws.

import { fmt } from "./colors.js";
import { CELLS, COMPARE_STEPS, COMPARE_TASKS, recentLoss, summaryRows } from "./compare.js";
import { loadPlotly } from "./plotlyloader.js";

export const CELL_NAMES = { rnn: "plain RNN", lstm: "LSTM", gru: "GRU" };
const NAMES = CELL_NAMES;
// colour-blind safe (no red/green pair): blue, orange, purple
const COLORS = { rnn: "#2166ac", lstm: "#d95f02", gru: "#7b3294" };
const FONT = { family: "system-ui, 'DejaVu Sans', sans-serif", size: 12, color: "#1d1d1f" };
const CONFIG = { displaylogo: false, responsive: true };
const REDRAW_MS = 400;

function plotLayout(title, xTitle) {
  return {
    title: { text: title, font: { size: 13 }, x: 0.02, xanchor: "left" },
    font: FONT,
    height: 260,
    margin: { l: 56, r: 10, t: 30, b: 40 },
    xaxis: { title: { text: xTitle, standoff: 4 }, gridcolor: "#eee", zeroline: false },
    yaxis: { type: "log", gridcolor: "#eee", exponentformat: "power", dtick: 1 }, // decades only: no crowded minor labels
    legend: { orientation: "h", x: 0, y: -0.3 },
  };
}

/**
 * The lab's decay plot: ‖∂E_T/∂s_k‖ against T − k of the three cells on one sequence, the
 * graph's own cell (`current`) drawn last, thick and labelled at its far end; `meta` names
 * each trace's cell.
 */
export function drawCellDecay(Plotly, div, { decay, current }) {
  const order = CELLS.filter((cell) => decay[cell] && cell !== current).concat(decay[current] ? [current] : []);
  const traces = order.map((cell) => {
    const own = cell === current;
    return {
      type: "scatter", mode: "lines+markers", meta: cell, x: decay[cell].lag, y: decay[cell].value.map((v) => (v > 0 ? v : null)),
      name: own ? `${NAMES[cell]} (this graph)` : NAMES[cell],
      line: { color: COLORS[cell], width: own ? 3.5 : 1.5, dash: own ? "solid" : "dot" },
      marker: { size: own ? 7 : 4 }, opacity: own ? 1 : 0.75,
      hovertemplate: `${NAMES[cell]}<br>T − k = %{x}<br>‖∂E_T/∂s_k‖ = %{y:.3e}<extra></extra>`,
    };
  });
  const mine = decay[current];
  const end = mine && mine.lag.length ? mine.lag.length - 1 : -1;
  const annotations = end >= 0 && mine.value[end] > 0 ? [{
    x: mine.lag[end], y: Math.log10(mine.value[end]), text: `<b>${NAMES[current]}</b>`, showarrow: true, arrowhead: 0,
    ax: -28, ay: -22, font: { color: COLORS[current], size: 13 },
  }] : [];
  const layout = plotLayout("", "T − k (steps back)");
  return Plotly.react(div, traces, {
    ...layout, title: undefined, height: 300, margin: { l: 56, r: 12, t: 30, b: 44 }, annotations,
    yaxis: { ...layout.yaxis, title: { text: "‖∂E_T/∂s_k‖ (log)" } },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
  }, { displayModeBar: false, responsive: true, scrollZoom: false });
}

export class CompareView {
  /** root: section#compare; actions: {play, pause, reset, setState}. */
  constructor(root, store, actions) {
    this.root = root;
    this.store = store;
    const $ = (sel) => root.querySelector(sel);
    this.$ = $;
    $("#compare-play").addEventListener("click", () => (store.get().gates.playing ? actions.pause() : actions.play()));
    $("#compare-reset").addEventListener("click", () => actions.reset());
    $("#compare-task").addEventListener("change", (ev) => actions.setState({ cmp: ev.target.value }));
    store.subscribe((next, prev) => {
      if (next.gates !== prev.gates || next.state.cmp !== prev.state.cmp) this.update(next);
    });
    this.update(store.get());
  }

  update({ gates, state }) {
    const $ = this.$;
    $("#compare-task").value = state.cmp;
    const play = $("#compare-play");
    play.setAttribute("aria-pressed", String(gates.playing));
    play.textContent = gates.playing ? "❚❚ Pause" : "▶ Train all three";
    const { task } = COMPARE_TASKS[gates.kind];
    $("#compare-what").textContent = `The same task (echo: d_t = x_{t−${task.delay}}, T = ${task.T}, a fresh sample each step), `
      + `hidden size 16, seed ${state.seed} and Adam (lr 0.03) for every cell; up to ${COMPARE_STEPS} steps each.`;
    for (const row of summaryRows(gates)) {
      const tr = this.root.querySelector(`tr[data-cell="${row.cell}"]`);
      tr.querySelector("[data-loss]").textContent = row.loss === null ? "–" : fmt(row.loss, 4);
      tr.querySelector("[data-loss]").dataset.value = row.loss === null ? "" : String(row.loss);
      tr.querySelector("[data-steps]").textContent = String(row.steps);
      tr.querySelector("[data-grad]").textContent = row.grad === null ? "–" : fmt(row.grad, 3);
    }
    const err = $("#err-compare");
    err.textContent = gates.error;
    err.hidden = !gates.error;
    const done = CELLS.every((cell) => gates.runs[cell].step >= COMPARE_STEPS);
    $("#compare-status").textContent = gates.playing ? "training…" : done ? "done" : "";
    this.schedule();
  }

  /** The plots at most every REDRAW_MS (plotly redraws cost more than a table). */
  schedule() {
    if (this.timer) return;
    const wait = Math.max(0, (this.last ?? 0) + REDRAW_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.last = performance.now();
      this.draw();
    }, wait);
  }

  async draw() {
    const Plotly = await loadPlotly(this.root.dataset.plotlySrc);
    const { gates } = this.store.get();
    const loss = CELLS.map((cell) => {
      const h = gates.runs[cell].history;
      // each step draws a fresh sample: the curve is the mean of the last 10 logged losses
      const smooth = h.map((_, i) => recentLoss(h.slice(0, i + 1)));
      return {
        x: h.map((p) => p.step), y: smooth.map((v) => (v > 0 ? v : null)), name: NAMES[cell],
        mode: "lines", line: { color: COLORS[cell], width: 1.5 },
      };
    });
    await Plotly.react(this.$("#compare-loss"), loss, plotLayout("Loss (mean of the last 10 logged steps)", "training step"), CONFIG);
    const decay = CELLS.filter((cell) => gates.decay[cell]).map((cell) => ({
      x: gates.decay[cell].lag, y: gates.decay[cell].value, name: NAMES[cell],
      mode: "lines+markers", line: { color: COLORS[cell] }, marker: { size: 5 },
    }));
    await Plotly.react(this.$("#compare-decay"), decay, plotLayout("‖∂E_T/∂s_k‖ against T − k", "T − k (steps back)"), CONFIG);
    this.root.dataset.drawn = String(Number(this.root.dataset.drawn || 0) + 1);
  }
}
