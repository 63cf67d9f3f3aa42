// The guided lesson's steps: the lecture's path (folded model → unfolding → forward pass → E_t →
// ∂E_t/∂Wy → the Ws and Wx sums → the general sum → vanishing gradients → why gates → truncation), each a
// state of the page and one or two sentences whose numbers come from the current view-model.
// Pure: no DOM, no fetch. A sentence is a list of parts: strings, quantities q(...) and symbols.

import { norm } from "./terms.js";

const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": ",", "−": "₋" };

/** "3,2" → "₃,₂": subscripts as Unicode, so a sentence reads like the lecture. */
export function sub(text) {
  return String(text).split("").map((c) => SUB[c] ?? c).join("");
}

/** A scalar of a 1-entry vector, else its Euclidean norm (how a vector is quoted in one number). */
export function scalarOf(v) {
  if (!Array.isArray(v)) return v;
  return v.length === 1 ? v[0] : norm(v);
}

/**
 * The value of a quantity key of an /api/bptt answer's view-model, or null when the answer
 * does not have it. Keys: "E:t", "y:t", "d:t", "s:k" (‖s_k‖), "Wy:t" (‖∂E_t/∂Wy‖_F),
 * "CWs:t:k" / "CWx:t:k" (‖C_{t,k}‖_F), "gWs:t" / "gWx:t" (‖∂E_t/∂W‖_F), "J:t:k" (‖∂s_t/∂s_k‖₂),
 * "rho", "gamma", "norm2" (ρ(Ws), γ, ‖Ws‖₂ from the diagnostics); gated cells: "f:k" (the
 * forget gate f_k, its mean over the units), "kappa:t:k" (‖κ_{t,k}‖ = ‖∂E_t/∂c_k‖), and for
 * every cell "dEs:t:k" (‖∂E_t/∂s_k‖).
 */
export function quantity(vm, key) {
  const [name, a, b] = key.split(":");
  const t = Number(a);
  const k = Number(b);
  const step = vm.steps[t - 1];
  const diag = vm.diagnostics || {};
  switch (name) {
    case "E": return step ? step.E ?? null : null;
    case "y": return step ? scalarOf(step.y) : null;
    case "d": return step && step.d ? scalarOf(step.d) : null;
    case "s": return t === 0 ? norm(vm.s0) : step ? norm(step.s) : null;
    case "Wy": return vm.entry(t) ? norm(vm.entry(t).dE_dWy) : null;
    case "CWs": return vm.termNorm(t, k, "Ws");
    case "CWx": return vm.termNorm(t, k, "Wx");
    case "gWs": return vm.entry(t) ? norm(vm.entry(t).dE_dWs) : null;
    case "gWx": return vm.entry(t) ? norm(vm.entry(t).dE_dWx) : null;
    case "J": return vm.flow && vm.flow.jacobian ? vm.flow.jacobian[t - 1][k - 1] : null;
    case "f": return step && step.gates && step.gates.f ? mean(step.gates.f) : null;
    case "kappa": return vm.flow && vm.flow.cell ? vm.flow.cell[t - 1][k - 1] : null;
    case "dEs": return vm.flow && vm.flow.state ? vm.flow.state[t - 1][k - 1] : null;
    case "rho": return diag.ws_spectral_radius ?? null;
    case "gamma": return diag.gamma ?? null;
    case "norm2": return diag.ws_spectral_norm ?? null;
    default: throw new Error(`unknown quantity ${key}`);
  }
}

/** The mean of a vector: how one number stands for a gate's H values. */
function mean(v) {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** A fraction as a whole percentage, "—" when there is none. */
export function percent(v) {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : `${Math.round(100 * v)} %`;
}

/** The animation step index of a timeline point (one loss step t, full or truncated BPTT). */
export function timelineIndex(T, t, point) {
  if (point === "ready") return 0;
  if (point === "forward") return T;
  if (point === "loss") return T + 1;
  if (point === "output") return T + 2;
  return T + 2 + (t - point + 1); // term k = point: the terms run from k = t down
}

/** The ks a sentence quotes for loss step t: all of them up to 4, else the newest 3 and k = 1. */
export function quotedKs(t) {
  if (t <= 4) return Array.from({ length: t }, (_, i) => t - i);
  return [t, t - 1, t - 2, 1];
}

/** s_0 is all zeros (the lecture's default): then every C^Ws_{t,1} = s_0ᵀ δ_{t,1} is 0. */
export function zeroStart(vm) {
  return vm.s0.every((v) => v === 0);
}

/** The K the truncation step shows: 2 (the lecture's three terms lose one), at most T − 1. */
export function lessonK(T) {
  return Math.max(1, Math.min(2, T - 1));
}

// ---------------------------------------------------------------- parts of a sentence

/** A quantity: its label, the key it is read from, the graph elements it lights. */
const q = (label, key, hl = [], extra = {}) => ({ q: key, label, hl, ...extra });
/** A symbol with a definition on hover (definitions.js). */
const d = (def, text) => ({ def, text });

function termList(W, t, ks) {
  const parts = [];
  ks.forEach((k, i) => {
    if (i > 0) parts.push(k === 1 && ks[i - 1] !== 2 ? ", …, " : ", ");
    parts.push(q(`‖C${W === "Ws" ? "ᵂˢ" : "ᵂˣ"}${sub(`${t},${k}`)}‖`, `C${W}:${t}:${k}`, [`${W}_${k}`]));
  });
  return parts;
}

/**
 * Why gates: the same sequence and seed as an LSTM (the step's patch). One step back the error on
 * the cell state is multiplied by the forget gate alone; its numbers come from the LSTM's answer,
 * the plain RNN's from the last plain answer of the same model (src "rnn", left out without one).
 */
function gatesStep(vm) {
  const t = vm.T;
  const lstm = vm.cell === "lstm";
  const f = lstm ? quantity(vm, `f:${t}`) : null;
  const back = t > 1 ? 1 : t;
  const step = {
    id: "gates",
    title: "Why gates: the LSTM's cell-state rail",
    patch: { cell: "lstm", flow: "cell" },
    controls: ["ctl-cell"], // the control the step changed, lit beside the graph's elements
    at: back,
    text: [
      "Same sequence, same seed, now an LSTM: beside sₖ it keeps a ", d("c", "cell state cₖ"), ", and one step back the error on it, ",
      d("kappa", "κ"), ", is multiplied by the forget gate alone, no Ws and no Φ′ in between. Here ",
      q(`f${sub(t)}`, `f:${t}`, [`f_${t}`], { def: "f" }), vm.H > 1 ? " (the mean over the units)" : "",
      `: ${percent(f)} of the error on that rail survives step ${t}. `,
      t > 1 ? [`${t - 1} step${t > 2 ? "s" : ""} back: `, q(`‖κ${sub(`${t},1`)}‖`, `kappa:${t}:1`, ["c_1"], { def: "kappa" }),
        " on the rail, ", q(`‖∂E${sub(t)}/∂s₁‖`, `dEs:${t}:1`, ["s_1"]), " at the state."] : "",
    ].flat(),
  };
  if (t > 1) {
    step.note = [
      "The plain RNN, same sequence and seed: ", q(`‖∂E${sub(t)}/∂s₁‖`, `dEs:${t}:1`, [], { src: "rnn" }),
      ". With seeded weights the forget gates sit near ½; training moves them towards 1 where a long memory pays (“Why gates” further down trains the three cells side by side).",
    ];
  }
  return step;
}

/**
 * The lesson's steps for a view-model: [{id, title, patch, at, text: [parts], note?, predict?}].
 * `patch` is the page state the step sets, `at` the animation point it shows (timelineIndex),
 * `predict` asks for a guess before the text is shown ({kind: "terms"} or {kind: "norm"}).
 */
export function lessonSteps(vm) {
  const T = vm.T;
  const t = T;
  const ks = quotedKs(t);
  const K = lessonK(T);
  const squared = vm.lossKind === "squared_error" && vm.output === "linear";
  const zero = zeroStart(vm);
  const steps = [
    {
      id: "folded",
      title: "The folded model",
      patch: { view: "folded" },
      at: "ready",
      text: [
        "One cell, fed back into itself through ", d("Ws", "Ws"), ": the same three matrices Wx, Ws, Wy serve every step. ",
        "How strongly the loop can amplify is its spectral radius ", q("ρ(Ws)", "rho", ["Ws_loop"], { def: "rho" }), ".",
      ],
    },
    {
      id: "unfold",
      title: "Unfolded in time",
      patch: {},
      at: "ready",
      text: [
        `Unfolded, it is T = ${T} copies of that cell, one per input xₜ, linked by Ws. `,
        "It starts from the initial state, here ", q("‖s₀‖", "s:0", ["s_0"]), zero ? " (all zeros)." : ".",
      ],
    },
    {
      id: "forward",
      title: "The forward pass",
      patch: {},
      at: "forward",
      text: [
        "Left to right: sₜ = Φ(xₜ Wx + sₜ₋₁ Ws) and yₜ = sₜ Wy. ",
        `At the last step the state has `, q(`‖s${sub(t)}‖`, `s:${t}`, [`s_${t}`]), ", the output is ",
        q(`y${sub(t)}`, `y:${t}`, [`y_${t}`]), " and the target ", q(`d${sub(t)}`, `d:${t}`, [`y_${t}`]), ".",
      ],
    },
    {
      id: "loss",
      title: `The error E${sub(t)}`,
      patch: {},
      at: "loss",
      text: [
        squared ? `The error at step ${t} is E${sub(t)} = (d${sub(t)} − y${sub(t)})²: ` : `The error at step ${t}: `,
        q(`E${sub(t)}`, `E:${t}`, [`E_${t}`]), ". Every gradient of this lesson is a gradient of this one number.",
      ],
    },
    {
      id: "wy",
      title: `∂E${sub(t)}/∂Wy: one step`,
      patch: {},
      at: "output",
      text: [
        `∂E${sub(t)}/∂Wy = s${sub(t)}ᵀ `, d("epsilon", "ε"), sub(t), " takes one step of the chain rule, no BPTT: ",
        q(`‖∂E${sub(t)}/∂Wy‖`, `Wy:${t}`, [`Wy_${t}`, `y_${t}`]), ".",
      ],
    },
    {
      id: "ws",
      title: `The Ws terms and their sum`,
      patch: {},
      at: 1,
      predict: { kind: "terms", t },
      text: [
        `∂E${sub(t)}/∂Ws adds one term per step back, `, d("C", `C${sub(`${t},k`)}`), " = sₖ₋₁ᵀ ", d("delta", `δ${sub(`${t},k`)}`), ": ",
        ...termList("Ws", t, ks), ". Their sum: ", q(`‖∂E${sub(t)}/∂Ws‖`, `gWs:${t}`, ks.map((k) => `Ws_${k}`)), ".",
      ],
      note: zero ? [`Why is `, q(`‖Cᵂˢ${sub(`${t},1`)}‖`, `CWs:${t}:1`, ["Ws_1", "s_0"]), "? Because s₀ = 0: the first step has no earlier state for Ws to act on, so C", sub(`${t},1`), " = s₀ᵀ δ", sub(`${t},1`), " = 0."] : null,
    },
    {
      id: "wx",
      title: "The Wx terms",
      patch: {},
      at: 1,
      text: [
        "Wx gets the same δ's, with the input in place of the earlier state: Cᵂˣ", sub(`${t},k`), " = xₖᵀ ", d("delta", `δ${sub(`${t},k`)}`), ": ",
        ...termList("Wx", t, ks), ". Their sum: ", q(`‖∂E${sub(t)}/∂Wx‖`, `gWx:${t}`, ks.map((k) => `Wx_${k}`)), ".",
      ],
    },
    {
      id: "general",
      title: "The general sum",
      patch: {},
      at: 1,
      text: [
        "For any loss step t, ∂Eₜ/∂W is the sum of Cₜ,ₖ over k = 1..t, and term k carries ∂sₜ/∂sₖ, a product of t − k Jacobians: ",
        ...ks.filter((k) => k < t).flatMap((k, i) => [i > 0 ? ", " : "", q(`‖∂s${sub(t)}/∂s${sub(k)}‖₂`, `J:${t}:${k}`, [`s_${k}`], { def: "norm2" })]),
        t === 1 ? "with one step there is no product at all" : "", ". The further back, the more factors.",
      ],
    },
    {
      id: "vanish",
      title: "Vanishing gradients",
      patch: {},
      at: 1,
      rho: true,
      predict: t > 1 ? { kind: "norm", key: `J:${t}:1` } : null,
      text: [
        "Each factor is at most ", q("‖Ws‖₂", "norm2", [], { def: "norm2" }), " · ", q("γ", "gamma", [], { def: "gamma" }),
        " (γ = max Φ′), so ", q(`‖∂s${sub(t)}/∂s₁‖₂`, `J:${t}:1`, ["s_1"], { def: "norm2" }),
        " shrinks geometrically when ‖Ws‖₂·γ < 1. Drag ρ(Ws): past 1/γ the far terms can explode instead.",
      ],
    },
    gatesStep(vm),
    {
      id: "truncate",
      title: "Truncated BPTT",
      patch: { K },
      controls: ["ctl-K"],
      at: 1 + Math.max(0, t - K), // the oldest kept term
      note: zero && t - K === 1 ? ["The Ws sum does not change: the one term dropped, Cᵂˢ", sub(`${t},1`), ", was 0 anyway (s₀ = 0)."] : null,
      text: [
        `Truncation K = ${K} keeps only the ${K} newest term${K > 1 ? "s" : ""} of every sum and drops the rest (greyed): `,
        q(`‖∂E${sub(t)}/∂Wx‖`, `gWx:${t}`, [`Wx_${t}`]), " against full BPTT's ", q(`‖∂E${sub(t)}/∂Wx‖`, `gWx:${t}`, [], { src: "full" }),
        ", and ", q(`‖∂E${sub(t)}/∂Ws‖`, `gWs:${t}`, [`Ws_${t}`]), " against ", q(`‖∂E${sub(t)}/∂Ws‖`, `gWs:${t}`, [], { src: "full" }),
        ". Cheaper, but no longer the gradient of E.",
      ],
    },
  ];
  return steps;
}
