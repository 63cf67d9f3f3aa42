// View of the exploration panels (gradient-flow lab, weights, gradient check): draws the
// store's answer, comparison and check; its controls become intents (setState, gradcheck,
// labCells).
// No requests here: the controller makes them.

import { drawDecay, drawEigen, drawFlowMap } from "./charts.js";
import { fmt, maxAbs } from "./colors.js";
import { CELL_NAMES, drawCellDecay } from "./compareview.js";
import { decaySeries, logGrid, logSlope, measuredRegime, regime } from "./flowlab.js";
import { GradcheckView } from "./gradcheck.js";
import { Heatmap } from "./heatmap.js";
import { loadPlotly } from "./plotlyloader.js";
import { onlyStepChanged } from "./state.js";
import { markPlot, setSymbolText } from "./symbols.js";
import { watchVisible } from "./visible.js";
import { WeightsPanel } from "./weights.js";

const TRAINING_REDRAW_MS = 2000; // while training, the lab's plots follow at most this often

const $ = (sel) => document.querySelector(sel);
const FLOW_LABELS = {
  Ws: "‖Cᵂˢₜ,ₖ‖ (Frobenius)",
  Wx: "‖Cᵂˣₜ,ₖ‖ (Frobenius)",
  state: "‖∂Eₜ/∂sₖ‖",
  jacobian: "‖∂sₜ/∂sₖ‖₂ (LSTM: of the whole state [s, c])",
  cell: "‖κₜ,ₖ‖ = ‖∂Eₜ/∂cₖ‖ (LSTM cell state)",
};
const BOUND_TEXT = {
  vanishing: "bound: ‖Ws‖·γ < 1, every path shrinks",
  exploding: "bound: ρ(Ws)·γ > 1, gradients can grow along the leading eigenvector",
  borderline: "bound: ‖Ws‖·γ ≥ 1 ≥ ρ(Ws)·γ, between the regimes",
  overflow: "values overflowed",
};
const MEASURED_TEXT = {
  vanishing: "vanishing",
  exploding: "exploding",
  borderline: "neither vanishing nor exploding",
};

function showError(id, msg) {
  const box = $(`#${id}`);
  box.textContent = msg || "";
  box.hidden = !msg;
}

export class LabView {
  /** store: the page's store; intents: setState(patch), gradcheck(), labCells(). */
  constructor(store, intents) {
    this.store = store;
    this.intents = intents;
    this.plotlySrc = $("#flowlab").dataset.plotlySrc;
    this.weights = new WeightsPanel($("#weights"));
    this.gradcheckView = new GradcheckView($("#gc-result"));
    this.cmpMaps = {
      full: new Heatmap($("#cmp-full"), { budget: 120, max: 30, label: "∂E/∂Ws full" }),
      trunc: new Heatmap($("#cmp-trunc"), { budget: 120, max: 30, label: "∂E/∂Ws truncated" }),
    };
    this.pending = null;
    this.dirty = false;
    this.lastDraw = 0;
    // plotly redraws cost 20–300 ms each: only for a panel on screen, and when it comes into view
    this.flowVisible = watchVisible($("#flowlab"), () => this.dirty && this.scheduleFlow());
    this.weightsVisible = watchVisible($("#weights"), () => this.dirty && this.scheduleFlow());
    // the other cells' curves cost two requests (seconds at T = 200): asked for only on screen
    this.cellsVisible = watchVisible($("#flow-cells"), () => this.requestCells());
    this.bind();
    store.subscribe((next, prev) => this.update(next, prev));
    this.syncControls(store.get().state);
  }

  bind() {
    const timers = {};
    const later = (name, fn, ms) => {
      clearTimeout(timers[name]);
      timers[name] = setTimeout(fn, ms);
    };
    const rho = $("#ctl-rho");
    rho.addEventListener("input", () => {
      $("#out-rho").textContent = rhoText(Number(rho.value));
      later("rho", () => this.intents.setState({ rho: Number(rho.value) }), 120);
    });
    // a second handle on the page's one truncation K (the store owns it, the URL follows)
    const cK = $("#ctl-cK");
    cK.addEventListener("input", () => {
      $("#out-cK").textContent = kText(Number(cK.value));
      later("cK", () => this.intents.setState({ K: Number(cK.value) }), 120);
    });
    $("#ctl-flow").addEventListener("change", (ev) => this.intents.setState({ flow: ev.target.value }));
    $("#btn-gradcheck").addEventListener("click", () => this.intents.gradcheck());
  }

  update(next, prev) {
    if (next.state !== prev.state && !onlyStepChanged(next.state, prev.state)) this.syncControls(next.state);
    if (next.answer !== prev.answer && next.answer) {
      this.gradcheckView.clear(this.gradcheckShown ? "The model changed: run the check again." : "");
      this.gradcheckShown = false;
      showError("err-gradcheck", "");
    }
    const stopped = prev.training && prev.training.playing && !next.training.playing;
    if (next.answer !== prev.answer || next.state.flow !== prev.state?.flow || (stopped && this.dirty)) this.scheduleFlow();
    if (next.compare !== prev.compare && next.compare) this.showGap(next.compare);
    if (next.compareError !== prev.compareError) showError("err-cK", next.compareError);
    if (next.answer !== prev.answer || next.state.K !== prev.state?.K) this.syncCompareSlider(next);
    if (next.gradcheck !== prev.gradcheck) this.showGradcheck(next.gradcheck);
    if (next.cells !== prev.cells) this.drawCells();
    if (next.answer !== prev.answer || stopped) this.requestCells();
  }

  /** Ask for the three cells' curves of the current answer, once, when the plot is on screen and no training runs. */
  requestCells() {
    const { answer, training } = this.store.get();
    if (!answer || answer === this.cellsAsked || training.playing || !this.cellsVisible()) return;
    this.cellsAsked = answer;
    this.intents.labCells();
  }

  /** Controls ← state. */
  syncControls(state) {
    const rho = $("#ctl-rho");
    if (document.activeElement !== rho) rho.value = String(state.rho);
    $("#out-rho").textContent = rhoText(state.rho);
    $("#ctl-flow").value = state.flow;
  }

  syncCompareSlider({ answer, state }) {
    const T = answer ? answer.vm.T : state.T;
    const slider = $("#ctl-cK");
    slider.max = String(Math.max(1, T)); // as the Backward control's
    if (document.activeElement !== slider) slider.value = String(state.K);
    $("#out-cK").textContent = kText(state.K);
  }

  showDiagnostics(vm, slope) {
    const diag = vm.diagnostics;
    const rows = [
      ["ρ(Ws)", fmt(diag.ws_spectral_radius, 4)],
      ["‖Ws‖₂", fmt(diag.ws_spectral_norm, 4)],
      ["γ = max Φ′", fmt(diag.gamma, 4)],
      ["1/γ", diag.gamma ? fmt(1 / diag.gamma, 4) : "—"],
    ];
    const dl = $("#flow-diag");
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = setSymbolText(document.createElement("dt"), k);
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }));
    const bound = regime(diag);
    const measured = measuredRegime(slope);
    const kind = measured ?? bound;
    const note = $("#flow-regime");
    const parts = [];
    if (measured) {
      const factor = fmt(10 ** slope, 3);
      parts.push(`Measured on this sequence: ×${factor} per step back, ${MEASURED_TEXT[measured]}.`);
      if (bound === "exploding" && measured === "vanishing") {
        parts.push("The spectrum allows growth (ρ(Ws)·γ > 1), but Φ′ stays below γ along this path, so the gradients shrink.");
      } else {
        parts.push(`${BOUND_TEXT[bound][0].toUpperCase()}${BOUND_TEXT[bound].slice(1)}.`);
      }
    } else {
      parts.push(`${BOUND_TEXT[bound][0].toUpperCase()}${BOUND_TEXT[bound].slice(1)}.`);
    }
    if (diag.warnings.length) parts.push(diag.warnings.join("; "));
    setSymbolText(note, parts.join(" "), { cell: vm.cell });
    note.dataset.regime = kind;
    note.dataset.bound = bound;
  }

  async plotly() {
    if (window.Plotly) return window.Plotly;
    $("#lab-status").textContent = "Loading the plotting library…";
    const Plotly = await loadPlotly(this.plotlySrc);
    $("#lab-status").textContent = "";
    return Plotly;
  }

  /** Plotly, or null when it failed to load (said in #lab-status) or `current()` moved on. */
  async plotlyWhile(current) {
    const before = current();
    try {
      const Plotly = await this.plotly();
      return current() === before ? Plotly : null; // null: superseded while loading
    } catch (err) {
      $("#lab-status").textContent = String(err.message || err);
      return null;
    }
  }

  /** The flow plots redrawn at the next animation frame (one redraw for several changes). */
  scheduleFlow() {
    this.dirty = true;
    if (this.pending) return;
    const training = this.store.get().training.playing;
    // while training, a lab off screen is drawn when it scrolls into view (or training stops)
    if (training && !this.flowVisible() && !this.weightsVisible() && this.drawnOnce) return;
    const wait = training ? Math.max(0, this.lastDraw + TRAINING_REDRAW_MS - performance.now()) : 0;
    this.pending = setTimeout(() => requestAnimationFrame(() => {
      this.pending = null;
      this.dirty = false;
      this.lastDraw = performance.now();
      this.drawnOnce = true;
      this.drawFlow();
    }), wait);
  }

  /** The flow map and the decay plot of the current answer (plotly, loaded on first use). */
  async drawFlow() {
    const { answer, state } = this.store.get();
    if (!answer) return;
    const vm = answer.vm;
    this.weights.render(vm.weights, vm.gates); // with the lab's plots: off screen while training, later
    const series = decaySeries(vm);
    const slope = logSlope(series.lag, series.value);
    this.showDiagnostics(vm, slope);
    const Plotly = await this.plotlyWhile(() => this.store.get().answer);
    if (!Plotly) return;
    const raw = vm.flow[state.flow] ?? Array.from({ length: vm.T }, () => new Array(vm.T).fill(null));
    const mapDiv = $("#flow-map");
    await drawFlowMap(Plotly, mapDiv, { logZ: logGrid(raw), raw, label: FLOW_LABELS[state.flow], jacobian: state.flow === "jacobian" });
    mapDiv.dataset.kind = state.flow;
    const jac = state.flow === "jacobian";
    markPlot(mapDiv, { cell: vm.cell, axes: jac ? { x: "k jacobian", y: "t jacobian" } : { x: "k", y: "t" } });
    const axes = jac ? "every later state t and earlier state k" : "every loss step t and term k";
    // the empty column k = 1 of the Ws map is no missing value: C^Ws_{t,1} = s₀ᵀ δ_{t,1} = 0
    const zero = state.flow === "Ws" && vm.s0.every((v) => v === 0) ? " Column k = 1 is empty because every Cᵂˢₜ,₁ is 0: s₀ = 0." : "";
    setSymbolText($("#flow-map-caption"), `${FLOW_LABELS[state.flow]} for ${axes} (log colour scale).${zero}`, { cell: vm.cell });
    const decayDiv = $("#flow-decay");
    if (this.decayShown !== answer) {
      await new Promise((resolve) => requestAnimationFrame(resolve)); // one plot per frame
      await drawDecay(Plotly, decayDiv, series);
      decayDiv.dataset.slope = slope === null ? "" : String(slope);
      decayDiv.dataset.rho = String(vm.diagnostics.ws_spectral_radius);
      markPlot(decayDiv, { cell: vm.cell, axes: { x: "k" } });
      setSymbolText($("#flow-decay-caption"), slope === null
        ? "‖∂s_T/∂s_k‖₂ against T − k."
        : `‖∂s_T/∂s_k‖₂ against T − k: about ×${fmt(10 ** slope, 3)} per step back (log slope ${fmt(slope, 3)}).`, { cell: vm.cell });
      await new Promise((resolve) => requestAnimationFrame(resolve));
      await drawEigen(Plotly, $("#w-eigen"), { eig: vm.diagnostics.ws_eigenvalues, gamma: vm.diagnostics.gamma });
      this.decayShown = answer;
    }
    $("#flowlab").dataset.drawn = String(Number($("#flowlab").dataset.drawn || 0) + 1);
    window.dispatchEvent(new CustomEvent("lab:drawn"));
  }

  /** The three cells' ‖∂E_T/∂s_k‖ on the graph's sequence, the graph's own cell emphasised. */
  async drawCells() {
    const { cells } = this.store.get();
    if (!cells) return;
    showError("err-cells", cells.error ? `The other cells could not be computed: ${cells.error}` : "");
    const Plotly = await this.plotlyWhile(() => this.store.get().cells);
    if (!Plotly) return;
    const div = $("#flow-cells");
    await drawCellDecay(Plotly, div, cells);
    markPlot(div, { cell: cells.current, axes: { x: "k" } });
    div.dataset.current = cells.current;
    div.dataset.h = String(cells.H);
    div.dataset.cells = Object.keys(cells.decay).filter((c) => cells.decay[c].lag.length).sort().join(" ");
    setSymbolText($("#flow-cells-caption"), cellsCaption(cells));
    div.dataset.drawn = String(Number(div.dataset.drawn || 0) + 1);
  }

  showGap({ gaps, full, trunc, K }) {
    const tbody = $("#cmp-body");
    $("#cmp").dataset.k = String(K);
    $("#cmp").classList.toggle("idle", K === 0);
    if (K === 0) {
      // full BPTT on the graph: nothing dropped, nothing to compare
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 6;
      td.className = "help";
      td.textContent = "Full BPTT: no term is dropped. Choose a truncation K ≥ 1 (here or under Backward) to see what it costs.";
      tr.append(td);
      tbody.replaceChildren(tr);
      $("#cmp-trunc-label").textContent = "truncated";
      return;
    }
    tbody.replaceChildren(...Object.entries(gaps).map(([name, g]) => {
      const tr = document.createElement("tr");
      tr.dataset.weight = name;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = name;
      tr.append(th);
      for (const [key, v] of [["full", g.full], ["truncated", g.truncated], ["diff", g.diff], ["rel", g.rel], ["cosine", g.cosine]]) {
        const td = document.createElement("td");
        td.textContent = fmt(v, 4);
        td.dataset[key] = String(v);
        tr.append(td);
      }
      return tr;
    }));
    const domain = maxAbs([full, trunc]);
    this.cmpMaps.full.draw(full, domain);
    this.cmpMaps.trunc.draw(trunc, domain);
    $("#cmp-trunc-label").textContent = `truncated, K = ${K}`;
    $("#cmp").dataset.k = String(K);
  }

  showGradcheck(gc) {
    const btn = $("#btn-gradcheck");
    const running = !!(gc && gc.running);
    btn.disabled = running;
    if (running) btn.setAttribute("aria-busy", "true");
    else btn.removeAttribute("aria-busy");
    btn.textContent = running ? "Checking…" : "Check the gradients";
    if (!gc || running) return;
    if (gc.error) {
      showError("err-gradcheck", gc.error);
      return;
    }
    showError("err-gradcheck", "");
    this.gradcheckView.render(gc.result);
    this.gradcheckShown = true;
  }
}

function kText(K) {
  return K > 0 ? `K = ${K}` : "full";
}

function rhoText(rho) {
  return rho > 0 ? `ρ = ${Number(rho).toFixed(2)}` : "as seeded";
}

/** What the three decay curves show, in words, with their values farthest back in time. */
function cellsCaption({ current, decay, trained }) {
  const shown = Object.keys(decay).filter((c) => decay[c].lag.length);
  if (!shown.length) return "‖∂E_T/∂s_k‖ against T − k: E_T is not a loss step here, so there is no curve.";
  const far = Math.max(...shown.map((c) => decay[c].lag[decay[c].lag.length - 1]));
  const at = shown.filter((c) => decay[c].lag[decay[c].lag.length - 1] === far)
    .map((c) => `${CELL_NAMES[c]} ${fmt(decay[c].value[decay[c].value.length - 1], 3)}`);
  const weights = trained
    ? `the ${CELL_NAMES[current]} with its weights after ${trained} training steps, the others as seeded`
    : "every cell as seeded";
  return `‖∂E_T/∂s_k‖ against T − k for the plain RNN, the LSTM and the GRU on this graph's sequence `
    + `(the same sizes, seed and loss; ${weights}); the thick line is the graph's ${CELL_NAMES[current]}. `
    + `At T − k = ${far}: ${at.join(", ")}.`;
}
