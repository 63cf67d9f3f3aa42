// View of the training panel: its controls → intents (the controller trains, through
// api.js), and the run in the store → counters, curves, prediction plot, messages. Drawing of
// the plots is trainplots.js; the run as data is trainrun.js.

import { fmt } from "./colors.js";
import { loadPlotly } from "./plotlyloader.js";
import { registerPresets } from "./presets.js";
import { onlyStepChanged } from "./state.js";
import { PredictionPlot, TrainCurves } from "./trainplots.js";
import { TASK_PRESETS, checkNumber } from "./trainrun.js";
import { watchVisible } from "./visible.js";

const PLOT_EVERY_MS = 500; // while training, the curves and the prediction follow at most this often

const TYPING_MS = 350;
const OWN = ["task", "opt", "lr", "clip", "tK"]; // controls of this panel; H and T are the page's, tK shows K

export class TrainingView {
  /**
   * @param root the #train-panel section
   * @param store the page's store (state, run, training, tasks, prediction)
   * @param intents setState(patch), play(), pause(), step(), reset()
   */
  constructor(root, store, intents) {
    this.root = root;
    this.store = store;
    this.intents = intents;
    this.el = (id) => root.querySelector(`#${id}`);
    this.clientErrors = new Map(); // control → message of a client check
    this.curves = null;
    this.pred = null;
    this.shownHistory = 0; // logged steps already on the curves
    this.pending = null; // a redraw waiting for the next animation frame
    this.lastPlot = 0;
    this.plotsVisible = watchVisible(root, () => this.schedule());
    try {
      registerPresets(TASK_PRESETS);
    } catch (err) {
      this.clientErrors.set("general", `Task presets not registered: ${err.message}`);
    }
    this.bind();
    store.subscribe((next, prev) => this.update(next, prev));
  }

  /** Load plotly.js and draw the (empty) curves. */
  async init() {
    this.update(this.store.get(), {});
    try {
      const Plotly = await loadPlotly(this.root.dataset.plotlySrc);
      this.curves = new TrainCurves(Plotly, this.el("plot-loss"), this.el("plot-grads"));
      this.pred = new PredictionPlot(Plotly, this.el("plot-pred"));
      this.shownHistory = 0;
      this.schedule();
      this.root.dataset.plots = "ready";
    } catch (err) {
      this.clientErrors.set("general", String(err.message || err));
      this.renderErrors(this.store.get());
    }
  }

  bind() {
    const { setState } = this.intents;
    this.el("train-task").addEventListener("change", (ev) => {
      const name = ev.target.value;
      const { tasks } = this.store.get();
      const task = tasks && tasks.get(name);
      setState(task ? { task: name, T: task.default_T, step: 0 } : { task: "", step: 0 });
    });
    this.el("train-opt").addEventListener("change", (ev) => setState({ opt: ev.target.value }));
    // `key`: the state property the input sets (training's truncation is the page's one K)
    const typed = (name, check, key = name) => {
      const input = this.el(`train-${name}`);
      let timer = null;
      const commit = () => {
        clearTimeout(timer);
        const result = check(input.value);
        if (result.error) {
          this.clientErrors.set(name, result.error);
        } else {
          this.clientErrors.delete(name);
          if (result.value !== this.store.get().state[key]) setState({ [key]: result.value });
        }
        this.renderErrors(this.store.get());
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
    }, "K");
    this.el("train-play").addEventListener("click", () => {
      if (this.store.get().training.playing) this.intents.pause();
      else this.intents.play();
    });
    this.el("train-step").addEventListener("click", () => this.intents.step());
    this.el("train-reset").addEventListener("click", () => this.intents.reset());
    // main.js clears every aria-invalid after a good /api/bptt; ours still stand
    window.addEventListener("bptt:rendered", () => this.markInvalid());
  }

  /** The store changed: controls, counters and messages now; plots at the next frame. */
  update(next, prev) {
    if ((next.state !== prev.state && !onlyStepChanged(next.state, prev.state)) || next.tasks !== prev.tasks) this.syncControls(next);
    if (next.run !== prev.run || next.training !== prev.training) this.showRun(next);
    if (next.training !== prev.training || next.graphErrors !== prev.graphErrors) this.renderErrors(next);
    if (next.run !== prev.run || next.prediction !== prev.prediction || next.training !== prev.training) this.schedule();
  }

  /** Plotly work batched into one animation frame (a chunk's answer and its prediction together). */
  schedule() {
    if (this.pending) {
      this.again = true; // drawn once the redraw in progress is done
      return;
    }
    const playing = this.store.get().training.playing;
    if (playing && !this.plotsVisible()) return; // drawn when the panel scrolls into view
    const wait = playing ? Math.max(0, this.lastPlot + PLOT_EVERY_MS - performance.now()) : 0;
    this.pending = setTimeout(() => requestAnimationFrame(async () => {
      this.lastPlot = performance.now();
      try {
        await this.drawPlots(this.store.get());
      } finally {
        this.pending = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      }
    }), wait);
  }

  async drawPlots({ run, training, prediction }) {
    if (this.curves) {
      if (run.gen !== this.shownGen && !(training.keepCurves && run.history.length === 0)) {
        this.curves.reset(); // a new run: its curves replace the last run's
        this.shownHistory = 0;
        this.shownGen = run.gen;
      }
      if (run.gen === this.shownGen && run.history.length > this.shownHistory) {
        const from = this.shownHistory;
        this.shownHistory = run.history.length;
        await this.curves.extend(run.history.slice(from));
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
    }
    if (this.pred && prediction && prediction !== this.predShown) {
      this.pred.draw(prediction.series, { title: prediction.title });
      this.predShown = prediction;
      this.root.dataset.predTraces = String(prediction.series.inputs.length + 2);
    }
  }

  syncControls({ state, tasks }) {
    const select = this.el("train-task");
    if (tasks && this.tasksShown !== tasks) {
      const options = [new Option("the graph's sequence", "")];
      for (const task of tasks.values()) options.push(new Option(task.title, task.name));
      select.replaceChildren(...options);
      this.tasksShown = tasks;
    }
    const values = { task: state.task, opt: state.opt, lr: state.lr, clip: state.clip > 0 ? state.clip : "", tK: state.K };
    for (const name of OWN) {
      const el = this.el(`train-${name}`);
      if (document.activeElement === el || this.clientErrors.has(name)) continue; // keep what is typed
      el.value = String(values[name]);
    }
    const task = tasks && tasks.get(state.task);
    this.el("train-task-note").textContent = task
      ? `${task.description} Model: ${task.n_in} → H → ${task.n_out}, ${task.output}, ${task.loss.replace("_", " ")}; T = ${state.T}.`
      : "Trains on the graph's sequence. Hidden size, Φ, seed and T: the Model controls above. The graph follows the weights as they train.";
  }

  showRun({ run, training }) {
    const last = run.history.length ? run.history[run.history.length - 1].loss : null;
    this.el("train-step-count").textContent = String(run.step);
    this.el("train-loss").textContent = last === null ? "–" : fmt(last, 4);
    const play = this.el("train-play");
    play.setAttribute("aria-pressed", String(training.playing));
    play.textContent = training.playing ? "❚❚ Pause" : "▶ Train";
    this.el("train-step").disabled = training.playing || training.inflight;
    const banner = this.el("train-diverged");
    banner.hidden = !run.diverged;
    if (run.diverged) {
      banner.textContent = `Diverged at step ${run.step}: the loss, a gradient or a weight overflowed, `
        + "so training stopped (the last finite weights are kept). Lower the learning rate or set "
        + "a clipping bound, then Reset.";
    }
    if (training.status) this.el("train-status").textContent = training.status;
    const ds = this.root.dataset;
    ds.step = String(run.step);
    ds.running = String(training.playing);
    document.documentElement.classList.toggle("training", training.playing);
    ds.diverged = String(run.diverged);
    if (!training.playing && ds.loggedSteps !== String(run.history.length)) {
      ds.losses = JSON.stringify(run.history.map((h) => h.loss));
      ds.loggedSteps = String(run.history.length);
    }
  }

  /** Each message beside its control: client checks first, then the server's. */
  renderErrors({ training }) {
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
    }
    for (const [name, msg] of this.clientErrors) add(name, msg);
    for (const { name, msg } of training.errors || []) add(name, msg);
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
