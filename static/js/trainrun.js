// A training run as plain data: the /api/train request for the next chunk, folding a chunk's
// answer into the run, and client checks of the training controls. Pure: no DOM, no fetch.

/** Updates per /api/train request while playing (one request in flight at most). */
export const CHUNK_STEPS = 25;

/** A run that has not trained yet: the model's seeded weights, no optimizer buffers. */
export function emptyRun() {
  return { weights: null, optimizerState: null, step: 0, history: [], diverged: false };
}

/** Log every step early on, then sparser, so a long run keeps a bounded history. */
export function logEvery(step) {
  if (step < 1000) return 1;
  if (step < 10000) return 5;
  return 25;
}

/**
 * The model of the run: sizes, output and loss from the task (the page's own sequence is
 * 1 → 1, linear, squared error), hidden size, Φ and seed from the state, and the trained
 * weights once there are any.
 */
export function runModel(state, task, weights) {
  const model = {
    n_in: task ? task.n_in : 1,
    n_hidden: state.H,
    n_out: task ? task.n_out : 1,
    activation: state.cell && state.cell !== "rnn" ? "tanh" : state.act,
    output: task ? task.output : "linear",
    loss: task ? task.loss : "squared_error",
    seed: state.seed,
  };
  if (state.cell && state.cell !== "rnn") model.cell = state.cell;
  if (weights) model.weights = weights;
  return model;
}

/**
 * The /api/train body for the next `steps` updates: a task draws a fresh sample per step
 * (seed (seed, n)); without one the run trains on the page's fixed sequence `fixed`
 * ({inputs, targets, loss_steps}). Sending back weights, optimizer_state and start_step
 * continues the run exactly.
 */
export function trainRequest(state, task, run, { steps = CHUNK_STEPS, fixed = null } = {}) {
  const data = task
    ? { task: { name: task.name, T: state.T, seed: state.seed } }
    : { inputs: fixed.inputs, targets: fixed.targets, loss_steps: fixed.loss_steps, ...(fixed.c0 ? { c0: fixed.c0 } : {}) };
  return {
    model: runModel(state, task, run.weights),
    data,
    optimizer: { name: state.opt, lr: state.lr },
    steps,
    clip: state.clip > 0 ? state.clip : null,
    truncate: state.K > 0 ? state.K : null, // the page's one truncation control
    log_every: logEvery(run.step),
    optimizer_state: run.optimizerState,
    start_step: run.step,
  };
}

/** The run after a chunk's answer: its weights, buffers and step, the history extended. */
export function applyChunk(run, response) {
  return {
    weights: response.weights,
    optimizerState: response.optimizer_state,
    step: response.step,
    history: run.history.concat(response.history),
    diverged: Boolean(response.diverged),
  };
}

/** Mean of the finite losses among the first (or last) `n` logged steps; null if none. */
export function meanLoss(history, n, { last = false } = {}) {
  const part = last ? history.slice(-n) : history.slice(0, n);
  const values = part.map((h) => h.loss).filter((v) => typeof v === "number" && Number.isFinite(v));
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/**
 * Check a number typed into a training control. Returns {value} or {error} with a message
 * worded like the server's. `gt` is an exclusive lower bound, `max` inclusive; an empty
 * field with `emptyIs` set gives that value (e.g. clipping off).
 */
export function checkNumber(raw, { label, gt = 0, max = 1e6, emptyIs = undefined } = {}) {
  const text = String(raw ?? "").trim();
  if (text === "" && emptyIs !== undefined) return { value: emptyIs };
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) {
    return { error: `${label} must be a number, got ${JSON.stringify(text)}` };
  }
  if (value <= gt) return { error: `${label} must be greater than ${gt}, got ${text}` };
  if (value > max) return { error: `${label} must be at most ${max}, got ${text}` };
  return { value };
}

/**
 * Which training control a server error's `loc` belongs to: "lr", "opt", "clip", "tK",
 * "task", "T", "H", or null for the panel's general message.
 */
export function trainControlForLoc(loc) {
  const path = (loc || []).filter((p) => p !== "body").map(String);
  const [head, second] = path;
  if (head === "optimizer") return second === "name" ? "opt" : "lr";
  if (head === "optimizer_state") return "opt";
  if (head === "clip") return "clip";
  if (head === "truncate") return "tK";
  if (head === "data") return path.includes("T") || path.includes("inputs") ? "T" : "task";
  if (head === "query") return second === "T" ? "T" : "task";
  if (head === "model") return path.includes("n_hidden") || path.includes("weights") ? "H" : "task";
  if (head === "steps") return "H"; // the work limit: steps·T·H²
  return null;
}

/** The key of everything that defines the model being trained: a change starts a new run. */
export function runKey(state) {
  return JSON.stringify([state.task, state.cell, state.H, state.act, state.seed]);
}

/** The key of the data the graph and the prediction plot show. */
export function sampleKey(state) {
  return JSON.stringify([state.task, state.T, state.seed]);
}

const INPUT_NAMES = {
  adding: ["value", "marker"],
  binary_addition: ["bit of a", "bit of b"],
};

/** The 1-based loss steps of a sample's `loss_steps` ("all", "last" or a list) for length T. */
export function lossStepSet(lossSteps, T) {
  if (lossSteps === "all") return new Set(Array.from({ length: T }, (_, i) => i + 1));
  if (lossSteps === "last") return new Set([T]);
  return new Set(lossSteps);
}

/**
 * What the prediction plot draws, over t = 1..T: the input columns (when there are at most
 * two), the target (only at loss steps) and the prediction y_t. With a one-hot output (chars)
 * it is the probability given to the correct next character, labelled by the input character.
 */
export function predictionSeries(sample, ys, taskName = "") {
  const T = sample.inputs.length;
  const t = Array.from({ length: T }, (_, i) => i + 1);
  const loss = lossStepSet(sample.loss_steps, T);
  const atLoss = (values) => values.map((v, i) => (loss.has(i + 1) ? v : null));
  const nOut = sample.targets[0].length;
  if (nOut > 1) {
    const hot = sample.targets.map((row) => row.indexOf(Math.max(...row)));
    const labels = sample.labels
      ? sample.inputs.map((row) => sample.labels[row.indexOf(Math.max(...row))])
      : null;
    return {
      t,
      labels,
      inputs: [],
      target: { name: "target: 1 on the correct character", values: atLoss(t.map(() => 1)) },
      prediction: { name: "p(correct next character)", values: ys.map((y, i) => y[hot[i]] ?? null) },
    };
  }
  const nIn = sample.inputs[0].length;
  const names = INPUT_NAMES[taskName] ?? ["input x_t"];
  const inputs = nIn <= 2
    ? names.slice(0, nIn).map((name, j) => ({ name, values: sample.inputs.map((row) => row[j]) }))
    : [];
  return {
    t,
    labels: null,
    inputs,
    target: { name: "target d_t", values: atLoss(sample.targets.map((row) => row[0])) },
    prediction: { name: "prediction y_t", values: ys.map((y) => y[0] ?? null) },
  };
}

/** One preset per task (registered with presets.js): settings that visibly learn in seconds. */
export const TASK_PRESETS = [
  { name: "task-sine", label: "Sine (the lecture's notebook)", state: { task: "sine", T: 20, H: 4, act: "tanh", seed: 0, loss: "all", opt: "adam", lr: 0.02, clip: 0, K: 0 } },
  { name: "task-echo", label: "Echo (remember 2 steps back)", state: { task: "echo", T: 10, H: 8, act: "tanh", seed: 0, loss: "all", opt: "adam", lr: 0.01, clip: 0, K: 0 } },
  { name: "task-adding", label: "Adding (many-to-one)", state: { task: "adding", T: 10, H: 8, act: "tanh", seed: 0, loss: "last", opt: "adam", lr: 0.01, clip: 1, K: 0 } },
  { name: "task-binary", label: "Binary addition", state: { task: "binary_addition", T: 9, H: 8, act: "tanh", seed: 0, loss: "all", opt: "adam", lr: 0.03, clip: 0, K: 0 } },
  { name: "task-chars", label: "Chars (next character)", state: { task: "chars", T: 24, H: 16, act: "tanh", seed: 0, loss: "all", opt: "adam", lr: 0.02, clip: 0, K: 0 } },
];
