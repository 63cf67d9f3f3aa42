// The animation timeline: forward pass left → right, then the error flowing back from E_t
// term by term, with the running sums ∂E_t/∂Ws and ∂E_t/∂Wx. Pure: no DOM.

/** The loss steps the response has terms for (ascending). */
export function lossSteps(data) {
  return (data.terms || []).map((e) => e.t);
}

/** The loss step to show: the chosen one when the response has it, else the last. */
export function chosenStep(data, t) {
  const steps = lossSteps(data);
  if (steps.length === 0) return null;
  return steps.includes(t) ? t : steps[steps.length - 1];
}

/** Steps k that truncation K drops for loss step t (K = 0 or null: none). */
export function droppedKs(t, K) {
  if (!K || K <= 0) return [];
  return Array.from({ length: Math.max(0, t - K) }, (_, i) => i + 1);
}

/**
 * The animation steps: "ready", T "forward" steps, then for each animated loss step t:
 * "loss" (E_t), "output" (y_t), and one "term" per kept k from t down to the oldest.
 */
export function buildTimeline(data, { t, mode }) {
  const T = data.T;
  const steps = [{ kind: "ready" }];
  for (let j = 1; j <= T; j += 1) steps.push({ kind: "forward", t: j });
  const entries = mode === "all" ? data.terms || [] : (data.terms || []).filter((e) => e.t === t);
  for (const entry of entries) {
    steps.push({ kind: "loss", t: entry.t });
    steps.push({ kind: "output", t: entry.t });
    const ks = entry.k.map((term) => term.k).sort((a, b) => b - a);
    for (const k of ks) steps.push({ kind: "term", t: entry.t, k });
  }
  return steps;
}

const zerosLike = (m) => m.map((row) => row.map(() => 0));
const addInto = (acc, m) => acc.map((row, i) => row.map((v, j) => v + m[i][j]));

/**
 * Running sums after every timeline step: acc[i] = {Ws, Wx, added} where Ws and Wx are the
 * sums of every term stepped through up to step i and `added` the term added at step i.
 */
export function accumulate(data, steps) {
  const H = data.weights.Ws.length;
  const nIn = data.weights.Wx.length;
  let Ws = Array.from({ length: H }, () => new Array(H).fill(0));
  let Wx = Array.from({ length: nIn }, () => new Array(H).fill(0));
  const byTK = new Map();
  for (const entry of data.terms || []) {
    for (const term of entry.k) byTK.set(`${entry.t},${term.k}`, term);
  }
  return steps.map((step) => {
    let added = null;
    if (step.kind === "term") {
      added = byTK.get(`${step.t},${step.k}`);
      Ws = addInto(Ws, added.Ws);
      Wx = addInto(Wx, added.Wx);
    }
    return { Ws, Wx, added };
  });
}

/** A zero matrix shaped like m (the accumulator before any term). */
export { zerosLike };

/** The graph elements on the path of term C_{t,k}: E_t → y_t → s_t → … → s_k, and Ws_k, Wx_k. */
export function termPath(t, k) {
  const nodes = [`E_${t}`, `y_${t}`];
  const edges = [`Wy_${t}`];
  for (let j = t; j >= k; j -= 1) nodes.push(`s_${j}`);
  for (let j = t; j > k; j -= 1) edges.push(`Ws_${j}`);
  nodes.push(`s_${k - 1}`, `x_${k}`);
  edges.push(`Ws_${k}`, `Wx_${k}`);
  return { nodes, edges };
}

/**
 * What a timeline step lights up: `active` elements (data-active), the `lit` path leading to
 * them, the `term` index k being added, and `revealed`: columns whose forward values are shown.
 */
export function stepFocus(step, T) {
  const none = { nodes: [], edges: [] };
  switch (step.kind) {
    case "forward": {
      const j = step.t;
      return {
        active: { nodes: [`s_${j}`], edges: [`Wx_${j}`, `Ws_${j}`] },
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
      const path = termPath(step.t, step.k);
      return {
        active: { nodes: [`s_${step.k}`], edges: [`Ws_${step.k}`, `Wx_${step.k}`] },
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
export function caption(step, T) {
  switch (step.kind) {
    case "ready":
      return `Forward pass over T = ${T} steps. Press → (or play) to animate it, then BPTT.`;
    case "forward":
      return `Forward step ${step.t}: s${sub(step.t)} = Φ(x${sub(step.t)}Wx + s${sub(step.t - 1)}Ws), y${sub(step.t)} = s${sub(step.t)}Wy.`;
    case "loss":
      return `Backward: the error enters at E${sub(step.t)} = (d${sub(step.t)} − y${sub(step.t)})².`;
    case "output":
      return `∂E${sub(step.t)}/∂y${sub(step.t)} flows down Wy into s${sub(step.t)}.`;
    case "term":
      return `Term k = ${step.k}: C${sub(`${step.t},${step.k}`)} = ∂E${sub(step.t)}/∂s${sub(step.k)} · ∂s${sub(step.k)}/∂W is added to the sums.`;
    default:
      return "";
  }
}

const SUBS = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": "," };

/** Unicode subscript of a small index, e.g. sub(12) = "₁₂". */
export function sub(v) {
  return String(v)
    .split("")
    .map((c) => SUBS[c] ?? c)
    .join("");
}
