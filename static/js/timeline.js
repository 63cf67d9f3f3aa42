// The animation timeline: forward pass left → right, then the error flowing back from E_t
// term by term, with the running sums ∂E_t/∂Ws and ∂E_t/∂Wx. Pure: no DOM.

/** Steps k that truncation K drops for loss step t (K = 0 or null: none). */
export function droppedKs(t, K) {
  if (!K || K <= 0) return [];
  return Array.from({ length: Math.max(0, t - K) }, (_, i) => i + 1);
}

/**
 * The animation steps of a view-model: "ready", T "forward" steps, then for each animated
 * loss step t: "loss" (E_t), "output" (y_t), and one "term" per kept k from t down to the oldest.
 */
export function buildTimeline(vm, { t, mode }) {
  const steps = [{ kind: "ready" }];
  for (let j = 1; j <= vm.T; j += 1) steps.push({ kind: "forward", t: j });
  const animated = mode === "all" ? vm.lossSteps : t === null ? [] : [t];
  for (const lt of animated) {
    steps.push({ kind: "loss", t: lt });
    steps.push({ kind: "output", t: lt });
    for (const k of vm.keptKs(lt)) steps.push({ kind: "term", t: lt, k });
  }
  return steps;
}

const zeros = (rows, cols) => Array.from({ length: rows }, () => new Array(cols).fill(0));
const addInto = (acc, m) => {
  for (let i = 0; i < acc.length; i += 1) {
    const row = acc[i];
    const src = m[i];
    for (let j = 0; j < row.length; j += 1) row[j] += src[j];
  }
};

/**
 * The running sums after timeline step i: {i, Ws, Wx, added}, Ws and Wx the sums of every
 * term stepped through up to step i, `added` the term added at step i (null otherwise).
 * `from` (an earlier result for the same steps) is continued instead of summing from the
 * start, so stepping forward costs one addition. Detail "norms" has no matrices: Ws = Wx = null.
 */
export function runningSums(vm, steps, i, from = null) {
  const step = steps[i];
  const added = step && step.kind === "term" ? vm.term(step.t, step.k) : null;
  if (!vm.full) return { i, steps, Ws: null, Wx: null, added: null };
  let start = 0;
  let Ws;
  let Wx;
  if (from && from.steps === steps && from.i <= i && from.Ws) {
    start = from.i + 1;
    Ws = from.Ws.map((r) => r.slice());
    Wx = from.Wx.map((r) => r.slice());
  } else {
    // gated cells: H×GH and n_in×GH, G gate blocks side by side (the totals' shapes)
    Ws = zeros(vm.grads.Ws.length, vm.grads.Ws[0].length);
    Wx = zeros(vm.grads.Wx.length, vm.grads.Wx[0].length);
  }
  for (let j = start; j <= i; j += 1) {
    const s = steps[j];
    if (s.kind !== "term") continue;
    const term = vm.term(s.t, s.k);
    addInto(Ws, term.Ws);
    addInto(Wx, term.Wx);
  }
  return { i, steps, Ws, Wx, added };
}

/**
 * The graph elements on the path of term C_{t,k}: E_t → y_t → s_t → … → s_k, and Ws_k, Wx_k;
 * the LSTM's error also runs back along the cell state (c_t … c_k, the forget gates f_j and
 * the o_j arrows), the GRU's along the update gate's direct paths z_j.
 */
export function termPath(t, k, cell = "rnn") {
  const nodes = [`E_${t}`, `y_${t}`];
  const edges = [`Wy_${t}`];
  for (let j = t; j >= k; j -= 1) nodes.push(`s_${j}`);
  for (let j = t; j > k; j -= 1) edges.push(`Ws_${j}`);
  if (cell === "lstm") {
    for (let j = t; j >= k; j -= 1) nodes.push(`c_${j}`);
    for (let j = t; j > k; j -= 1) edges.push(`f_${j}`);
    for (let j = t; j >= k; j -= 1) edges.push(`o_${j}`);
  }
  if (cell === "gru") for (let j = t; j > k; j -= 1) edges.push(`z_${j}`);
  nodes.push(`s_${k - 1}`, `x_${k}`);
  edges.push(`Ws_${k}`, `Wx_${k}`);
  return { nodes, edges };
}

/**
 * What a timeline step lights up: `active` elements (data-active), the `lit` path leading to
 * them, the `term` index k being added, and `revealed`: columns whose forward values are shown.
 */
export function stepFocus(step, T, cell = "rnn") {
  const none = { nodes: [], edges: [] };
  switch (step.kind) {
    case "forward": {
      const j = step.t;
      const extra = cell === "lstm"
        ? { nodes: [`c_${j}`], edges: [`f_${j}`, `o_${j}`] }
        : cell === "gru" ? { nodes: [], edges: [`z_${j}`] } : none;
      return {
        active: { nodes: [`s_${j}`, ...extra.nodes], edges: [`Wx_${j}`, `Ws_${j}`, ...extra.edges] },
        lit: { nodes: [`x_${j}`, `s_${j - 1}`, `y_${j}`, `E_${j}`], edges: [`Wy_${j}`] },
        term: null,
        revealed: j,
      };
    }
    case "loss":
      return { active: { nodes: [`E_${step.t}`], edges: [] }, lit: none, term: null, revealed: T };
    case "output":
      return {
        active: { nodes: [`y_${step.t}`], edges: [`Wy_${step.t}`] },
        lit: { nodes: [`E_${step.t}`], edges: [] },
        term: null,
        revealed: T,
      };
    case "term": {
      const path = termPath(step.t, step.k, cell);
      const c = cell === "lstm" ? [`c_${step.k}`] : [];
      return {
        active: { nodes: [`s_${step.k}`, ...c], edges: [`Ws_${step.k}`, `Wx_${step.k}`] },
        lit: path,
        term: step.k,
        revealed: T,
      };
    }
    default:
      return { active: none, lit: none, term: null, revealed: T };
  }
}

/** A one-line caption for a timeline step (plain text; the page adds the maths). */
export function caption(step, T, { lossKind = "squared_error", output = "linear", cell = "rnn" } = {}) {
  const loss = (t) => (lossKind === "cross_entropy"
    ? `E${sub(t)} = −Σⱼ d${sub(t)},ⱼ log y${sub(t)},ⱼ (cross-entropy)`
    : `E${sub(t)} = (d${sub(t)} − y${sub(t)})²`);
  const y = (t) => (output === "softmax" ? `y${sub(t)} = softmax(s${sub(t)}Wy)` : `y${sub(t)} = s${sub(t)}Wy`);
  switch (step.kind) {
    case "ready":
      return `Forward pass over T = ${T} steps. Press → (or play) to animate it, then BPTT.`;
    case "forward": {
      const j = step.t;
      if (cell === "lstm") return `Forward step ${j}: gates i, f, g, o from x${sub(j)}Wx + s${sub(j - 1)}Ws; c${sub(j)} = f${sub(j)} ⊙ c${sub(j - 1)} + i${sub(j)} ⊙ g${sub(j)}, s${sub(j)} = o${sub(j)} ⊙ tanh(c${sub(j)}), ${y(j)}.`;
      if (cell === "gru") return `Forward step ${j}: gates r, z and the candidate n${sub(j)}; s${sub(j)} = (1 − z${sub(j)}) ⊙ n${sub(j)} + z${sub(j)} ⊙ s${sub(j - 1)}, ${y(j)}.`;
      return `Forward step ${j}: s${sub(j)} = Φ(x${sub(j)}Wx + s${sub(j - 1)}Ws), ${y(j)}.`;
    }
    case "loss":
      return `Backward: the error enters at ${loss(step.t)}.`;
    case "output":
      return `∂E${sub(step.t)}/∂y${sub(step.t)} flows down Wy into s${sub(step.t)}.`;
    case "term":
      if (cell !== "rnn") return `Term k = ${step.k}: C${sub(`${step.t},${step.k}`)} = (input of step ${step.k})ᵀ · ∂E${sub(step.t)}/∂a${sub(step.k)}, all gate blocks, is added to the sums.`;
      return `Term k = ${step.k}: C${sub(`${step.t},${step.k}`)} = ∂E${sub(step.t)}/∂s${sub(step.k)} · ∂s${sub(step.k)}/∂W is added to the sums.`;
    default:
      return "";
  }
}

/**
 * What the forget gate (LSTM) or the update gate (GRU) does to the error at step k, in words:
 * κ_{t,k−1} gets κ_{t,k} ⊙ f_k on the cell-state rail; the GRU's σ gets σ ⊙ z_k on its direct path.
 * `gates` is steps[k−1].gates; "" for the plain RNN.
 */
export function gateCaption(cell, k, gates) {
  if (!gates || k < 1) return "";
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const pct = (v) => `${Math.round(v * 100)} %`;
  const num = (v) => v.toFixed(2);
  const stat = (name, v) => (v.length === 1
    ? `${name}${sub(k)} = ${num(v[0])}`
    : `${name}${sub(k)} = ${num(Math.min(...v))} … ${num(Math.max(...v))} (mean ${num(mean(v))})`);
  if (cell === "lstm" && gates.f) {
    const f = gates.f;
    return ` Cell-state rail: κ is multiplied by ${stat("f", f)}, so ${pct(mean(f))} of the error survives.`;
  }
  if (cell === "gru" && gates.z) {
    const z = gates.z;
    return ` Direct path z ⊙ s: the error is multiplied by ${stat("z", z)}, so ${pct(mean(z))} passes untouched.`;
  }
  return "";
}

const SUBS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": "," };

/** Unicode subscript of a small index, e.g. sub(12) = "₁₂". */
export function sub(v) {
  return String(v)
    .split("")
    .map((c) => SUBS[c] ?? c)
    .join("");
}

/**
 * What a timeline step lights in the folded view (one cell, the Ws loop): the same step as in
 * the unfolded graph, on the one cell that stands for every t, with a note naming the step.
 */
export function foldedFocus(step) {
  switch (step.kind) {
    case "forward":
      return { nodes: ["s"], edges: ["Wx", "Ws_loop"], note: `t = ${step.t}: s${sub(step.t)} from x${sub(step.t)} and s${sub(step.t - 1)}`, backward: false };
    case "loss":
      return { nodes: ["E"], edges: [], note: `the error enters at E${sub(step.t)}`, backward: true };
    case "output":
      return { nodes: ["y"], edges: ["Wy"], note: `down Wy into s${sub(step.t)}`, backward: true };
    case "term":
      return {
        nodes: ["s"], edges: ["Ws_loop", "Wx"], backward: true,
        note: `term k = ${step.k}: ${step.t - step.k} time${step.t - step.k === 1 ? "" : "s"} back round the loop`,
      };
    default:
      return { nodes: [], edges: [], note: "", backward: false };
  }
}

/** The graph's edges that truncation K cuts for loss step t: Ws, Wx (and f, z) of each dropped k. */
export function droppedEdges(t, K) {
  return t ? droppedKs(t, K).flatMap((k) => [`Ws_${k}`, `Wx_${k}`, `f_${k}`, `z_${k}`]) : [];
}

/**
 * The arrow widths of a backward step: Wy_t at full width, and on a term C_{t,k} every edge the
 * error has crossed (k′ ≥ k) by its norm: Ws, Wx by ‖δ_{t,k′}‖; the LSTM's f by ‖κ_{t,k′}‖ (the
 * cell-state rail) and o by ‖δ‖; the GRU's z by ‖σ_{t,k′}‖. Forward steps: none (an empty Map).
 */
export function stepWeights(vm, step) {
  const weights = new Map();
  if (!["loss", "output", "term"].includes(step.kind)) return weights;
  const t = step.t;
  weights.set(`Wy_${t}`, { norm: 1, max: 1 });
  if (step.kind !== "term") return weights;
  for (const k of vm.keptKs(t)) {
    if (k < step.k) continue;
    const w = { norm: vm.deltaNorm(t, k), max: vm.maxDelta };
    weights.set(`Ws_${k}`, w);
    weights.set(`Wx_${k}`, w);
    if (vm.cell === "lstm") {
      weights.set(`f_${k}`, { norm: vm.kappaNorm(t, k), max: vm.maxKappa });
      weights.set(`o_${k}`, w);
    }
    if (vm.cell === "gru") weights.set(`z_${k}`, { norm: vm.sigmaNorm(t, k), max: vm.maxSigma });
  }
  return weights;
}
