// One view-model per /api/bptt answer: the lookups every renderer draws from, built once when
// the answer arrives (renderers never search the wire JSON). Pure: no DOM, no fetch.

import { norm } from "./terms.js";

/** Largest finite value of a list (0 when there is none). */
function maxFinite(values) {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

/**
 * The view-model of a /api/bptt answer. `data` is kept as `raw` (the JSON export is the API's
 * answer, byte for byte); `model` is what the request asked for ({output, loss, task}) so the
 * text can follow it. detail "full" gives every term; detail "norms" only the flow norms.
 */
export function viewModel(data, { model = {}, task = "" } = {}) {
  const T = data.T;
  const full = Array.isArray(data.terms);
  const entries = new Map(); // t → {t, dE_dWs, dE_dWx, dE_dWy, ks (descending), byK}
  for (const e of data.terms || []) {
    const byK = new Map(e.k.map((term) => [term.k, term]));
    const ks = e.k.map((term) => term.k).sort((a, b) => b - a);
    entries.set(e.t, { t: e.t, dE_dWs: e.dE_dWs, dE_dWx: e.dE_dWx, dE_dWy: e.dE_dWy, ks, byK });
  }
  const isLoss = (st) => st.E !== null && st.E !== undefined;
  const lossSteps = full ? [...entries.keys()].sort((a, b) => a - b) : data.steps.filter(isLoss).map((st) => st.t);
  const flowAt = (kind, t, k) => {
    const row = data.flow && data.flow[kind] ? data.flow[kind][t - 1] : null;
    const v = row ? row[k - 1] : null;
    return v === undefined ? null : v;
  };
  /** The kept k of loss step t, newest first (truncation drops the oldest). */
  const keptKs = (t) => {
    if (full) return entries.get(t)?.ks ?? [];
    const out = [];
    for (let k = t; k >= 1; k -= 1) if (flowAt("Ws", t, k) !== null) out.push(k);
    return out;
  };
  /** ‖δ_{t,k}‖ (full) or ‖∂E_t/∂s_k‖ (norms): what an arrow's width follows. */
  const deltaNorm = (t, k) => {
    if (full) {
      const term = entries.get(t)?.byK.get(k);
      return term ? norm(term.dE_dz) : null;
    }
    return flowAt("state", t, k);
  };
  const deltas = new Map();
  for (const t of lossSteps) for (const k of keptKs(t)) deltas.set(`${t},${k}`, deltaNorm(t, k));
  // null stands for a non-finite number in the JSON: its norm is NaN (terms.norm), not a silent 0
  const gradNorms = Object.fromEntries(Object.entries(data.grads || {}).map(([name, g]) => [name, norm(g)]));
  const finite = data.diagnostics ? data.diagnostics.finite !== false : true;
  return {
    raw: data,
    full,
    T,
    H: data.weights ? data.weights.Ws.length : data.s0.length,
    nIn: data.weights ? data.weights.Wx.length : data.steps[0].x.length,
    nOut: data.weights ? data.weights.Wy[0].length : data.steps[0].y.length,
    steps: data.steps,
    s0: data.s0,
    weights: data.weights,
    grads: data.grads,
    gradNorms,
    flow: data.flow,
    diagnostics: data.diagnostics,
    loss: data.loss,
    output: model.output ?? "linear",
    lossKind: model.loss ?? "squared_error",
    task,
    finite: finite && Object.values(gradNorms).every(Number.isFinite),
    lossSteps,
    maxDelta: Math.max(1e-300, maxFinite(deltas.values())),
    keptKs,
    /** The totals of loss step t ({dE_dWs, dE_dWx, dE_dWy}), or null (norms, or not a loss step). */
    entry: (t) => entries.get(t) ?? null,
    /** Term C_{t,k} ({k, Ws, Wx, dE_ds, dE_dz}) or null (dropped, or detail "norms"). */
    term: (t, k) => entries.get(t)?.byK.get(k) ?? null,
    /** ‖C^W_{t,k}‖_F for W = "Ws" or "Wx"; null where the term is dropped. */
    termNorm: (t, k, W) => {
      if (full) {
        const term = entries.get(t)?.byK.get(k);
        return term ? norm(term[W]) : null;
      }
      return flowAt(W, t, k);
    },
    deltaNorm: (t, k) => deltas.get(`${t},${k}`) ?? null,
  };
}

/** The loss step to show: the chosen one when the answer has it, else the last. */
export function chosenStep(vm, t) {
  const steps = vm.lossSteps;
  if (steps.length === 0) return null;
  return steps.includes(t) ? t : steps[steps.length - 1];
}
