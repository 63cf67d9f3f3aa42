// Controller of the training panel: its controls ⇄ the page state, the play loop that drives
// /api/train in chunks (one request in flight at most), and the task sample that the graph
// and the prediction plot show. Drawing is trainplots.js; the run as data is trainrun.js.

import { ApiError, getTaskSample, getTasks, postForward, postTrain } from "./api.js";
import { fmt } from "./colors.js";
import { loadPlotly } from "./plotlyloader.js";
import { registerPresets } from "./presets.js";
import { bpttRequest } from "./state.js";
import { PredictionPlot, TrainCurves } from "./trainplots.js";
import {
  CHUNK_STEPS, TASK_PRESETS, applyChunk, checkNumber, emptyRun, predictionSeries, runKey, runModel, sampleKey,
  trainControlForLoc, trainRequest,
} from "./trainrun.js";

const GRAPH_EVERY_MS = 700; // the unfolded graph follows the weights at most this often
const PREDICT_EVERY_MS = 250;
const TYPING_MS = 350;
const OWN = ["task", "opt", "lr", "clip", "tK"]; // controls of this panel; H and T are the page's

/** Call `fn` at most once per `ms`, never twice at once; calls in between coalesce. */
function throttle(fn, ms) {
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

export class TrainingPanel {
  /**
   * @param root the #train-panel section
   * @param hooks getState() → the page state; setState(patch) applies a change (URL, fetch);
   *   refreshGraph() re-queries /api/bptt (the graph's model uses bpttBody below)
   */
  constructor(root, { getState, setState, refreshGraph }) {
    this.root = root;
    this.hooks = { getState, setState };
    this.el = (id) => root.querySelector(`#${id}`);
    this.run = emptyRun();
    this.gen = 0; // bumped by every reset: answers of an older run are dropped
    this.playing = false;
    this.inflight = false;
    this.tasks = new Map();
    this.tasksReady = null;
    this.samples = new Map(); // sampleKey → Promise of a sample
    this.clientErrors = new Map(); // control → message of a client check
    this.key = null;
    this.curves = null;
    this.pred = null;
    this.refreshGraph = throttle(async () => refreshGraph(), GRAPH_EVERY_MS);
    this.refreshPrediction = throttle(() => this.predict(), PREDICT_EVERY_MS);
  }

  /** Load the task list and plotly.js, bind the controls, draw the empty curves. */
  async init() {
    this.bind();
    try {
      registerPresets(TASK_PRESETS);
    } catch (err) {
      this.showError("general", `Task presets not registered: ${err.message}`);
    }
    this.tasksReady = getTasks()
      .then((list) => {
        for (const task of list) this.tasks.set(task.name, task);
        this.fillTasks(list);
      })
      .catch((err) => this.showServerErrors(err));
    this.sync(this.hooks.getState());
    try {
      const Plotly = await loadPlotly(this.root.dataset.plotlySrc);
      this.curves = new TrainCurves(Plotly, this.el("plot-loss"), this.el("plot-grads"));
      this.curves.extend(this.run.history);
      this.pred = new PredictionPlot(Plotly, this.el("plot-pred"));
      this.root.dataset.plots = "ready";
    } catch (err) {
      this.showError("general", String(err.message || err));
    }
    await this.tasksReady;
    this.refreshPrediction();
  }

  fillTasks(list) {
    const select = this.el("train-task");
    const options = [new Option("the graph's sequence", "")];
    for (const task of list) options.push(new Option(task.title, task.name));
    select.replaceChildren(...options);
    select.value = this.hooks.getState().task;
    this.describeTask(this.hooks.getState());
  }

  async taskOf(state) {
    if (!state.task) return null;
    await this.tasksReady;
    return this.tasks.get(state.task) ?? null;
  }

  // ---------------------------------------------------------------- controls ⇄ state

  bind() {
    const { setState, getState } = this.hooks;
    this.el("train-task").addEventListener("change", async (ev) => {
      const name = ev.target.value;
      await this.tasksReady;
      const task = this.tasks.get(name);
      setState(task ? { task: name, T: task.default_T, step: 0 } : { task: "", step: 0 });
    });
    this.el("train-opt").addEventListener("change", (ev) => setState({ opt: ev.target.value }));
    const typed = (name, check) => {
      const input = this.el(`train-${name}`);
      let timer = null;
      const commit = () => {
        clearTimeout(timer);
        const result = check(input.value);
        if (result.error) {
          this.clientErrors.set(name, result.error);
        } else {
          this.clientErrors.delete(name);
          if (result.value !== getState()[name]) setState({ [name]: result.value });
        }
        this.renderErrors();
      };
      input.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(commit, TYPING_MS);
      });
      input.addEventListener("change", commit);
    };
    typed("lr", (raw) => checkNumber(raw, { label: "learning rate", gt: 0, max: 1e6 }));
    typed("clip", (raw) => checkNumber(raw, { label: "clip", gt: 0, max: 1e6, emptyIs: 0 }));
    typed("tK", (raw) => {
      const v = Number(String(raw).trim());
      return String(raw).trim() !== "" && Number.isInteger(v) && v >= 0 && v <= 1000
        ? { value: v }
        : { error: `truncation K must be a whole number from 0 (full BPTT) to 1000, got ${JSON.stringify(String(raw))}` };
    });
    this.el("train-play").addEventListener("click", () => this.togglePlay());
    this.el("train-step").addEventListener("click", () => this.singleStep());
    this.el("train-reset").addEventListener("click", () => this.reset());
    // main.js clears every aria-invalid after a good /api/bptt; ours still stand
    window.addEventListener("bptt:rendered", () => this.markInvalid());
  }

  /** Follow a new page state (a control, a link, back/forward); called by main.js's apply. */
  sync(state) {
    const values = { task: state.task, opt: state.opt, lr: state.lr, clip: state.clip > 0 ? state.clip : "", tK: state.tK };
    for (const name of OWN) {
      const el = this.el(`train-${name}`);
      if (document.activeElement === el || this.clientErrors.has(name)) continue; // keep what is typed
      el.value = String(values[name]);
    }
    const key = runKey(state);
    if (this.key !== null && key !== this.key) this.reset({ graph: false, keepCurves: true });
    this.key = key;
    if (this.run.optimizerState && this.run.optimizerState.name !== state.opt) this.run.optimizerState = null;
    this.describeTask(state);
    if (this.sampleKeyShown !== sampleKey(state) || this.fixedShown !== this.fixedKey(state)) this.refreshPrediction();
  }

  fixedKey(state) {
    return state.task ? "" : JSON.stringify([state.T, state.seq, state.xs, state.ds, state.loss]);
  }

  describeTask(state) {
    const task = this.tasks.get(state.task);
    this.el("train-task-note").textContent = task
      ? `${task.description} Model: ${task.n_in} → H → ${task.n_out}, ${task.output}, ${task.loss.replace("_", " ")}; T = ${state.T}.`
      : "Trains on the graph's sequence. Hidden size, Φ, seed and T: the Model controls above. The graph follows the weights as they train.";
  }

  // ---------------------------------------------------------------- the data the page shows

  /** A task's sample for the state's (task, T, seed), fetched once; or the graph's own sequence. */
  async sampleFor(state) {
    if (!state.task) {
      const body = bpttRequest(state);
      return { inputs: body.inputs, targets: body.targets, loss_steps: body.loss_steps };
    }
    const key = sampleKey(state);
    if (!this.samples.has(key)) {
      const promise = getTaskSample(state.task, { T: state.T, seed: state.seed });
      promise.catch(() => this.samples.delete(key)); // a refused sample is asked again next time
      this.samples.set(key, promise);
    }
    return this.samples.get(key);
  }

  /**
   * The /api/bptt body of the page: with a task, its model sizes and its sample; once trained,
   * the trained weights. Without either it is `base` unchanged.
   */
  async bpttBody(state, base) {
    const task = await this.taskOf(state);
    if (!task && !this.run.weights) return base;
    const body = { ...base, model: { ...base.model, ...runModel(state, task, this.run.weights) } };
    if (task) {
      const sample = await this.sampleFor(state);
      Object.assign(body, { inputs: sample.inputs, targets: sample.targets, loss_steps: sample.loss_steps });
    }
    return body;
  }

  /** Redraw the prediction plot: /api/forward on the sample with the current weights. */
  async predict() {
    if (!this.pred) return;
    const state = this.hooks.getState();
    try {
      const task = await this.taskOf(state);
      const sample = await this.sampleFor(state);
      if (!sample.inputs.length) return;
      const model = runModel(state, task, this.run.weights);
      const body = { model, inputs: sample.inputs, targets: sample.targets, loss_steps: sample.loss_steps };
      const { data } = await postForward(body);
      const series = predictionSeries(sample, data.steps.map((s) => s.y), state.task);
      const name = task ? task.title : "the graph's sequence";
      const when = this.run.step ? `after ${this.run.step} steps` : "initial weights";
      this.pred.draw(series, { title: `Predictions: ${name} (${when})` });
      this.sampleKeyShown = sampleKey(state);
      this.fixedShown = this.fixedKey(state);
      this.root.dataset.predTraces = String(series.inputs.length + 2);
    } catch (err) {
      // the same request for the graph shows the message beside its control
      this.el("train-status").textContent = `Predictions not updated: ${err.message || err}`;
    }
  }

  // ---------------------------------------------------------------- training

  togglePlay() {
    if (this.playing) this.pause();
    else this.play();
  }

  async play() {
    if (this.playing) return;
    this.playing = true;
    this.showRun();
    while (this.playing) {
      const ok = await this.trainChunk(CHUNK_STEPS);
      if (!ok) break;
    }
    this.pause();
  }

  /** Stop issuing requests; a chunk in flight is still applied when it returns. */
  pause() {
    this.playing = false;
    this.showRun();
  }

  async singleStep() {
    if (this.playing || this.inflight) return;
    await this.trainChunk(1);
  }

  /** Send one chunk and fold its answer into the run; false when play should stop. */
  async trainChunk(steps) {
    if (this.inflight) return false;
    const gen = this.gen;
    this.inflight = true;
    this.showRun();
    try {
      const state = this.hooks.getState();
      const task = await this.taskOf(state);
      if (state.task && !task) return false; // the task list could not be loaded
      const fixed = task ? null : await this.sampleFor(state);
      const body = trainRequest(state, task, this.run, { steps, fixed });
      const { data, ms } = await postTrain(body);
      if (gen !== this.gen) return false; // reset while it ran: drop it
      this.run = applyChunk(this.run, data);
      if (data.optimizer_state.name !== this.hooks.getState().opt) this.run.optimizerState = null;
      this.serverErrors = [];
      this.renderErrors();
      if (this.curves && this.staleCurves) this.curves.reset();
      this.staleCurves = false;
      if (this.curves) this.curves.extend(data.history);
      this.el("train-status").textContent = `${steps} step${steps > 1 ? "s" : ""} in ${Math.round(ms)} ms.`;
      this.showRun();
      this.refreshPrediction();
      this.refreshGraph();
      return !data.diverged;
    } catch (err) {
      if (gen === this.gen) this.showServerErrors(err);
      return false;
    } finally {
      this.inflight = false;
      this.showRun();
    }
  }

  /**
   * Back to the seeded weights: no history, empty curves, the graph redrawn. A new model
   * (`keepCurves`: hidden size, Φ, seed or task changed) keeps the old curves on screen until
   * its first chunk arrives, so a refused value loses nothing.
   */
  reset({ graph = true, keepCurves = false } = {}) {
    this.gen += 1;
    this.playing = false;
    this.run = emptyRun();
    this.serverErrors = [];
    this.renderErrors();
    this.staleCurves = keepCurves && this.curves !== null;
    if (this.curves && !keepCurves) this.curves.reset();
    this.el("train-status").textContent = keepCurves
      ? "New model: training starts from its seeded weights (the curves show the last run until then)."
      : "Reset: the initial (seeded) weights.";
    this.showRun();
    this.refreshPrediction();
    if (graph) this.refreshGraph();
  }

  // ---------------------------------------------------------------- display

  showRun() {
    const run = this.run;
    const last = run.history.length ? run.history[run.history.length - 1].loss : null;
    this.el("train-step-count").textContent = String(run.step);
    this.el("train-loss").textContent = last === null ? "–" : fmt(last, 4);
    const play = this.el("train-play");
    play.setAttribute("aria-pressed", String(this.playing));
    play.textContent = this.playing ? "❚❚ Pause" : "▶ Train";
    this.el("train-step").disabled = this.playing || this.inflight;
    const banner = this.el("train-diverged");
    banner.hidden = !run.diverged;
    if (run.diverged) {
      banner.textContent = `Diverged at step ${run.step}: the loss, a gradient or a weight overflowed, `
        + "so training stopped (the last finite weights are kept). Lower the learning rate or set "
        + "a clipping bound, then Reset.";
    }
    const ds = this.root.dataset;
    ds.step = String(run.step);
    ds.running = String(this.playing);
    ds.diverged = String(run.diverged);
    ds.losses = JSON.stringify(run.history.map((h) => h.loss));
  }

  showServerErrors(err) {
    const errors = err instanceof ApiError ? err.errors : [{ loc: [], msg: String(err.message || err) }];
    this.serverErrors = errors.map(({ loc, msg }) => ({ name: trainControlForLoc(loc) ?? "general", msg }));
    this.renderErrors();
    this.el("train-status").textContent = "Training stopped; the curves and the weights so far are kept.";
  }

  showError(name, msg) {
    this.serverErrors = [...(this.serverErrors || []), { name, msg }];
    this.renderErrors();
  }

  /** Each message beside its control: client checks first, then the server's. */
  renderErrors() {
    const byBox = new Map();
    const add = (name, msg) => {
      const own = OWN.includes(name) || name === "general";
      const box = own ? this.el(`terr-${name}`) : document.getElementById(`err-${name}`);
      const target = box || this.el("terr-general");
      byBox.set(target, [...(byBox.get(target) || []), own || box ? msg : `${name}: ${msg}`]);
    };
    for (const name of [...OWN, "general"]) {
      const box = this.el(`terr-${name}`);
      box.textContent = "";
      box.hidden = true;
      const input = this.el(`train-${name}`);
      if (input) input.removeAttribute("aria-invalid");
    }
    for (const [name, msg] of this.clientErrors) add(name, msg);
    for (const { name, msg } of this.serverErrors || []) add(name, msg);
    for (const [box, msgs] of byBox) {
      box.textContent = msgs.join(" ");
      box.hidden = false;
    }
    this.markInvalid();
  }

  /** aria-invalid on each of this panel's controls that shows a message. */
  markInvalid() {
    for (const name of OWN) {
      const input = this.el(`train-${name}`);
      if (this.el(`terr-${name}`).hidden) input.removeAttribute("aria-invalid");
      else input.setAttribute("aria-invalid", "true");
    }
  }
}
