// Controller of the exploration panels (gradient-flow lab, weights, gradient check):
// control → state (through main.js's setState) → fetch via api.js → renderers draw.

import { ApiError, postBptt, postGradcheck } from "./api.js";
import { drawDecay, drawEigen, drawFlowMap } from "./charts.js";
import { fmt, maxAbs } from "./colors.js";
import { decaySeries, gradientGap, logGrid, logSlope, regime } from "./flowlab.js";
import { GradcheckView } from "./gradcheck.js";
import { Heatmap } from "./heatmap.js";
import { loadPlotly } from "./plotlyloader.js";
import { WeightsPanel } from "./weights.js";

const $ = (sel) => document.querySelector(sel);
const BUSY_AFTER_MS = 300;
const FLOW_LABELS = {
  Ws: "‖Cᵂˢₜ,ₖ‖ (Frobenius)",
  Wx: "‖Cᵂˣₜ,ₖ‖ (Frobenius)",
  state: "‖∂Eₜ/∂sₖ‖",
  jacobian: "‖∂sₜ/∂sₖ‖₂",
};
const REGIME_TEXT = {
  vanishing: "‖Ws‖·γ < 1: every path shrinks, gradients from far back vanish",
  exploding: "ρ(Ws)·γ > 1: gradients can grow along the leading eigenvector (exploding)",
  borderline: "‖Ws‖·γ ≥ 1 ≥ ρ(Ws)·γ: between the regimes",
  overflow: "values overflowed",
};

/** The message of a failed request, or null when it was only superseded (aborted). */
function failure(err) {
  if (err.name === "AbortError") return null;
  return err instanceof ApiError ? err.errors.map((e) => e.msg).join(" ") : String(err);
}

function showError(id, msg) {
  const box = $(`#${id}`);
  box.textContent = msg || "";
  box.hidden = !msg;
}

export class Lab {
  constructor({ getState, setState, getBody }) {
    this.getState = getState;
    this.setState = setState;
    this.getBody = getBody;
    this.data = null;
    this.shown = {}; // state values the drawing was made for
    this.cmp = null; // AbortController of the comparison requests
    this.gc = null; // AbortController of the gradient check
    this.plotlySrc = $("#flowlab").dataset.plotlySrc;
    this.weights = new WeightsPanel($("#weights"));
    this.gradcheck = new GradcheckView($("#gc-result"));
    this.cmpMaps = {
      full: new Heatmap($("#cmp-full"), { budget: 120, max: 30, label: "∂E/∂Ws full" }),
      trunc: new Heatmap($("#cmp-trunc"), { budget: 120, max: 30, label: "∂E/∂Ws truncated" }),
    };
    this.bind();
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
      later("rho", () => this.setState({ rho: Number(rho.value) }), 120);
    });
    const cK = $("#ctl-cK");
    cK.addEventListener("input", () => {
      $("#out-cK").textContent = `K = ${cK.value}`;
      later("cK", () => this.setState({ cK: Number(cK.value) }), 120);
    });
    $("#ctl-flow").addEventListener("change", (ev) => this.setState({ flow: ev.target.value }));
    $("#btn-gradcheck").addEventListener("click", () => this.runGradcheck());
  }

  /** Controls ← state; redraw what depends only on lab switches. */
  sync(state) {
    const rho = $("#ctl-rho");
    if (document.activeElement !== rho) rho.value = String(state.rho);
    $("#out-rho").textContent = rhoText(state.rho);
    $("#ctl-flow").value = state.flow;
    if (!this.data) return;
    if (state.flow !== this.shown.flow) this.drawFlow();
    if (this.compareK(state) !== this.shown.cK) this.compare();
  }

  /** A new /api/bptt answer: draw everything and re-run the comparison. */
  render(data) {
    this.data = data;
    this.gradcheck.clear(this.gradcheckShown ? "The model changed: run the check again." : "");
    this.gradcheckShown = false;
    showError("err-gradcheck", "");
    this.weights.render(data.weights);
    this.showDiagnostics(data.diagnostics);
    this.drawFlow();
    this.compare();
  }

  compareK(state) {
    const T = this.data ? this.data.T : state.T;
    return Math.max(1, Math.min(state.cK, Math.max(1, T - 1)));
  }

  showDiagnostics(diag) {
    const rows = [
      ["ρ(Ws)", fmt(diag.ws_spectral_radius, 4)],
      ["‖Ws‖₂", fmt(diag.ws_spectral_norm, 4)],
      ["γ = max Φ′", fmt(diag.gamma, 4)],
      ["1/γ", diag.gamma ? fmt(1 / diag.gamma, 4) : "—"],
    ];
    const dl = $("#flow-diag");
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }));
    const kind = regime(diag);
    const note = $("#flow-regime");
    note.textContent = REGIME_TEXT[kind] + (diag.warnings.length ? ` — ${diag.warnings.join("; ")}` : "");
    note.dataset.regime = kind;
  }

  async plotly() {
    if (window.Plotly) return window.Plotly;
    $("#lab-status").textContent = "Loading the plotting library…";
    const Plotly = await loadPlotly(this.plotlySrc);
    $("#lab-status").textContent = "";
    return Plotly;
  }

  /** The flow map and the decay plot of the current answer (plotly, loaded on first use). */
  async drawFlow() {
    const data = this.data;
    const state = this.getState();
    this.shown.flow = state.flow;
    let Plotly;
    try {
      Plotly = await this.plotly();
    } catch (err) {
      $("#lab-status").textContent = String(err.message || err);
      return;
    }
    if (data !== this.data) return; // superseded while loading
    const raw = data.flow[state.flow];
    const mapDiv = $("#flow-map");
    await drawFlowMap(Plotly, mapDiv, { logZ: logGrid(raw), raw, label: FLOW_LABELS[state.flow] });
    mapDiv.dataset.kind = state.flow;
    $("#flow-map-caption").textContent = `${FLOW_LABELS[state.flow]} for every loss step t and term k (log colour scale).`;
    const series = decaySeries(data);
    const decayDiv = $("#flow-decay");
    await drawDecay(Plotly, decayDiv, series);
    const slope = logSlope(series.lag, series.value);
    decayDiv.dataset.slope = slope === null ? "" : String(slope);
    decayDiv.dataset.rho = String(data.diagnostics.ws_spectral_radius);
    $("#flow-decay-caption").textContent = slope === null
      ? "‖∂s_T/∂s_k‖ against T − k."
      : `‖∂s_T/∂s_k‖ against T − k: about ×${fmt(10 ** slope, 3)} per step back (log slope ${fmt(slope, 3)}).`;
    await drawEigen(Plotly, $("#w-eigen"), { eig: data.diagnostics.ws_eigenvalues, gamma: data.diagnostics.gamma });
    $("#flowlab").dataset.drawn = String(Number($("#flowlab").dataset.drawn || 0) + 1);
    window.dispatchEvent(new CustomEvent("lab:drawn"));
  }

  /** Full and truncated BPTT on the same sequence (detail "norms"), and the gap between them. */
  async compare() {
    const body = this.getBody();
    if (!body || !this.data) return;
    const K = this.compareK(this.getState());
    this.shown.cK = K;
    const slider = $("#ctl-cK");
    slider.max = String(Math.max(1, this.data.T - 1));
    slider.disabled = this.data.T < 2;
    if (document.activeElement !== slider) slider.value = String(K);
    $("#out-cK").textContent = `K = ${K}`;
    if (this.cmp) this.cmp.abort();
    const controller = new AbortController();
    this.cmp = controller;
    const busy = setTimeout(() => { $("#cmp").setAttribute("aria-busy", "true"); }, BUSY_AFTER_MS);
    const req = (truncate) => postBptt({ ...body, detail: "norms", truncate }, { signal: controller.signal });
    try {
      const [full, trunc] = await Promise.all([req(null), req(K)]);
      if (controller.signal.aborted) return;
      showError("err-cK", "");
      this.showGap(gradientGap(full.data, trunc.data), full.data, trunc.data, K);
    } catch (err) {
      const msg = failure(err);
      if (msg) showError("err-cK", msg); // the last good comparison stays
    } finally {
      clearTimeout(busy);
      if (this.cmp === controller) {
        this.cmp = null;
        $("#cmp").setAttribute("aria-busy", "false");
      }
    }
  }

  showGap(gaps, full, trunc, K) {
    const tbody = $("#cmp-body");
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
    const domain = maxAbs([full.grads.Ws, trunc.grads.Ws]);
    this.cmpMaps.full.draw(full.grads.Ws, domain);
    this.cmpMaps.trunc.draw(trunc.grads.Ws, domain);
    $("#cmp-trunc-label").textContent = `truncated, K = ${K}`;
    $("#cmp").dataset.k = String(K);
  }

  /** The gradient-check button: /api/gradcheck for the model and sequence on screen. */
  async runGradcheck() {
    const body = this.getBody();
    if (!body) return;
    const { model, inputs, targets, s0, loss_steps } = body;
    const request = { model, inputs, targets, loss_steps, ...(s0 ? { s0 } : {}) };
    if (this.gc) this.gc.abort();
    const controller = new AbortController();
    this.gc = controller;
    const btn = $("#btn-gradcheck");
    btn.disabled = true;
    btn.setAttribute("aria-busy", "true");
    const busy = setTimeout(() => { btn.textContent = "Checking…"; }, BUSY_AFTER_MS);
    try {
      const { data } = await postGradcheck(request, { signal: controller.signal });
      showError("err-gradcheck", "");
      this.gradcheck.render(data);
      this.gradcheckShown = true;
    } catch (err) {
      const msg = failure(err);
      if (msg) showError("err-gradcheck", msg);
    } finally {
      clearTimeout(busy);
      if (this.gc === controller) this.gc = null;
      btn.disabled = false;
      btn.removeAttribute("aria-busy");
      btn.textContent = "Check the gradients";
    }
  }
}

function rhoText(rho) {
  return rho > 0 ? `ρ = ${Number(rho).toFixed(2)}` : "as seeded";
}
