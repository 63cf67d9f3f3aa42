// "Why gates": the plain RNN, the LSTM and the GRU trained in lockstep on the same task, sizes
// and seed. The comparison's tasks, its /api/train and /api/bptt bodies, and what the summary
// shows, as plain data. Pure: no DOM, no fetch.

/** The cells compared, in the order they are drawn. */
export const CELLS = ["rnn", "lstm", "gru"];

/**
 * The comparison's tasks. "long": echo with a delay of 5 (d_t = x_{t−5}): with seed 0, H = 16 and
 * Adam at lr 0.03 the LSTM's loss ends more than 10× below the plain RNN's within 2,000 steps
 * (tests/api/test_compare_task.py). "short": a delay of 1, which all three learn (each below 1 % of its first loss; the GRU ends
 * lowest, the plain RNN level with the LSTM).
 */
export const COMPARE_TASKS = {
  long: { label: "echo, delay 5 (a long memory)", task: { name: "echo", T: 10, delay: 5 } },
  short: { label: "echo, delay 1 (a short memory)", task: { name: "echo", T: 10, delay: 1 } },
};

export const COMPARE_H = 16;
export const COMPARE_LR = 0.03;
export const COMPARE_STEPS = 2000; // where the comparison stops
export const COMPARE_CHUNK = 100; // steps per /api/train call and cell

/** A comparison that has not trained: one empty run per cell. */
export function emptyComparison(kind = "long") {
  return {
    kind,
    runs: Object.fromEntries(CELLS.map((cell) => [cell, { weights: null, optimizerState: null, step: 0, history: [] }])),
    decay: {}, // cell → {lag: [T−k], value: [‖∂E_T/∂s_k‖]}
    playing: false,
    error: "",
  };
}

/** The model of one cell of the comparison (the same sizes and seed for every cell). */
export function compareModel(cell, seed, weights = null) {
  const model = { cell, n_in: 1, n_hidden: COMPARE_H, n_out: 1, activation: "tanh", seed };
  if (weights) model.weights = weights;
  return model;
}

/** The /api/train body of one cell's next chunk: the same task samples for every cell. */
export function compareTrainBody(kind, cell, run, seed, steps = COMPARE_CHUNK) {
  const { task } = COMPARE_TASKS[kind];
  return {
    model: compareModel(cell, seed, run.weights),
    data: { task: { ...task, seed } },
    optimizer: { name: "adam", lr: COMPARE_LR },
    steps,
    log_every: 10,
    optimizer_state: run.optimizerState,
    start_step: run.step,
  };
}

/** The /api/bptt body (norms) whose flow.state row T gives ‖∂E_T/∂s_k‖ for one cell. */
export function compareFlowBody(cell, run, seed, sample) {
  return {
    model: compareModel(cell, seed, run.weights),
    inputs: sample.inputs,
    targets: sample.targets,
    loss_steps: "last",
    detail: "norms",
  };
}

/**
 * The lab's /api/bptt body (norms) of another cell on the graph's own data: the same inputs,
 * targets, loss steps, truncation, sizes, output, loss and seed, the cell's seeded weights (a
 * trained run's weights have another cell's shapes), Φ = the page's for the plain RNN and tanh
 * for the gated cells, ρ(Ws) from the lab's slider, and c_0 for the LSTM only.
 */
export function labCellBody(body, cell, { act = "tanh", rho = 0 } = {}) {
  const { weights: _w, cell: _c, ws_spectral_radius: _r, ...sizes } = body.model;
  const model = { ...sizes, activation: cell === "rnn" ? act : "tanh" };
  if (cell !== "rnn") model.cell = cell;
  if (rho > 0) model.ws_spectral_radius = rho;
  const { c0, ...rest } = body;
  // only flow.state is drawn: the Jacobian map would cost seconds at large H (jacobian: false)
  return { ...rest, model, ...(cell === "lstm" && c0 ? { c0 } : {}), detail: "norms", jacobian: false };
}

/** ‖∂E_T/∂s_k‖ against T − k from a /api/bptt answer's flow.state (last row). */
export function decayOf(data) {
  const row = data.flow.state[data.T - 1];
  const lag = [];
  const value = [];
  for (let k = data.T; k >= 1; k -= 1) {
    const v = row[k - 1];
    if (typeof v === "number" && Number.isFinite(v)) {
      lag.push(data.T - k);
      value.push(v);
    }
  }
  return { lag, value };
}

/** The run after a chunk: weights, buffers and step from the answer, history extended. */
export function applyCompareChunk(run, response) {
  return {
    weights: response.weights,
    optimizerState: response.optimizer_state,
    step: response.step,
    history: run.history.concat(response.history),
  };
}

/** Mean loss of the last `n` logged steps (fresh samples every step: one step's loss is noisy). */
export function recentLoss(history, n = 10) {
  const part = history.slice(-n).map((h) => h.loss).filter(Number.isFinite);
  return part.length ? part.reduce((a, b) => a + b, 0) / part.length : null;
}

/** ‖∂E/∂W‖ over every weight of the last logged step: √(Σ_W ‖∂E/∂W‖²). */
export function gradNorm(history) {
  const last = history[history.length - 1];
  if (!last) return null;
  return Math.sqrt(Object.values(last.grad_norm).reduce((a, v) => a + v * v, 0));
}

/** One summary row per cell: {cell, loss, steps, grad}. */
export function summaryRows(cmp) {
  return CELLS.map((cell) => {
    const run = cmp.runs[cell];
    return { cell, loss: recentLoss(run.history), steps: run.step, grad: gradNorm(run.history) };
  });
}
