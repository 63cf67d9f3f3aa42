// Wiring: control event → state → URL hash → fetch /api/bptt → renderers.

import { Accumulator } from "./accumulator.js";
import { ApiError, postBptt } from "./api.js";
import { fmt } from "./colors.js";
import { EquationsPanel } from "./equations.js";
import { showMatrix, hidePopover } from "./popover.js";
import {
  PROPS, bpttRequest, controlForLoc, hashFromState, requestChanged, sineSequence, stateFromHash,
} from "./state.js";
import { findTerm, norm } from "./terms.js";
import {
  accumulate, buildTimeline, caption, chosenStep, droppedKs, lossSteps, stepFocus, termPath,
} from "./timeline.js";
import { TrainingPanel } from "./training.js";
import { Exporter } from "./export.js";
import { Lab } from "./lab.js";
import { Lecture } from "./lecture.js";
import { PresetPicker, withPreset } from "./presets.js";
import { UnfoldedGraph } from "./unfolded.js";

const $ = (sel) => document.querySelector(sel);
const PLAY_MS = { forward: 650, default: 1000 };
const BUSY_AFTER_MS = 300;

/** Everything the page knows; one object, not module-level lets. */
const app = {
  state: stateFromHash(location.hash),
  requested: null, // the state of the last good request
  data: null, // the last good /api/bptt response
  t: null, // the loss step shown
  timeline: [],
  accs: [],
  playing: null, // timer id while playing
  inflight: null, // AbortController of the running request
  hover: null,
};

const graph = new UnfoldedGraph($("#unfolded"), { onHover: hoverGraph, onClick: clickGraph });
const equations = new EquationsPanel($("#equations-body"), { onHover: hoverTerm, onClick: clickTerm });
const accWs = new Accumulator($("#acc-Ws"), "Ws", { onHover: hoverTerm });
const accWx = new Accumulator($("#acc-Wx"), "Wx", { onHover: hoverTerm });
const training = new TrainingPanel($("#train-panel"), {
  getState: () => app.state, setState: (patch) => setState(patch), refreshGraph: () => scheduleFetch(),
});
// the exploration lab, lecture mode and keys, presets, export
const wiring = { getState: () => app.state, setState: (patch) => setState(patch) };
const lab = new Lab({ ...wiring, getBody: () => app.body });
const lecture = new Lecture(wiring);
const presets = new PresetPicker($("#ctl-preset"), wiring);
new Exporter({
  svg: $("#unfolded"), getData: () => app.data, getState: () => app.state, error: $("#err-export"),
  buttons: { svg: $("#btn-svg"), png: $("#btn-png"), json: $("#btn-json") },
});

// ---------------------------------------------------------------- controls ⇄ state

const CONTROLS = {
  T: "#ctl-T", H: "#ctl-H", act: "#ctl-act", seed: "#ctl-seed", loss: "#ctl-loss", K: "#ctl-K",
  seq: "#ctl-seq", xs: "#ctl-xs", ds: "#ctl-ds", t: "#ctl-t",
};

function syncControls() {
  const st = app.state;
  for (const [name, sel] of Object.entries(CONTROLS)) {
    const el = $(sel);
    if (el && document.activeElement !== el) el.value = String(st[name]);
  }
  $("#ctl-K").max = String(Math.max(1, currentT()));
  $("#out-K").textContent = st.K > 0 ? `K = ${st.K}` : "full";
  $("#ctl-mode").checked = st.mode === "all";
  $("#btn-view").setAttribute("aria-pressed", String(st.view === "folded"));
  $("#btn-view").textContent = st.view === "folded" ? "Unfold" : "Fold";
  const custom = st.seq === "custom";
  $("#custom-seq").hidden = !custom;
  $("#ctl-T").disabled = custom;
  graph.setView(st.view);
}

function syncLab(state) {
  lab.sync(state);
  lecture.sync(state);
  presets.sync(state);
}

function currentT() {
  return app.data ? app.data.T : app.state.T;
}

function readControl(name, el) {
  const prop = PROPS.find((p) => p.name === name);
  if (prop.type === "int") {
    const v = Number(el.value);
    return Number.isInteger(v) ? v : undefined;
  }
  return el.value;
}

/** Apply a change: new state → URL (a history entry when `push`) → fetch or redraw. */
function setState(patch, { push = true } = {}) {
  const next = withPreset({ ...app.state, ...patch }); // a changed value ends the preset
  const hash = hashFromState(next);
  if (push && hash !== location.hash) history.pushState(null, "", hash);
  else history.replaceState(null, "", hash);
  apply(next);
}

function apply(next) {
  const prev = app.state;
  app.state = next;
  syncControls();
  training.sync(next);
  syncLab(next);
  if (!app.data || requestChanged(next, app.requested ?? prev)) {
    scheduleFetch();
    return;
  }
  if (next.t !== prev.t || next.mode !== prev.mode) rebuild();
  else renderStep();
}

function bindControls() {
  const debounced = new Map();
  for (const [name, sel] of Object.entries(CONTROLS)) {
    const el = $(sel);
    const commit = () => {
      const v = readControl(name, el);
      if (v === undefined) return;
      const patch = { [name]: v };
      if (name === "seq" && v === "custom" && !app.state.xs) {
        const { xs, ds } = sineSequence(app.state.T);
        patch.xs = xs.join(", ");
        patch.ds = ds.join(", ");
      }
      if (name !== "t") patch.step = app.state.step;
      setState(patch);
    };
    const typing = el.tagName === "INPUT" && el.type !== "range";
    el.addEventListener(typing ? "input" : "change", () => {
      clearTimeout(debounced.get(name));
      debounced.set(name, setTimeout(commit, typing ? 350 : 0));
    });
    if (el.type === "range") el.addEventListener("input", () => {
      $("#out-K").textContent = Number(el.value) > 0 ? `K = ${el.value}` : "full";
      clearTimeout(debounced.get(name));
      debounced.set(name, setTimeout(commit, 120));
    });
  }
  $("#ctl-mode").addEventListener("change", (ev) => setState({ mode: ev.target.checked ? "all" : "one", step: 0 }));
  $("#btn-view").addEventListener("click", () => setState({ view: app.state.view === "folded" ? "unfolded" : "folded" }));
  $("#btn-play").addEventListener("click", togglePlay);
  $("#btn-next").addEventListener("click", () => go(1));
  $("#btn-prev").addEventListener("click", () => go(-1));
  $("#btn-start").addEventListener("click", () => goTo(0));
  $("#btn-back").addEventListener("click", () => goTo(app.data ? app.data.T + 1 : 0));
  window.addEventListener("popstate", () => apply(stateFromHash(location.hash)));
  window.addEventListener("hashchange", () => apply(stateFromHash(location.hash)));
  document.addEventListener("keydown", onKey);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => app.data && rebuild(), 200);
  });
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("#popover, [data-term], [data-node], [data-edge]")) hidePopover();
  });
}

function onKey(ev) {
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (ev.target.closest("input, select, textarea, [contenteditable]")) return; // keep their keys
  if (ev.key === "ArrowRight") { ev.preventDefault(); go(1); }
  else if (ev.key === "ArrowLeft") { ev.preventDefault(); go(-1); }
  else if (ev.key === " " && !ev.target.closest("button, [role=button]")) { ev.preventDefault(); togglePlay(); }
  else if (ev.key === "Escape") hidePopover();
}

// ---------------------------------------------------------------- requests

let fetchTimer = null;
function scheduleFetch() {
  clearTimeout(fetchTimer);
  fetchTimer = setTimeout(fetchData, 0);
}

async function fetchData() {
  const state = app.state;
  if (app.inflight) app.inflight.abort();
  const controller = new AbortController();
  app.inflight = controller;
  const busy = setTimeout(() => setBusy(true), BUSY_AFTER_MS);
  try {
    const body = await training.bpttBody(state, bpttRequest(state)); // a task's sample, trained weights
    if (controller.signal.aborted) return;
    const { data, ms } = await postBptt(body, { signal: controller.signal });
    if (controller.signal.aborted) return;
    app.data = data;
    app.body = body; // the request that gave `data` (the lab re-runs it truncated, checks it)
    app.requested = state;
    clearErrors();
    $("#status").textContent = `Computed in ${Math.round(ms)} ms.`;
    rebuild();
    lab.render(data);
  } catch (err) {
    if (err.name === "AbortError") return;
    app.requested = state; // do not retry the same refused request
    showErrors(err instanceof ApiError ? err.errors : [{ loc: [], msg: String(err) }]);
  } finally {
    clearTimeout(busy);
    if (app.inflight === controller) {
      app.inflight = null;
      setBusy(false);
    }
  }
}

function setBusy(on) {
  $("#busy").hidden = !on;
  $("main").setAttribute("aria-busy", String(on));
}

function clearErrors() {
  for (const el of document.querySelectorAll(".field-error")) {
    el.textContent = "";
    el.hidden = true;
  }
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Show each server message beside the control its `loc` names; the last good graph stays. */
function showErrors(errors) {
  clearErrors();
  for (const { loc, msg } of errors) {
    const name = controlForLoc(loc, app.state);
    const box = (name && $(`#err-${name}`)) || $("#err-general");
    box.textContent = box.textContent ? `${box.textContent} ${msg}` : msg;
    box.hidden = false;
    if (name && CONTROLS[name]) $(CONTROLS[name]).setAttribute("aria-invalid", "true");
  }
  $("#status").textContent = "The last good result is still shown.";
}

// ---------------------------------------------------------------- drawing

/** Rebuild everything derived from the response (graph, equations, timeline, accumulators). */
function rebuild() {
  const data = app.data;
  const st = app.state;
  app.t = chosenStep(data, st.t > 0 ? st.t : data.T);
  app.timeline = buildTimeline(data, { t: app.t, mode: st.mode });
  app.accs = accumulate(data, app.timeline);
  app.maxDelta = Math.max(1e-300, ...(data.terms || []).flatMap((e) => e.k.map((term) => norm(term.dE_dz))));
  const width = $("#graph-scroll").clientWidth || 900;
  graph.render(data, { width });
  graph.setView(st.view);
  equations.render(data, { t: app.t, act: st.act, K: st.K });
  accWs.setup(data, { t: app.t, mode: st.mode, K: st.K });
  accWx.setup(data, { t: app.t, mode: st.mode, K: st.K });
  fillLossStepSelect(data);
  $("#unfolded").dataset.steps = String(app.timeline.length);
  renderStep();
  $("#unfolded").dataset.ready = "true";
  window.dispatchEvent(new CustomEvent("bptt:rendered"));
}

function fillLossStepSelect(data) {
  const sel = $("#ctl-t");
  const steps = lossSteps(data);
  const opts = [new Option(`last (t = ${data.T})`, "0")].concat(
    steps.filter((t) => t !== data.T).map((t) => new Option(`t = ${t}`, String(t))),
  );
  sel.replaceChildren(...opts);
  sel.value = steps.includes(app.state.t) && app.state.t !== data.T ? String(app.state.t) : "0";
  sel.disabled = app.state.mode === "all" || steps.length < 2;
}

function currentStepIndex() {
  return Math.max(0, Math.min(app.state.step, app.timeline.length - 1));
}

/** Draw the current animation step: focus, arrows, truncation, accumulators, equations. */
function renderStep() {
  if (!app.data || app.timeline.length === 0) return;
  const data = app.data;
  const i = currentStepIndex();
  const step = app.timeline[i];
  const focus = stepFocus(step, data.T);
  const backward = ["loss", "output", "term"].includes(step.kind);
  const t = backward ? step.t : app.t;
  const dropped = t ? droppedKs(t, app.state.K).flatMap((k) => [`Ws_${k}`, `Wx_${k}`]) : [];
  const weights = new Map();
  if (backward) {
    weights.set(`Wy_${t}`, { norm: 1, max: 1 });
    if (step.kind === "term") {
      const entry = data.terms.find((e) => e.t === t);
      for (const term of entry.k) {
        if (term.k < step.k) continue;
        const w = { norm: norm(term.dE_dz), max: app.maxDelta };
        weights.set(`Ws_${term.k}`, w);
        weights.set(`Wx_${term.k}`, w);
      }
    }
  }
  graph.setFocus({ active: focus.active, lit: focus.lit, revealed: focus.revealed, dropped, weights, backward });
  const activeTerms = step.kind === "term" ? [`Ws_${step.k}`, `Wx_${step.k}`] : step.kind === "output" ? ["Wy"] : [];
  if (app.state.mode === "all" && backward && step.t !== app.t) {
    // all-loss-steps mode walks every t: the equations follow the t being animated
    app.t = step.t;
    equations.render(data, { t: step.t, act: app.state.act, K: app.state.K });
  }
  equations.setFocus(activeTerms, app.hover ? hoverIds(app.hover) : []);
  const acc = app.accs[i];
  const doneKs = new Set();
  for (let j = 1; j <= i; j += 1) {
    const s = app.timeline[j];
    if (s.kind === "term" && s.t === t) doneKs.add(s.k);
  }
  const info = { added: acc.added, stepKey: i, currentK: step.kind === "term" ? step.k : null, doneKs };
  accWs.update(acc, info);
  accWx.update(acc, info);
  $("#step-caption").textContent = caption(step, data.T);
  $("#step-count").textContent = `${i + 1} / ${app.timeline.length}`;
  $("#btn-prev").disabled = i === 0;
  $("#btn-next").disabled = i === app.timeline.length - 1;
  const done = backward && i === app.timeline.length - 1;
  $("#acc-done").hidden = !done;
  document.body.dataset.step = String(i);
  document.body.dataset.stepKind = step.kind;
}

// ---------------------------------------------------------------- stepping

function goTo(index) {
  const n = app.timeline.length;
  if (n === 0) return;
  const i = Math.max(0, Math.min(n - 1, index));
  if (i === app.state.step) return;
  app.state = { ...app.state, step: i };
  history.replaceState(null, "", hashFromState(app.state));
  renderStep();
}

function go(delta) {
  goTo(currentStepIndex() + delta);
}

function togglePlay() {
  if (app.playing) {
    stopPlay();
    return;
  }
  if (currentStepIndex() >= app.timeline.length - 1) goTo(0);
  const btn = $("#btn-play");
  btn.setAttribute("aria-pressed", "true");
  btn.textContent = "❚❚ Pause";
  const tick = () => {
    if (currentStepIndex() >= app.timeline.length - 1) {
      stopPlay();
      return;
    }
    go(1);
    const kind = app.timeline[currentStepIndex()].kind;
    app.playing = setTimeout(tick, PLAY_MS[kind] ?? PLAY_MS.default);
  };
  app.playing = setTimeout(tick, 250);
}

function stopPlay() {
  clearTimeout(app.playing);
  app.playing = null;
  const btn = $("#btn-play");
  btn.setAttribute("aria-pressed", "false");
  btn.textContent = "▶ Play";
}

// ---------------------------------------------------------------- hover and click

/** The ids a hovered term or graph element stands for: "Ws_2" → term k = 2 (both sums). */
function hoverIds(id) {
  const m = /^(?:Ws|Wx|s)_(\d+)$/.exec(id);
  if (m) return [`Ws_${m[1]}`, `Wx_${m[1]}`];
  return id === "Wy" || /^Wy_/.test(id) ? ["Wy"] : [];
}

function termInfo(id) {
  const data = app.data;
  const t = app.t;
  const m = /^(Ws|Wx)_(\d+)$/.exec(id);
  if (m) {
    const k = Number(m[2]);
    const term = findTerm(data, t, k);
    if (!term) return { text: `C${m[1]} (t=${t}, k=${k}): dropped by truncation K = ${app.state.K}`, matrix: null };
    const operand = m[1] === "Ws" ? `s${k - 1}ᵀ` : `x${k}ᵀ`;
    return {
      text: `C^${m[1]} for t = ${t}, k = ${k}: ‖·‖F = ${fmt(norm(term[m[1]]), 4)} (click for the matrix)`,
      matrix: term[m[1]],
      title: `C^${m[1]} (t = ${t}, k = ${k}) = ${operand} δ${t},${k}`,
    };
  }
  if (id === "Wy") {
    const entry = data.terms.find((e) => e.t === t);
    return { text: `∂E${t}/∂Wy: ‖·‖F = ${fmt(norm(entry.dE_dWy), 4)} (click for the matrix)`, matrix: entry.dE_dWy, title: `∂E${t}/∂Wy = s${t}ᵀ ε${t}` };
  }
  return null;
}

function hoverTerm(id) {
  app.hover = id;
  const ids = id ? hoverIds(id) : [];
  const m = id && /^(?:Ws|Wx)_(\d+)$/.exec(id);
  graph.setHover(m ? termPath(app.t, Number(m[1])) : id === "Wy" ? { nodes: [`E_${app.t}`, `y_${app.t}`, `s_${app.t}`], edges: [`Wy_${app.t}`] } : null);
  equations.setFocus(currentActiveTerms(), ids);
  accWs.setHover(ids);
  accWx.setHover(ids);
  const info = id ? termInfo(id) : null;
  $("#hover-info").textContent = info ? info.text : "Hover a term or an arrow; click for its matrix.";
}

function currentActiveTerms() {
  const step = app.timeline[currentStepIndex()];
  if (!step) return [];
  return step.kind === "term" ? [`Ws_${step.k}`, `Wx_${step.k}`] : step.kind === "output" ? ["Wy"] : [];
}

function hoverGraph(id) {
  if (!id || !app.data) return hoverTerm(null);
  const m = /^(Ws|Wx|s)_(\d+)$/.exec(id);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= app.t) return hoverTerm(`${m[1] === "s" ? "Ws" : m[1]}_${m[2]}`);
  if (id === `Wy_${app.t}` || id === `y_${app.t}` || id === `E_${app.t}`) return hoverTerm("Wy");
  return hoverTerm(null);
}

function clickTerm(id, anchor) {
  const info = termInfo(id);
  if (info && info.matrix) showMatrix(anchor, info.title, info.matrix);
}

function clickGraph(id, anchor) {
  const m = /^(Ws|Wx|s)_(\d+)$/.exec(id);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= app.t) clickTerm(`${m[1] === "s" ? "Ws" : m[1]}_${m[2]}`, anchor);
  else if (id === `Wy_${app.t}`) clickTerm("Wy", anchor);
}

// ---------------------------------------------------------------- start

bindControls();
syncControls();
training.init();
syncLab(app.state);
history.replaceState(null, "", hashFromState(app.state));
scheduleFetch();
