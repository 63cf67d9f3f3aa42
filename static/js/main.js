// Wiring: control events → the controller (state → URL → api.js) → the store → renderers.
// This module draws the graph, the equations and the running sums from the store's
// view-model and walks the animation; it never calls the API itself.

import { Accumulator } from "./accumulator.js";
import { Camera, stepMs } from "./camera.js";
import { fmt } from "./colors.js";
import { CompareView } from "./compareview.js";
import { Controller, initialStore } from "./controller.js";
import { EquationsPanel } from "./equations.js";
import { GatesView } from "./gatesview.js";
import { Exporter } from "./export.js";
import { LabView } from "./lab.js";
import { Lecture } from "./lecture.js";
import { Lesson } from "./lesson.js";
import { LinkedViews } from "./linkedviews.js";
import { Storyboard } from "./storyboard.js";
import { Definitions, setSymbolText } from "./symbols.js";
import { zeroStart } from "./lessonsteps.js";
import { checkControl, checkState, linkErrors, normsOnlyNote, readLimits } from "./limits.js";
import { showMatrix, hidePopover } from "./popover.js";
import { PresetPicker } from "./presets.js";
import { Store, controlForLoc, hashFromState, onlyStepChanged, sineSequence, stateFromHash } from "./state.js";
import { norm } from "./terms.js";
import { setText } from "./text.js";
import {
  buildTimeline, caption, droppedEdges, foldedFocus, gateCaption, runningSums, stepFocus, stepWeights, sub, termPath,
} from "./timeline.js";
import { TrainingView } from "./training.js";
import { MAX_CELLS, zoomWindow } from "./layout.js";
import { UnfoldedGraph } from "./unfolded.js";
import { WeightsShare } from "./weightsshare.js";
import { chosenStep } from "./viewmodel.js";

const $ = (sel) => document.querySelector(sel);

/**
 * The URL the page last meant to have (written or still waiting for its REPLACE_MS slot), kept
 * in this tab's sessionStorage: a reload takes its URL before the page hears of it, so a step
 * made just before would be lost; restoreReload puts it back.
 */
const LAST_HASH_KEY = "bptt-explorer:last-hash";

function remember(hash) {
  try {
    sessionStorage.setItem(LAST_HASH_KEY, hash);
  } catch {
    // no storage (a locked-down browser): the URL alone
  }
}

/** A reload: the URL this tab's page last meant to have, not the one last written. */
function restoreReload() {
  try {
    const nav = performance.getEntriesByType("navigation")[0];
    const saved = sessionStorage.getItem(LAST_HASH_KEY);
    if (nav && nav.type === "reload" && saved && saved !== location.hash) history.replaceState(null, "", saved);
  } catch {
    // no storage: the URL as it is
  }
}
restoreReload();

const pageData = JSON.parse($("#page-data")?.textContent || "{}");
const store = new Store(initialStore(stateFromHash(location.hash), readLimits(pageData)));
/**
 * The URL: a step replaces it at most every REPLACE_MS, and not at all while playing (the
 * play writes it when it stops): history.replaceState took 5–30 ms a call in chromium on a
 * loaded machine, a dropped frame each time. The last step is always written; a push at once.
 */
const REPLACE_MS = 200;
const url = { pending: null, timer: 0, last: -Infinity };
function writeReplace() {
  const pending = url.pending;
  dropPending();
  url.last = performance.now();
  if (pending !== null && pending !== location.hash) history.replaceState(null, "", pending);
}
/** The URL write still waiting for its REPLACE_MS slot, if any, is not made. */
function dropPending() {
  clearTimeout(url.timer);
  url.timer = 0;
  url.pending = null;
}
const controller = new Controller(store, {
  hash: () => url.pending ?? location.hash,
  push: (hash) => {
    remember(hash);
    dropPending();
    history.pushState(null, "", hash);
  },
  replace: (hash) => {
    remember(hash);
    url.pending = hash;
    if (view.playing) return; // written by stopPlay
    const wait = url.last + REPLACE_MS - performance.now();
    if (wait <= 0) writeReplace();
    else if (!url.timer) url.timer = setTimeout(writeReplace, wait);
  },
});

/** What the animation shows, derived from the store's answer (not user state: not in the URL). */
const view = {
  vm: null, // the view-model drawn
  t: null, // the loss step shown
  timeline: [],
  sums: null, // the running sums of the step drawn (continued when stepping forward)
  playing: null, // timer id while playing
  hover: null,
};

const camera = new Camera($("#graph-scroll"));
const graph = new UnfoldedGraph($("#unfolded"), {
  onHover: hoverGraph, onClick: clickGraph, onExpand: () => setState({ zoom: 0 }), onDrawn: () => gatesView?.draw(),
});
const equations = new EquationsPanel($("#equations-body"), { onHover: hoverTerm, onClick: clickTerm });
const accWs = new Accumulator($("#acc-Ws"), "Ws", { onHover: hoverTerm, onScrub: scrubTo });
const accWx = new Accumulator($("#acc-Wx"), "Wx", { onHover: hoverTerm, onScrub: scrubTo });
const setState = (patch, opts) => controller.setState(patch, opts);
const gatesView = new GatesView($("#unfolded"), graph, store, { button: $("#btn-gates"), setState });
const wiring = { getState: () => store.get().state, setState };
const training = new TrainingView($("#train-panel"), store, {
  setState,
  play: () => controller.trainPlay(),
  pause: () => controller.trainPause(),
  step: () => controller.trainStep(),
  reset: () => controller.resetRun(),
});
new CompareView($("#compare"), store, {
  play: () => controller.gatesPlay(), pause: () => controller.gatesPause(), reset: () => controller.gatesReset(), setState,
});
new LabView(store, { setState, gradcheck: () => controller.gradcheck(), labCells: () => controller.labCells() });
new WeightsShare($("#weights-share"), store, {
  link: (base) => controller.weightsLink(base), file: () => controller.weightsFileJson(), load: (text) => controller.weightsFromFile(text),
});
const lecture = new Lecture(wiring);
const presets = new PresetPicker($("#ctl-preset"), wiring);
new Lesson(store, { setState });
new LinkedViews(store, setState);
new Storyboard(store, setState);
new Definitions($("#definition"));
new Exporter({
  svg: $("#unfolded"), getAnswer: () => store.get().answer, getState: () => store.get().state, error: $("#err-export"),
  buttons: { svg: $("#btn-svg"), png: $("#btn-png"), json: $("#btn-json"), python: $("#btn-copy-python"), curl: $("#btn-copy-curl") },
  copy: { panel: $("#copy-call"), text: $("#copy-call-text"), status: $("#copy-call-status"), close: $("#copy-call-close") },
});

// ---------------------------------------------------------------- controls ⇄ state

const CONTROLS = {
  T: "#ctl-T", H: "#ctl-H", cell: "#ctl-cell", act: "#ctl-act", seed: "#ctl-seed", c0: "#ctl-c0", loss: "#ctl-loss", K: "#ctl-K",
  seq: "#ctl-seq", xs: "#ctl-xs", ds: "#ctl-ds", t: "#ctl-t",
};

function syncControls({ state, fieldErrors, tasks }) {
  for (const [name, sel] of Object.entries(CONTROLS)) {
    const el = $(sel);
    if (el && document.activeElement !== el && !(name in fieldErrors)) el.value = String(state[name]);
  }
  // with a task chosen in the training panel, its sample and its loss steps are what is drawn
  const task = state.task && tasks ? tasks.get(state.task) : null;
  const taskSeq = $("#ctl-seq option[value='task']");
  const taskLoss = $("#ctl-loss option[value='task']");
  taskSeq.hidden = !task;
  taskLoss.hidden = !task;
  if (task) {
    taskSeq.textContent = `task: ${task.title}`;
    const ls = task.loss_steps;
    taskLoss.textContent = ls === "all" ? "every step (task)" : ls === "last" ? "last only (task)" : `${ls} (task)`;
    $("#ctl-seq").value = "task";
    $("#ctl-loss").value = "task";
  }
  $("#ctl-seq").disabled = !!task;
  // gated cells fix their own nonlinearities: Φ is tanh, the other choices are off
  const gated = state.cell !== "rnn";
  for (const opt of $("#ctl-act").options) opt.disabled = gated && opt.value !== "tanh";
  if (gated && document.activeElement !== $("#ctl-act")) $("#ctl-act").value = "tanh";
  $("#act-note").hidden = !gated;
  $("#c0-field").hidden = state.cell !== "lstm"; // only the LSTM has a cell state
  $("#ctl-c0").disabled = state.cell !== "lstm";
  const kappa = $("#ctl-flow option[value='cell']");
  if (kappa) kappa.disabled = state.cell !== "lstm"; // only the LSTM has a cell state
  document.body.dataset.cell = state.cell;
  $("#ctl-loss").disabled = !!task;
  $("#ctl-K").max = String(Math.max(1, view.vm ? view.vm.T : state.T));
  $("#out-K").textContent = state.K > 0 ? `K = ${state.K}` : "full";
  $("#ctl-mode").checked = state.mode === "all";
  $("#ctl-speed").value = String(state.speed);
  $("#btn-follow").setAttribute("aria-pressed", String(state.follow === 1));
  $("#btn-fit").setAttribute("aria-pressed", String(state.fit === 1));
  $("#btn-view").setAttribute("aria-pressed", String(state.view === "folded"));
  $("#btn-view").textContent = state.view === "folded" ? "Unfold" : "Fold";
  const custom = state.seq === "custom";
  $("#custom-seq").hidden = !custom;
  $("#ctl-T").disabled = custom;
  graph.setView(state.view);
  $("#graph-title").textContent = state.view === "folded"
    ? "The network folded: one cell, the same weights at every step"
    : "The network unfolded in time";
  lecture.sync(state);
  presets.sync(state);
}

/** Read a control: {patch} to apply, or {error} shown beside it (nothing sent, URL untouched). */
function readControl(name, el) {
  const { state, limits } = store.get();
  if (["T", "H", "seed", "xs", "ds", "c0"].includes(name)) {
    const result = checkControl(name, el.value, limits, { H: state.H });
    if (result.error) return { error: result.error };
    return { patch: { [name]: result.value } };
  }
  if (name === "K" || name === "t") return { patch: { [name]: Number(el.value) } };
  const patch = { [name]: el.value };
  if (name === "seq" && el.value === "custom" && !state.xs) {
    const { xs, ds } = sineSequence(state.T);
    patch.xs = xs.join(", ");
    patch.ds = ds.join(", ");
  }
  return { patch };
}

function bindControls() {
  const debounced = new Map();
  for (const [name, sel] of Object.entries(CONTROLS)) {
    const el = $(sel);
    const commit = () => {
      const result = readControl(name, el);
      if (result.error) {
        controller.fieldError(name, result.error);
        return;
      }
      if (name in store.get().fieldErrors) controller.fieldError(name, "");
      const patch = result.patch;
      if (name !== "t") patch.step = store.get().state.step;
      setState(patch);
    };
    const typing = el.tagName === "INPUT" && el.type !== "range";
    el.addEventListener(typing ? "input" : "change", () => {
      clearTimeout(debounced.get(name));
      if (typing) {
        // the check answers at once; the request waits for the typing to pause
        const result = readControl(name, el);
        controller.fieldError(name, result.error || "");
        if (result.error) return;
      }
      debounced.set(name, setTimeout(commit, typing ? 350 : 0));
    });
    if (el.type === "range") el.addEventListener("input", () => {
      $("#out-K").textContent = Number(el.value) > 0 ? `K = ${el.value}` : "full";
      clearTimeout(debounced.get(name));
      debounced.set(name, setTimeout(commit, 120));
    });
  }
  $("#ctl-mode").addEventListener("change", (ev) => setState({ mode: ev.target.checked ? "all" : "one", step: 0 }));
  $("#btn-view").addEventListener("click", () => setState({ view: store.get().state.view === "folded" ? "unfolded" : "folded" }));
  $("#btn-play").addEventListener("click", togglePlay);
  $("#btn-next").addEventListener("click", () => go(1));
  $("#btn-prev").addEventListener("click", () => go(-1));
  $("#btn-start").addEventListener("click", () => goTo(0));
  $("#btn-back").addEventListener("click", () => goTo(view.vm ? view.vm.T + 1 : 0));
  $("#btn-end").addEventListener("click", () => goTo(view.timeline.length - 1));
  $("#ctl-speed").addEventListener("change", (ev) => setState({ speed: Number(ev.target.value) }, { push: false }));
  $("#btn-follow").addEventListener("click", () => setState({ follow: store.get().state.follow ? 0 : 1 }));
  $("#btn-fit").addEventListener("click", () => setState({ fit: store.get().state.fit ? 0 : 1 }));
  // a link pasted or back / forward: a step's URL still waiting to be written is dropped
  const fromUrl = () => {
    dropPending();
    remember(location.hash);
    controller.fromUrl(location.hash);
  };
  // leaving or hiding the page writes the step still waiting for its REPLACE_MS slot (bfcache,
  // back, a restored tab; a reload uses the remembered hash, restoreReload)
  window.addEventListener("pagehide", () => {
    if (url.pending !== null) writeReplace();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && url.pending !== null) writeReplace();
  });
  window.addEventListener("popstate", fromUrl);
  window.addEventListener("hashchange", fromUrl);
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("#popover, [data-term], [data-node], [data-edge]")) hidePopover();
  });
}

function onKey(ev) {
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  if (ev.target.closest("input, select, textarea, [contenteditable]")) return; // keep their keys
  if (ev.key === "ArrowRight") { ev.preventDefault(); go(1); }
  else if (ev.key === "ArrowLeft") { ev.preventDefault(); go(-1); }
  else if (ev.key === "Home") { ev.preventDefault(); goTo(0); } // the page does not scroll
  else if (ev.key === "End") { ev.preventDefault(); goTo(view.timeline.length - 1); }
  else if (ev.key === " " && !ev.target.closest("button, [role=button]")) { ev.preventDefault(); togglePlay(); }
  else if (ev.key === "Escape") hidePopover();
}

// ---------------------------------------------------------------- the store → the page

store.subscribe((next, prev) => {
  const stepOnly = onlyStepChanged(next.state, prev.state);
  if ((next.state !== prev.state && !stepOnly) || next.fieldErrors !== prev.fieldErrors || next.tasks !== prev.tasks) syncControls(next);
  if (next.busy !== prev.busy) setBusy(next.busy);
  if (next.run.diverged !== prev.run.diverged) showGraphWarning();
  if (next.graphErrors !== prev.graphErrors || next.fieldErrors !== prev.fieldErrors) showErrors(next);
  if (next.training.playing !== prev.training.playing) setPace();
  if (next.answer !== prev.answer && next.answer) {
    $("#status").textContent = `Computed in ${Math.round(next.answer.ms)} ms.`;
    rebuild();
    return;
  }
  if (!view.vm || next.state === prev.state) return;
  const a = next.state;
  const b = prev.state;
  if (a.t !== b.t || a.mode !== b.mode || a.fit !== b.fit || a.zoom !== b.zoom) rebuild();
  else if (a.step !== b.step) renderStep();
  else if (a.follow !== b.follow && a.follow) follow(false);
  if (a.speed !== b.speed) setPace();
});

function setBusy(on) {
  $("#busy").hidden = !on;
  $("main").setAttribute("aria-busy", String(on));
}

function clearErrors() {
  for (const el of document.querySelectorAll(".field-error")) {
    el.textContent = "";
    el.hidden = true;
  }
  for (const el of document.querySelectorAll("#controls [aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Client checks and the server's messages, each beside the control it names; the last good graph stays. */
function showErrors({ graphErrors, fieldErrors, state }) {
  clearErrors();
  const messages = [
    ...Object.entries(fieldErrors).map(([name, msg]) => ({ name, msg })),
    ...graphErrors.map(({ loc, msg }) => ({ name: controlForLoc(loc, state), msg })),
  ];
  for (const { name, msg } of messages) {
    const box = (name && $(`#err-${name}`)) || $("#err-general");
    box.textContent = box.textContent ? `${box.textContent} ${msg}` : msg;
    box.hidden = false;
    if (name && CONTROLS[name]) $(CONTROLS[name]).setAttribute("aria-invalid", "true");
  }
  if (messages.length) $("#status").textContent = "The last good result is still shown.";
}

// ---------------------------------------------------------------- drawing

/** Rebuild everything derived from the answer (graph, equations, timeline, accumulators). */
function rebuild() {
  const { answer, state } = store.get();
  const vm = answer.vm;
  view.vm = vm;
  view.t = chosenStep(vm, state.t > 0 ? state.t : vm.T);
  view.timeline = buildTimeline(vm, { t: view.t, mode: state.mode });
  view.sums = null;
  drawGraph(vm, state, focusColumn(view.timeline[currentStepIndex()], vm.T));
  graph.setView(state.view);
  const first = view.timeline[currentStepIndex()];
  equations.render(vm, { t: view.t, act: state.act, K: state.K, activeK: first && first.kind === "term" ? first.k : null });
  accWs.setup(vm, { t: view.t, mode: state.mode, K: state.K });
  accWx.setup(vm, { t: view.t, mode: state.mode, K: state.K });
  fillLossStepSelect(vm, state);
  showGraphWarning();
  const note = $("#detail-note");
  note.hidden = vm.full;
  note.textContent = vm.full ? "" : normsOnlyNote({ T: vm.T, H: vm.H, nIn: vm.nIn }, store.get().limits);
  $("#unfolded").dataset.detail = vm.full ? "full" : "norms";
  $("#unfolded").dataset.steps = String(view.timeline.length);
  setPace();
  renderStep();
  $("#unfolded").dataset.ready = "true";
  window.dispatchEvent(new CustomEvent("bptt:rendered"));
}

/** A step shorter than this (long T, or a high play speed) gets no fades: they would never finish. */
const FADE_MIN_STEP_MS = 200;

/**
 * The fades' pace, as data-pace on the graph, the equations and the heatmaps: "fast" when a
 * step lasts under FADE_MIN_STEP_MS (every frame of a play would restyle and repaint arrows
 * and cells still fading from the step before), and for the heatmaps while training redraws
 * them. Written only when it changes, and only on these boxes: the restyle stays inside them.
 */
function setPace() {
  const { state, training } = store.get();
  const n = view.timeline.length;
  const fast = n > 0 && stepMs("term", n, state.speed) < FADE_MIN_STEP_MS;
  const mark = (el, on) => {
    const pace = on ? "fast" : "normal";
    if (el && el.dataset.pace !== pace) el.dataset.pace = pace;
  };
  mark($("#unfolded"), fast);
  mark($("#equations-body"), fast);
  for (const svg of document.querySelectorAll(".acc .heatmap")) mark(svg, fast || training.playing);
}

/**
 * The graph box's width, measured once and then kept up to date by a ResizeObserver: reading
 * clientWidth at every redraw forced a layout of the whole page (60–400 ms while training).
 */
function graphWidth() {
  if (view.width === undefined) {
    const box = $("#graph-scroll");
    view.width = box.clientWidth || 900;
    new ResizeObserver(([entry]) => {
      const w = Math.round(entry.contentRect.width);
      if (w > 0 && w !== view.width) {
        view.width = w;
        if (view.vm) rebuild();
      }
    }).observe(box);
  }
  return view.width;
}

/** Overflowed values (or a diverged training run) get a warning on the graph, not silent zeros. */
function showGraphWarning() {
  const { answer, run } = store.get();
  const box = $("#graph-warning");
  const parts = [];
  if (answer && !answer.vm.finite) {
    const bad = Object.entries(answer.vm.gradNorms).filter(([, v]) => !Number.isFinite(v)).map(([n]) => `∂E/∂${n}`);
    parts.push(`Values overflowed${bad.length ? ` (${bad.join(", ")} not finite)` : ""}: the terms and sums drawn are not meaningful.`);
    if (answer.vm.diagnostics && answer.vm.diagnostics.warnings.length) parts.push(answer.vm.diagnostics.warnings.join("; "));
  }
  if (run.diverged) parts.push(`Training diverged at step ${run.step}; the graph shows the last finite weights.`);
  box.textContent = parts.join(" ");
  box.hidden = parts.length === 0;
  $("#unfolded").dataset.finite = String(!(answer && !answer.vm.finite));
}

/** The column an animation step is about: where the semantic zoom centres. */
function focusColumn(step, T) {
  if (!step || step.kind === "ready") return 1;
  return step.kind === "term" ? step.k : step.t;
}

/** The graph, with the middle columns folded away around `column` at long T (unless fitted). */
function drawGraph(vm, state, column) {
  const width = graphWidth();
  const shown = state.zoom && !state.fit ? zoomWindow(vm.T, column) : null;
  view.zoomed = shown;
  graph.render(vm, { width, fit: state.fit === 1, shown });
  graph.setView(state.view);
  $("#zoom-note").hidden = !shown;
  $("#bar-note").hidden = vm.H <= MAX_CELLS;
}

/** Whether the focus column is two or more columns inside the window drawn in full. */
function wellInside(shown, column) {
  for (let d = -2; d <= 2; d += 1) {
    const c = column + d;
    if (c >= 1 && c <= view.vm.T && !shown.has(c)) return false;
  }
  return true;
}

function fillLossStepSelect(vm, state) {
  const sel = $("#ctl-t");
  const steps = vm.lossSteps;
  const opts = [new Option(`last (t = ${vm.T})`, "0")].concat(
    steps.filter((t) => t !== vm.T).map((t) => new Option(`t = ${t}`, String(t))),
  );
  sel.replaceChildren(...opts);
  sel.value = steps.includes(state.t) && state.t !== vm.T ? String(state.t) : "0";
  sel.disabled = state.mode === "all" || steps.length < 2;
}

function currentStepIndex() {
  return Math.max(0, Math.min(store.get().state.step, view.timeline.length - 1));
}

/** Draw the current animation step: focus, arrows, truncation, accumulators, equations. */
function renderStep() {
  const vm = view.vm;
  if (!vm || view.timeline.length === 0) return;
  const state = store.get().state;
  const i = currentStepIndex();
  const step = view.timeline[i];
  const focus = stepFocus(step, vm.T, vm.cell);
  const backward = ["loss", "output", "term"].includes(step.kind);
  const t = backward ? step.t : view.t;
  const dropped = droppedEdges(t, state.K);
  const column = focusColumn(step, vm.T);
  if (view.zoomed && !wellInside(view.zoomed, column)) drawGraph(vm, state, column); // the window moves
  gatesView.follow(step.kind === "ready" ? null : column);
  const weights = stepWeights(vm, step); // arrow widths: the norms of the error crossing them
  graph.setFocus({ active: focus.active, lit: focus.lit, revealed: focus.revealed, dropped, weights, backward, folded: foldedFocus(step) });
  const activeTerms = step.kind === "term" ? [`Ws_${step.k}`, `Wx_${step.k}`] : step.kind === "output" ? ["Wy"] : [];
  if (state.mode === "all" && backward && step.t !== view.t) {
    // all-loss-steps mode walks every t: the equations follow the t being animated
    view.t = step.t;
    equations.render(vm, { t: step.t, act: state.act, K: state.K, activeK: step.k ?? null });
  }
  equations.follow(step.kind === "term" ? step.k : null);
  equations.setFocus(activeTerms, view.hover ? hoverIds(view.hover) : []);
  view.sums = runningSums(vm, view.timeline, i, view.sums);
  const doneKs = new Set();
  for (let j = 1; j <= i; j += 1) {
    const s = view.timeline[j];
    if (s.kind === "term" && s.t === t) doneKs.add(s.k);
  }
  const info = { added: view.sums.added, stepKey: i, currentK: step.kind === "term" ? step.k : null, doneKs };
  const last = i === view.timeline.length - 1 && backward;
  const normsInfo = (W) => ({
    termNorm: step.kind === "term" ? vm.termNorm(step.t, step.k, W) : null,
    // the API's total is ∂E/∂W over the loss steps asked for: the sum shown when it is all of them
    total: last && (state.mode === "all" || vm.lossSteps.length === 1) ? vm.gradNorms[W] : null,
  });
  accWs.update(view.sums, { ...info, ...normsInfo("Ws") });
  accWx.update(view.sums, { ...info, ...normsInfo("Wx") });
  const gateWords = step.kind === "term" && step.k < step.t ? gateCaption(vm.cell, step.k + 1, vm.steps[step.k].gates) : "";
  // the surprising zero explained where it is added: C^Ws_{t,1} = s₀ᵀ δ_{t,1} = 0
  const zeroWords = step.kind === "term" && step.k === 1 && zeroStart(vm) ? ` Its Ws term is 0: s₀ = 0, no earlier state for Ws to act on.` : "";
  setSymbolText($("#step-caption"), caption(step, vm.T, { lossKind: vm.lossKind, output: vm.output, cell: vm.cell }) + gateWords + zeroWords, { cell: vm.cell });
  setText($("#step-count"), `${i + 1} / ${view.timeline.length}`);
  $("#btn-prev").disabled = i === 0;
  $("#btn-next").disabled = i === view.timeline.length - 1;
  $("#acc-done").hidden = !(backward && i === view.timeline.length - 1 && vm.finite);
  document.body.dataset.step = String(i);
  document.body.dataset.stepKind = step.kind;
  if (state.follow && (i !== view.followed || graph.key !== view.followedKey)) {
    view.followed = i;
    view.followedKey = graph.key;
    follow(true);
  }
}

/** The camera: the active element (or the column being computed) in view. */
function follow(smooth) {
  // measured just after the next frame is drawn, when its layout is done and nothing has
  // changed it yet (measuring inside a frame callback forced a second layout of the page)
  cancelAnimationFrame(view.followFrame);
  clearTimeout(view.followTimer);
  view.followFrame = requestAnimationFrame(() => {
    view.followTimer = setTimeout(() => {
      const active = [...$("#unfolded").querySelectorAll(".unfolded-view [data-active='true']")];
      camera.show(active, { smooth });
    }, 0);
  });
}

// ---------------------------------------------------------------- stepping

function goTo(index) {
  const n = view.timeline.length;
  if (n === 0) return;
  const i = Math.max(0, Math.min(n - 1, index));
  if (i === store.get().state.step) return;
  controller.setStep(i);
}

/** The strip of terms was scrubbed to term k: the animation step that adds it. */
function scrubTo(k) {
  const i = view.timeline.findIndex((s) => s.kind === "term" && s.t === view.t && s.k === k);
  if (i >= 0) goTo(i);
}

function go(delta) {
  goTo(currentStepIndex() + delta);
}

/**
 * Play: one animation frame at a time, the step shown is the one whose time has come (a slow
 * frame skips steps instead of stretching the play), each step lasting stepMs at the speed set.
 */
function togglePlay() {
  if (view.playing) {
    stopPlay();
    return;
  }
  if (currentStepIndex() >= view.timeline.length - 1) goTo(0);
  const btn = $("#btn-play");
  btn.setAttribute("aria-pressed", "true");
  btn.textContent = "❚❚ Pause";
  let due = performance.now() + 250; // when the next step is due
  const frame = (now) => {
    if (!view.playing) return;
    let i = currentStepIndex();
    const n = view.timeline.length;
    while (now >= due && i < n - 1) {
      i += 1;
      due += stepMs(view.timeline[i].kind, n, store.get().state.speed);
    }
    if (i !== currentStepIndex()) goTo(i);
    if (i >= n - 1) {
      stopPlay();
      return;
    }
    view.playing = requestAnimationFrame(frame);
  };
  view.playing = requestAnimationFrame(frame);
}

function stopPlay() {
  cancelAnimationFrame(view.playing);
  view.playing = null;
  writeReplace(); // the step the play stopped at, into the URL
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
  const vm = view.vm;
  const t = view.t;
  const K = store.get().state.K;
  const m = /^(Ws|Wx)_(\d+)$/.exec(id);
  if (m) {
    const k = Number(m[2]);
    const value = vm.termNorm(t, k, m[1]);
    if (value === null) return { text: `C${m[1]} (t=${t}, k=${k}): dropped by truncation K = ${K}`, matrix: null };
    const term = vm.term(t, k);
    const operand = m[1] === "Ws" ? `s${sub(k - 1)}ᵀ` : `x${sub(k)}ᵀ`;
    const C = `C${m[1] === "Ws" ? "ᵂˢ" : "ᵂˣ"}${sub(`${t},${k}`)}`;
    // the surprising zero, said wherever it is shown: C^Ws_{t,1} = s₀ᵀ δ_{t,1} with s₀ = 0
    const zero = m[1] === "Ws" && k === 1 && zeroStart(vm) ? ": all zeros, because s₀ = 0" : "";
    return {
      text: `${C} (t = ${t}, k = ${k}): ‖·‖F = ${fmt(value, 4)}${zero ? " (s₀ = 0)" : ""}${term ? " (click for the matrix)" : ""}`,
      matrix: term ? term[m[1]] : null,
      title: `${C} = ${operand} δ${sub(`${t},${k}`)}${zero}`,
    };
  }
  if (id === "Wy") {
    const entry = vm.entry(t);
    if (!entry) return null;
    return { text: `∂E${t}/∂Wy: ‖·‖F = ${fmt(norm(entry.dE_dWy), 4)} (click for the matrix)`, matrix: entry.dE_dWy, title: `∂E${t}/∂Wy = s${t}ᵀ ε${t}` };
  }
  return null;
}

function hoverTerm(id) {
  if (!view.vm) return;
  view.hover = id;
  const ids = id ? hoverIds(id) : [];
  const m = id && /^(?:Ws|Wx)_(\d+)$/.exec(id);
  graph.setHover(m ? termPath(view.t, Number(m[1]), view.vm.cell) : id === "Wy" ? { nodes: [`E_${view.t}`, `y_${view.t}`, `s_${view.t}`], edges: [`Wy_${view.t}`] } : null);
  equations.setFocus(currentActiveTerms(), ids);
  accWs.setHover(ids);
  accWx.setHover(ids);
  const info = id ? termInfo(id) : null;
  setSymbolText($("#hover-info"), info ? info.text : "Hover a term or an arrow; click for its matrix.", { cell: view.vm.cell });
}

function currentActiveTerms() {
  const step = view.timeline[currentStepIndex()];
  if (!step) return [];
  return step.kind === "term" ? [`Ws_${step.k}`, `Wx_${step.k}`] : step.kind === "output" ? ["Wy"] : [];
}

function hoverGraph(id) {
  if (!id || !view.vm) return hoverTerm(null);
  const m = /^(Ws|Wx|s)_(\d+)$/.exec(id);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= view.t) return hoverTerm(`${m[1] === "s" ? "Ws" : m[1]}_${m[2]}`);
  if (id === `Wy_${view.t}` || id === `y_${view.t}` || id === `E_${view.t}`) return hoverTerm("Wy");
  return hoverTerm(null);
}

function clickTerm(id, anchor) {
  const info = termInfo(id);
  if (info && info.matrix) showMatrix(anchor, info.title, info.matrix);
}

function clickGraph(id, anchor) {
  const g = /^(s|c)_(\d+)$/.exec(id);
  if (g && view.vm && view.vm.cell !== "rnn" && Number(g[2]) >= 1) {
    // the step expanded (or closed again): its gates drawn beside it (gatesview.js)
    const t = Number(g[2]);
    setState({ gx: store.get().state.gx === t ? 0 : t }, { push: false });
    return;
  }
  const m = /^(Ws|Wx|s)_(\d+)$/.exec(id);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= view.t) clickTerm(`${m[1] === "s" ? "Ws" : m[1]}_${m[2]}`, anchor);
  else if (id === `Wy_${view.t}`) clickTerm("Wy", anchor);
}

// ---------------------------------------------------------------- start

bindControls();
const startErrors = checkState(store.get().state, store.get().limits);
const fromLink = linkErrors(location.hash, store.get().state, store.get().limits);
syncControls(store.get());
controller.loadTasks();
training.init();
history.replaceState(null, "", hashFromState(store.get().state));
remember(location.hash);
if (Object.keys(startErrors).length) {
  // a link with values over the limits: the defaults are drawn, the messages say why
  const defaults = stateFromHash("");
  const patch = Object.fromEntries(Object.keys(startErrors).map((name) => [name, defaults[name]]));
  const linked = store.get().state;
  controller.apply({ ...linked, ...patch });
  history.replaceState(null, "", hashFromState(store.get().state)); // a bad value stays out of the URL
  remember(location.hash);
  store.set({ fieldErrors: startErrors });
  if (startErrors.c0) $("#ctl-c0").value = linked.c0; // what the link said, beside its message
} else if (store.get().state.w) {
  controller.weightsFromLink(store.get().state.w); // a link with trained weights: drawn with them
} else {
  controller.fetchGraph();
}
if (Object.keys(fromLink).length) {
  for (const [name, { raw }] of Object.entries(fromLink)) $(CONTROLS[name]).value = raw;
  store.set({ fieldErrors: { ...store.get().fieldErrors, ...Object.fromEntries(Object.entries(fromLink).map(([n, e]) => [n, e.message])) } });
}
// the prediction plot waits for the first graph (its /api/forward would compete with the graph's)
const untilDrawn = store.subscribe((next) => {
  if (!next.answer && next.graphErrors.length === 0 && Object.keys(next.fieldErrors).length === 0) return;
  untilDrawn();
  controller.refreshPrediction();
});
