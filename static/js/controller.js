// The controller: the only module that calls the API (api.js). Intents from the views (a
// control changed, Train, Check the gradients) → the store's state and URL → requests → the
// store's answers, which the views draw. No drawing here.

import {
  ApiError, getTaskSample, getTasks, postBptt, postForward, postGradcheck, postTrain,
} from "./api.js";
import {
  CELLS, COMPARE_CHUNK, COMPARE_STEPS, COMPARE_TASKS, applyCompareChunk, compareFlowBody, compareTrainBody, decayOf, emptyComparison, labCellBody,
} from "./compare.js";
import { gradientGap } from "./flowlab.js";
import { fullFits } from "./limits.js";
import { takePrefetch } from "./prefetch.js";
import { presetMatches } from "./presets.js";
import { PROPS, bpttRequest, hashFromState, stateFromHash } from "./state.js";
import {
  CHUNK_STEPS, applyChunk, emptyRun, predictionSeries, runKey, runModel, sampleKey, trainControlForLoc, trainRequest,
} from "./trainrun.js";
import { viewModel } from "./viewmodel.js";
import { LINK_MAX_CHARS, checkWeights, decodeWeights, encodeWeights, readWeightsFile, weightsFile } from "./weightslink.js";

const GRAPH_EVERY_MS = 1000; // while training, the graph follows the weights at most this often
const PREDICT_EVERY_MS = 500; // the prediction plot redraws at most twice a second anyway

/** Call `fn` at most once per `ms`, never twice at once; calls in between coalesce. */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    running = true;
    last = performance.now();
    try {
      await fn();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  function schedule() {
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + ms - performance.now()));
  }
  return schedule;
}

const asErrors = (err) => (err instanceof ApiError ? err.errors : [{ loc: [], msg: String(err.message || err) }]);

/** The first store value: the state from the URL, the server's limits, nothing answered yet. */
export function initialStore(state, limits) {
  return {
    state,
    limits,
    answer: null, // {vm, state, body, ms}: the last good /api/bptt answer and what asked for it
    graphErrors: [], // the server's messages about the graph's request [{loc, msg}]
    fieldErrors: {}, // client checks of the Model controls {name: message}
    busy: false,
    compare: null, // {K, gaps, full, trunc}: full against truncated BPTT at the page's K (the lab); {K: 0} at full BPTT
    compareError: "",
    cells: null, // {current, H, decay: {cell: {lag, value}}, trained, error}: the lab's three decay curves
    gradcheck: null, // {result} or {error} or {note}
    tasks: null, // Map name → task once the list arrived
    run: { ...emptyRun(), gen: 0 }, // the training run: trained weights, optimizer buffers, history
    training: { playing: false, inflight: false, status: "", errors: [], keepCurves: false },
    prediction: null, // {series, title}: the prediction plot
    gates: emptyComparison(state.cmp), // "why gates": the three cells trained in lockstep
    weightsMessage: null, // {error} or {note}: the last link or file of trained weights
  };
}

export class Controller {
  /** store: a Store of initialStore(); nav: {hash(), push(hash), replace(hash)} (the browser's history). */
  constructor(store, nav) {
    this.store = store;
    this.nav = nav;
    this.graphCtl = null; // AbortController of the graph's request
    this.graphKey = null; // key of the last graph request sent (a refused one is not retried)
    this.cmpCtl = null;
    this.cellsCtl = null;
    this.cellsCache = new Map(); // body → decay of the other cells' seeded runs (training leaves them alone)
    this.gcCtl = null;
    this.samples = new Map(); // sampleKey → Promise of a task's sample
    this.tasksReady = null;
    this.gen = 0; // bumped by every training reset: answers of an older run are dropped
    this.busyTimer = null;
    this.refreshGraphSoon = throttle(() => this.fetchGraph(), GRAPH_EVERY_MS);
    this.refreshPrediction = throttle(() => this.predict(), PREDICT_EVERY_MS);
  }

  get state() {
    return this.store.get().state;
  }

  // ---------------------------------------------------------------- state and URL

  /** Apply a change: the new state → URL (a history entry when `push`) → requests. */
  setState(patch, { push = true } = {}) {
    const current = this.state;
    let next = { ...current, ...patch };
    if (next.preset && !presetMatches(next.preset, next)) next = { ...next, preset: "" }; // a changed value ends the preset
    const hash = hashFromState(next);
    if (push && hash !== this.nav.hash()) this.nav.push(hash);
    else this.nav.replace(hash);
    this.apply(next);
  }

  /** The URL changed (back / forward / a pasted link). */
  fromUrl(hash) {
    this.apply(stateFromHash(hash));
  }

  /** Only the animation step changed: no history entry, no request. */
  setStep(step) {
    const next = { ...this.state, step };
    this.nav.replace(hashFromState(next));
    this.store.set({ state: next });
  }

  apply(next) {
    const prev = this.state;
    const link = next.w && next.w !== prev.w ? next.w : ""; // a pasted link with weights
    this.store.set({ state: next });
    if (runKey(next) !== runKey(prev)) this.resetRun({ keepCurves: true, graph: false });
    if (link) {
      this.weightsFromLink(link);
      return;
    }
    if (sampleKey(next) !== sampleKey(prev) || fixedKey(next) !== fixedKey(prev)) this.refreshPrediction();
    this.requestGraph(); // a new K: the new answer brings the comparison along
    if (next.cmp !== prev.cmp || next.seed !== prev.seed) this.gatesReset();
  }

  /** A control's client check failed: its message stands beside it, nothing is sent. */
  fieldError(name, msg) {
    const fieldErrors = { ...this.store.get().fieldErrors };
    if (msg) fieldErrors[name] = msg;
    else delete fieldErrors[name];
    this.store.set({ fieldErrors });
  }

  // ---------------------------------------------------------------- the graph's answer

  /** Key of what the graph's request depends on: the request properties and the trained weights. */
  keyOf(state) {
    const { run } = this.store.get();
    return JSON.stringify([requestKey(state), run.weights ? `${this.gen}:${run.step}` : null]);
  }

  /** Fetch the graph's answer when what it depends on changed since the last request. */
  requestGraph() {
    if (this.keyOf(this.state) !== this.graphKey) this.fetchGraph();
  }

  async fetchGraph() {
    const state = this.state;
    const { limits, run } = this.store.get();
    this.graphKey = this.keyOf(state);
    if (this.graphCtl) this.graphCtl.abort();
    const controller = new AbortController();
    this.graphCtl = controller;
    clearTimeout(this.busyTimer);
    this.busyTimer = setTimeout(() => this.store.set({ busy: true }), 300);
    try {
      const task = await this.taskOf(state);
      const sample = task ? await this.sampleFor(state) : null;
      if (controller.signal.aborted) return;
      const T = sample ? sample.inputs.length : sequenceLength(state);
      const nIn = task ? task.n_in : 1;
      const detail = fullFits({ T, H: state.H, nIn }, limits) ? "full" : "norms";
      const body = bpttRequest(state, { task, sample, weights: run.weights, detail });
      // the page's first request may have left before the modules had loaded (prefetch.js)
      const { data, ms } = await (takePrefetch(body) ?? postBptt(body, { signal: controller.signal }));
      // parsing the answer was one task; the view-model and the redraw are the next
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (controller.signal.aborted) return;
      const vm = viewModel(data, { model: body.model, task: state.task });
      this.store.set({ answer: { vm, state, body, ms }, graphErrors: [] });
      // while training the graph follows every chunk; the comparison waits for the pause
      if (!this.store.get().training.playing) this.compare();
    } catch (err) {
      if (err.name === "AbortError") return;
      this.store.set({ graphErrors: asErrors(err) });
    } finally {
      if (this.graphCtl === controller) {
        this.graphCtl = null;
        clearTimeout(this.busyTimer);
        if (this.store.get().busy) this.store.set({ busy: false });
      }
    }
  }

  // ---------------------------------------------------------------- the lab

  /**
   * Full BPTT against the graph's truncated answer, on the graph's sequence: the truncated side
   * is the graph's own answer (the page's one K), one request for the full side (detail
   * "norms"). At full BPTT (K = 0) there is nothing to compare.
   */
  async compare() {
    const { answer } = this.store.get();
    if (!answer) return;
    const K = answer.body.truncate ?? 0;
    if (this.cmpCtl) this.cmpCtl.abort();
    if (K === 0) {
      this.cmpCtl = null;
      this.store.set({ compare: { K: 0 }, compareError: "" });
      return;
    }
    const controller = new AbortController();
    this.cmpCtl = controller;
    try {
      const full = await postBptt({ ...answer.body, detail: "norms", truncate: null }, { signal: controller.signal });
      const trunc = { data: answer.vm.raw };
      if (controller.signal.aborted) return;
      const gaps = gradientGap(full.data, trunc.data);
      this.store.set({ compare: { K, gaps, full: full.data.grads.Ws, trunc: trunc.data.grads.Ws }, compareError: "" });
    } catch (err) {
      if (err.name === "AbortError") return;
      this.store.set({ compareError: asErrors(err).map((e) => e.msg).join(" ") }); // the last good comparison stays
    } finally {
      if (this.cmpCtl === controller) this.cmpCtl = null;
    }
  }

  /**
   * The lab's decay plot: ‖∂E_T/∂s_k‖ of the plain RNN, the LSTM and the GRU on the graph's
   * data. The graph's own cell comes from its answer; the two others are asked for here
   * (detail "norms"; the lab asks when its plot is on screen), and the last good curves stay
   * until both have answered.
   */
  async labCells() {
    const { answer, run } = this.store.get();
    if (!answer) return;
    const own = answer.vm.cell;
    if (this.cellsCtl) this.cellsCtl.abort();
    const controller = new AbortController();
    this.cellsCtl = controller;
    const decay = { [own]: decayOf(answer.vm.raw) };
    const trained = run.weights ? run.step : 0;
    try {
      await Promise.all(CELLS.filter((cell) => cell !== own).map(async (cell) => {
        const body = labCellBody(answer.body, cell, { act: answer.state.act, rho: answer.state.rho });
        const key = JSON.stringify(body);
        if (!this.cellsCache.has(key)) {
          const { data } = await postBptt(body, { signal: controller.signal });
          if (this.cellsCache.size >= 12) this.cellsCache.delete(this.cellsCache.keys().next().value);
          this.cellsCache.set(key, decayOf(data));
        }
        decay[cell] = this.cellsCache.get(key);
      }));
      if (controller.signal.aborted) return;
      this.store.set({ cells: { current: own, H: answer.vm.H, decay, trained, error: "" } });
    } catch (err) {
      if (err.name === "AbortError") return;
      const error = asErrors(err).map((e) => e.msg).join(" ");
      this.store.set({ cells: { current: own, H: answer.vm.H, decay, trained, error } }); // the graph's own curve still shows
    } finally {
      if (this.cellsCtl === controller) this.cellsCtl = null;
    }
  }

  /** /api/gradcheck for the model and sequence of the graph's answer. */
  async gradcheck() {
    const { answer } = this.store.get();
    if (!answer) return;
    const { model, inputs, targets, s0, c0, loss_steps } = answer.body;
    const request = { model, inputs, targets, loss_steps, ...(s0 ? { s0 } : {}), ...(c0 ? { c0 } : {}) };
    if (this.gcCtl) this.gcCtl.abort();
    const controller = new AbortController();
    this.gcCtl = controller;
    this.store.set({ gradcheck: { running: true } });
    try {
      const { data } = await postGradcheck(request, { signal: controller.signal });
      this.store.set({ gradcheck: { result: data, vm: answer.vm } });
    } catch (err) {
      if (err.name === "AbortError") return;
      this.store.set({ gradcheck: { error: asErrors(err).map((e) => e.msg).join(" ") } });
    } finally {
      if (this.gcCtl === controller) this.gcCtl = null;
    }
  }

  // ---------------------------------------------------------------- why gates

  setGates(patch) {
    this.store.set({ gates: { ...this.store.get().gates, ...patch } });
  }

  /** Train the three cells in lockstep, a chunk each in turn, until COMPARE_STEPS or pause. */
  async gatesPlay() {
    const { gates } = this.store.get();
    if (gates.playing) return;
    const gen = this.gatesGen ?? 0;
    this.setGates({ playing: true, error: "" });
    try {
      const state = this.state;
      const kind = gates.kind;
      const { task } = COMPARE_TASKS[kind];
      const sample = await getTaskSample(task.name, { T: task.T, seed: state.seed, delay: task.delay });
      if (!this.gatesDecayShown) await this.gatesDecay(sample, gen);
      while (this.store.get().gates.playing && gen === (this.gatesGen ?? 0)) {
        const runs = { ...this.store.get().gates.runs };
        if (CELLS.every((cell) => runs[cell].step >= COMPARE_STEPS)) break;
        for (const cell of CELLS) {
          const steps = Math.min(COMPARE_CHUNK, COMPARE_STEPS - runs[cell].step);
          if (steps <= 0) continue;
          const { data } = await postTrain(compareTrainBody(kind, cell, runs[cell], state.seed, steps));
          if (gen !== (this.gatesGen ?? 0)) return;
          runs[cell] = applyCompareChunk(runs[cell], data);
          this.setGates({ runs: { ...runs } });
        }
        await this.gatesDecay(sample, gen);
      }
    } catch (err) {
      if (gen === (this.gatesGen ?? 0)) this.setGates({ error: asErrors(err).map((e) => e.msg).join(" ") });
    } finally {
      if (gen === (this.gatesGen ?? 0)) this.setGates({ playing: false });
    }
  }

  /** ‖∂E_T/∂s_k‖ against T − k for each cell's current weights, on one fixed sample. */
  async gatesDecay(sample, gen) {
    const decay = {};
    for (const cell of CELLS) {
      const run = this.store.get().gates.runs[cell];
      const { data } = await postBptt(compareFlowBody(cell, run, this.state.seed, sample));
      if (gen !== (this.gatesGen ?? 0)) return;
      decay[cell] = decayOf(data);
    }
    this.gatesDecayShown = true;
    this.setGates({ decay });
  }

  gatesPause() {
    this.setGates({ playing: false });
  }

  /** Back to the seeded weights of every cell (a new task or seed). */
  gatesReset() {
    this.gatesGen = (this.gatesGen ?? 0) + 1;
    this.gatesDecayShown = false;
    this.store.set({ gates: emptyComparison(this.state.cmp) });
  }

  // ---------------------------------------------------------------- tasks and samples

  loadTasks() {
    this.tasksReady = getTasks()
      .then((list) => this.store.set({ tasks: new Map(list.map((task) => [task.name, task])) }))
      .catch((err) => this.trainErrors(err));
    return this.tasksReady;
  }

  async taskOf(state) {
    if (!state.task) return null;
    await this.tasksReady;
    const { tasks } = this.store.get();
    return (tasks && tasks.get(state.task)) ?? null;
  }

  /** A task's sample for the state's (task, T, seed), fetched once; or the graph's own sequence. */
  async sampleFor(state) {
    if (!state.task) {
      const body = bpttRequest(state);
      return { inputs: body.inputs, targets: body.targets, loss_steps: body.loss_steps, ...(body.c0 ? { c0: body.c0 } : {}) };
    }
    const key = sampleKey(state);
    if (!this.samples.has(key)) {
      const promise = getTaskSample(state.task, { T: state.T, seed: state.seed });
      promise.catch(() => this.samples.delete(key)); // a refused sample is asked again next time
      this.samples.set(key, promise);
    }
    return this.samples.get(key);
  }

  /** The prediction plot's data: /api/forward on the sample with the current weights. */
  async predict() {
    const state = this.state;
    if (Object.keys(this.store.get().fieldErrors).length) return;
    try {
      const task = await this.taskOf(state);
      const sample = await this.sampleFor(state);
      if (!sample.inputs.length) return;
      const { run } = this.store.get();
      const model = runModel(state, task, run.weights);
      const body = { model, inputs: sample.inputs, targets: sample.targets, loss_steps: sample.loss_steps, ...(sample.c0 ? { c0: sample.c0 } : {}) };
      const { data } = await postForward(body);
      const series = predictionSeries(sample, data.steps.map((s) => s.y), state.task);
      const name = task ? task.title : "the graph's sequence";
      const when = run.step ? `after ${run.step} steps` : "initial weights";
      this.store.set({ prediction: { series, title: `Predictions: ${name} (${when})` } });
    } catch (err) {
      // the same request for the graph shows the message beside its control
      this.setTraining({ status: `Predictions not updated: ${err.message || err}` });
    }
  }

  // ---------------------------------------------------------------- training

  setTraining(patch) {
    this.store.set({ training: { ...this.store.get().training, ...patch } });
  }

  trainErrors(err) {
    const errors = asErrors(err).map(({ loc, msg }) => ({ name: trainControlForLoc(loc) ?? "general", msg }));
    this.setTraining({ errors, status: "Training stopped; the curves and the weights so far are kept." });
  }

  async trainPlay() {
    if (this.store.get().training.playing) return;
    this.setTraining({ playing: true });
    while (this.store.get().training.playing) {
      const ok = await this.trainChunk(CHUNK_STEPS);
      if (!ok) break;
    }
    this.trainPause();
  }

  /** Stop issuing requests; a chunk in flight is still applied when it returns. */
  trainPause() {
    const was = this.store.get().training.playing;
    this.setTraining({ playing: false });
    if (was) this.compare();
  }

  async trainStep() {
    const { training } = this.store.get();
    if (training.playing || training.inflight) return;
    await this.trainChunk(1);
  }

  /** Send one chunk and fold its answer into the run; false when play should stop. */
  async trainChunk(steps) {
    if (this.store.get().training.inflight) return false;
    const gen = this.gen;
    this.setTraining({ inflight: true });
    try {
      const state = this.state;
      const task = await this.taskOf(state);
      if (state.task && !task) return false; // the task list could not be loaded
      const fixed = task ? null : await this.sampleFor(state);
      const body = trainRequest(state, task, this.store.get().run, { steps, fixed });
      const { data, ms } = await postTrain(body);
      if (gen !== this.gen) return false; // reset while it ran: drop it
      const run = { ...applyChunk(this.store.get().run, data), gen };
      if (data.optimizer_state.name !== this.state.opt) run.optimizerState = null;
      this.store.set({ run });
      this.setWeightsLink(""); // the weights moved on from the link's
      this.setTraining({ errors: [], keepCurves: false, status: `${steps} step${steps > 1 ? "s" : ""} in ${Math.round(ms)} ms.` });
      this.refreshPrediction();
      this.refreshGraphSoon();
      return !data.diverged;
    } catch (err) {
      if (gen === this.gen) this.trainErrors(err);
      return false;
    } finally {
      this.setTraining({ inflight: false });
    }
  }

  /**
   * Back to the seeded weights: no history, empty curves, the graph redrawn. A new model
   * (`keepCurves`: hidden size, Φ, seed or task changed) keeps the old curves on screen until
   * its first chunk arrives, so a refused value loses nothing.
   */
  resetRun({ graph = true, keepCurves = false } = {}) {
    this.gen += 1;
    this.setWeightsLink("");
    const hadCurves = this.store.get().run.history.length > 0 || this.store.get().training.keepCurves;
    this.store.set({ run: { ...emptyRun(), gen: this.gen } });
    this.setTraining({
      playing: false,
      errors: [],
      keepCurves: keepCurves && hadCurves,
      status: keepCurves
        ? "New model: training starts from its seeded weights (the curves show the last run until then)."
        : "Reset: the initial (seeded) weights.",
    });
    this.refreshPrediction();
    if (graph) this.refreshGraphSoon();
  }

  // ---------------------------------------------------------------- trained weights in a link or a file

  /** The model trained weights must fit: the state's sizes and cell, the task's inputs and outputs. */
  async modelOf(state) {
    return runModel(state, await this.taskOf(state), null);
  }

  /** The URL's `w` (the link's weights), written without a history entry. */
  setWeightsLink(w) {
    if (this.state.w === w) return;
    const next = { ...this.state, w };
    this.nav.replace(hashFromState(next));
    this.store.set({ state: next });
  }

  /**
   * The run starts from these weights (a link's or a file's), no curves, and the optimizer state
   * saved with them, so training continues as if it had not stopped; fresh buffers when there is
   * none or it belongs to another optimizer than the one chosen.
   */
  useWeights(weights, step, note, optimizerState = null) {
    this.gen += 1;
    const buffers = optimizerState && optimizerState.name === this.state.opt ? optimizerState : null;
    this.store.set({ run: { ...emptyRun(), weights, step, optimizerState: buffers, gen: this.gen }, weightsMessage: { note } });
    this.setTraining({ playing: false, errors: [], keepCurves: false, status: note });
    this.refreshPrediction();
    this.fetchGraph();
  }

  /** A link's weights (state.w): decoded, checked against the model, then drawn and trained on. */
  async weightsFromLink(encoded) {
    try {
      const { weights, step, optimizerState } = await decodeWeights(encoded);
      const errors = checkWeights(weights, await this.modelOf(this.state));
      if (errors.length) throw new Error(`The link's weights do not fit: ${errors.join("; ")}. The seeded weights are shown.`);
      this.useWeights(weights, step, `Weights from the link (trained for ${step} steps).`, optimizerState);
      this.setWeightsLink(encoded);
    } catch (err) {
      this.store.set({ weightsMessage: { error: err.message } });
      this.setWeightsLink("");
      this.fetchGraph();
    }
  }

  /** The text of a weights file: used when it fits the model, else a message and nothing changes. */
  async weightsFromFile(text) {
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      this.store.set({ weightsMessage: { error: "The file is not JSON: nothing was loaded." } });
      return;
    }
    try {
      const { weights, step, optimizerState } = readWeightsFile(json, await this.modelOf(this.state));
      this.setWeightsLink("");
      this.useWeights(weights, step, `Weights loaded from the file (trained for ${step} steps).`, optimizerState);
    } catch (err) {
      this.store.set({ weightsMessage: { error: err.message } });
    }
  }

  /** The weights file of the run (the seeded weights of the graph's answer before any training). */
  async weightsFileJson() {
    const { run, answer } = this.store.get();
    const weights = run.weights ?? (answer ? answer.vm.weights : null);
    if (!weights) return null;
    return weightsFile({
      weights, step: run.step, model: await this.modelOf(this.state), task: this.state.task, optimizerState: run.weights ? run.optimizerState : null,
    });
  }

  /** A link to this view with the run's weights (also put into the URL), or {error} when too long. */
  async weightsLink(base) {
    const { run } = this.store.get();
    if (!run.weights) {
      const msg = "No trained weights yet: train a few steps first (a plain link already gives the seeded weights).";
      this.store.set({ weightsMessage: { error: msg } });
      return { error: msg };
    }
    let w = await encodeWeights({ weights: run.weights, step: run.step, optimizerState: run.optimizerState });
    let bare = false; // the weights fit in a link, the optimizer's buffers (2× them for Adam) not
    if (w.length > LINK_MAX_CHARS && run.optimizerState) {
      const weightsOnly = await encodeWeights({ weights: run.weights, step: run.step });
      if (weightsOnly.length <= LINK_MAX_CHARS) [w, bare] = [weightsOnly, true];
    }
    if (w.length > LINK_MAX_CHARS) {
      const msg = `The weights take ${(w.length / 1000).toFixed(1)} kB in a link, over its ${LINK_MAX_CHARS / 1000} kB: use Save weights (a file) instead.`;
      this.store.set({ weightsMessage: { error: msg } });
      return { error: msg };
    }
    this.setWeightsLink(w);
    const url = base + hashFromState(this.state);
    const note = `A link with the weights after ${run.step} steps (${(url.length / 1000).toFixed(1)} kB).`
      + (bare ? " The optimizer's state did not fit in it: training from the link starts its buffers afresh (Save weights keeps them)." : "");
    this.store.set({ weightsMessage: { note, url } });
    return { url };
  }
}

/** The request properties of a state, as a key. */
function requestKey(state) {
  return JSON.stringify(PROPS.filter((p) => p.request).map((p) => state[p.name]));
}

/** The key of the page's own sequence (no task): a change redraws the prediction. */
function fixedKey(state) {
  return state.task ? "" : JSON.stringify([state.T, state.seq, state.xs, state.ds, state.loss, state.cell === "lstm" ? state.c0 : ""]);
}

/** T of the page's own sequence: the custom list's length or the T control. */
function sequenceLength(state) {
  if (state.seq !== "custom") return state.T;
  return String(state.xs).split(/[,\s;]+/).filter((s) => s.length > 0).length;
}
