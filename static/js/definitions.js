// Definitions of the lecture's symbols, the one source for the whole page: a line of MathML and
// a sentence each. symbols.js shows them on hover, focus or tap of any element with data-def="…".

import { m, math, mi, mn, mo, partial, row, sym } from "./mathml.js";

const sub2 = (base, a, b) => m("msub", {}, mi(base), row(mi(a), mo(","), mi(b)));
const norm2 = (x) => m("msub", {}, row(mo("‖"), x, mo("‖")), mn(2));
const call = (f, ...arg) => row(mi(f), mo("("), ...arg, mo(")"));
const prev = (base) => m("msub", {}, mi(base), row(mi("t"), mo("−"), mn(1)));

/** A gate's definition: g_t = f(a^g_t) and what it does. */
function gate(letter, name, text, f = "σ") {
  return {
    name: `${letter}, ${name}`,
    formula: () => math("block", sym(letter, "t"), mo("="), call(f, m("msubsup", {}, mi("a"), mi("t"), mi(letter)))),
    text,
  };
}

/** symbol → {name, formula() (a MathML element), text}. */
export const DEFINITIONS = {
  delta: {
    name: "δ, the error at the pre-activation",
    formula: () => math("block", sub2("δ", "t", "k"), mo("="), partial(sym("E", "t"), sym("z", "k")), mo("="),
      sub2("σ", "t", "k"), mo("⊙"), mi("Φ"), mo("′"), mo("("), sym("z", "k"), mo(")")),
    text: "How much E_t changes when the pre-activation z_k of step k moves: the error that reached s_k, passed back through Φ. (Gated cells: ∂E_t/∂a_k, the gates' pre-activations.)",
  },
  sigma: {
    name: "σ, the error at the state",
    formula: () => math("block", sub2("σ", "t", "k"), mo("="), partial(sym("E", "t"), sym("s", "k")), mo("="),
      m("msub", {}, mi("δ"), row(mi("t"), mo(","), mi("k"), mo("+"), mn(1))), m("msubsup", {}, mi("W"), mi("s"), mi("T"))),
    text: "The error of loss step t as it arrives at the state s_k, one Ws arrow further back at each step (for k < t).",
  },
  epsilon: {
    name: "ε, the error at the output",
    formula: () => math("block", sym("ε", "t"), mo("="), partial(sym("E", "t"), sym("y", "t")), mo("="),
      mo("−"), mn(2), mo("("), sym("d", "t"), mo("−"), sym("y", "t"), mo(")")),
    text: "With a linear output and squared error: twice the miss, with the sign that points uphill.",
  },
  C: {
    name: "C, the term of step k",
    formula: () => math("block", m("msubsup", {}, mi("C"), row(mi("t"), mo(","), mi("k")), sym("Ws")), mo("="),
      m("msubsup", {}, mi("s"), row(mi("k"), mo("−"), mn(1)), mi("T")), sub2("δ", "t", "k")),
    text: "What step k adds to ∂E_t/∂Ws (with x_k in place of s_{k−1} for Wx). ∂E_t/∂Ws is the sum of these over k = 1..t.",
  },
  kappa: {
    name: "κ, the error at the LSTM's cell state",
    formula: () => math("block", sub2("κ", "t", "k"), mo("="), partial(sym("E", "t"), sym("c", "k")), mo(","),
      m("msub", {}, mi("κ"), row(mi("t"), mo(","), mi("k"), mo("−"), mn(1))), mo("="), sub2("κ", "t", "k"), mo("⊙"), sym("f", "k"), mo("+"), mi("…")),
    text: "The error of loss step t at the cell state c_k. One step back it is multiplied by the forget gate f_k (plus the paths through s and the gates): with f near 1 it survives many steps.",
  },
  gamma: {
    name: "γ, the steepest slope of Φ",
    formula: () => math("block", mi("γ"), mo("="), m("munder", {}, mi("max"), mi("z")), mo("|"), mi("Φ"), mo("′"), mo("("), mi("z"), mo(")"), mo("|")),
    text: "1 for tanh, ¼ for the logistic sigmoid: no Jacobian step can stretch by more than ‖Ws‖₂·γ.",
  },
  rho: {
    name: "ρ, the spectral radius",
    formula: () => math("block", mi("ρ"), mo("("), sym("Ws"), mo(")"), mo("="), m("munder", {}, mi("max"), mi("i")), mo("|"), sym("λ", "i"), mo("|")),
    text: "The largest eigenvalue magnitude of Ws: the factor by which the loop multiplies its leading direction each step.",
  },
  norm2: {
    name: "‖·‖₂, the spectral norm",
    formula: () => math("block", norm2(mi("A")), mo("="), m("munder", {}, mi("max"), row(norm2(mi("v")), mo("="), mn(1))), norm2(row(mi("v"), mi("A")))),
    text: "The most a matrix can stretch a vector of length 1 (its largest singular value). For ∂s_t/∂s_k: how much any change of s_k can still move s_t.",
  },
  jacobian: {
    name: "∂s_t/∂s_k, the state-to-state Jacobian",
    formula: () => math("block", partial(sym("s", "t"), sym("s", "k")), mo("="),
      m("munderover", {}, mo("∏"), row(mi("j"), mo("="), mi("k"), mo("+"), mn(1)), mi("t")),
      mi("diag"), mo("("), mi("Φ"), mo("′"), mo("("), sym("z", "j"), mo(")"), mo(")"), m("msubsup", {}, mi("W"), mi("s"), mi("T"))),
    text: "How a change of the state at step k still moves the state at step t: a product of t − k one-step Jacobians, so it shrinks or grows geometrically.",
  },
  phi: {
    name: "Φ, the activation",
    formula: () => math("block", sym("s", "t"), mo("="), mi("Φ"), mo("("), sym("z", "t"), mo(")"), mo(","), sym("z", "t"), mo("="),
      sym("x", "t"), sym("Wx"), mo("+"), prev("s"), sym("Ws")),
    text: "The nonlinearity applied to the pre-activation z_t (tanh, the logistic sigmoid, ReLU or the identity). Its slope Φ′ multiplies every error that passes the step.",
  },
  Ws: {
    name: "Ws, the recurrent weights",
    formula: () => math("block", sym("s", "t"), mo("="), mi("Φ"), mo("("), sym("x", "t"), sym("Wx"), mo("+"), prev("s"), sym("Ws"), mo(")")),
    text: "The matrix that carries the state from one step to the next, the same at every step.",
  },
  t: {
    name: "t, the loss step",
    formula: () => math("block", partial(sym("E", "t"), mi("W")), mo("="),
      m("munderover", {}, mo("∑"), row(mi("k"), mo("="), mn(1)), mi("t")), sub2("C", "t", "k")),
    text: "The step whose error E_t is differentiated: row t holds its terms. In the Jacobian map, t is the later state s_t.",
  },
  k: {
    name: "k, the step a term comes from",
    formula: () => math("block", sub2("C", "t", "k"), mo(","), mn(1), mo("≤"), mi("k"), mo("≤"), mi("t")),
    text: "Term k is what the copy of W used at step k contributes to ∂E_t/∂W, t − k steps back in time. In the Jacobian map, k is the earlier state s_k.",
  },
  // the gated cells (cells.md)
  logistic: {
    name: "σ(·), the logistic function of a gate",
    formula: () => math("block", call("σ", mi("a")), mo("="), m("mfrac", {}, mn(1), row(mn(1), mo("+"), m("msup", {}, mi("e"), row(mo("−"), mi("a")))))),
    text: "Squashes a gate's pre-activation into (0, 1): 0 shuts the gate, 1 opens it fully. (Not the error σ_{t,k}.)",
  },
  f: gate("f", "the forget gate (LSTM)", "How much of the old cell state the cell keeps, unit by unit: c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t. Backwards, the error on the cell state is multiplied by f_t."),
  i: gate("i", "the input gate (LSTM)", "How much of the candidate g_t is written into the cell state."),
  g: gate("g", "the candidate (LSTM)", "The new content the cell may write, in (−1, 1).", "tanh"),
  o: gate("o", "the output gate (LSTM)", "How much of tanh(c_t) shows in the state: s_t = o_t ⊙ tanh(c_t)."),
  c: {
    name: "c, the LSTM's cell state",
    formula: () => math("block", sym("c", "t"), mo("="), sym("f", "t"), mo("⊙"), prev("c"), mo("+"), sym("i", "t"), mo("⊙"), sym("g", "t")),
    text: "A second state beside s_t, updated by ⊙ only (no matrix between c_{t−1} and c_t): the rail the error can travel back on. c₀ = 0 unless given.",
  },
  r: gate("r", "the reset gate (GRU)", "How much of the previous state enters the candidate: n_t = tanh(a^x_n + r_t ⊙ a^s_n)."),
  z: gate("z", "the update gate (GRU)", "How much of the previous state is kept as it is: s_t = (1 − z_t) ⊙ n_t + z_t ⊙ s_{t−1}. Backwards, the error on this direct path is multiplied by z_t."),
  n: gate("n", "the candidate (GRU)", "The new state the GRU moves towards, in (−1, 1).", "tanh"),
  // the surprising zeros
  zero_s0: {
    name: "Why this term is 0: s₀ = 0",
    formula: () => math("block", m("msubsup", {}, mi("C"), row(mi("t"), mo(","), mn(1)), sym("Ws")), mo("="),
      m("msubsup", {}, mi("s"), mn(0), mi("T")), m("msub", {}, mi("δ"), row(mi("t"), mo(","), mn(1))), mo("="), mn(0)),
    text: "The first step has no earlier state for Ws to act on: the initial state s₀ is all zeros, so its Ws term is zero however large the error δ_{t,1} is. The Wx term of the same step is not.",
  },
};

/** The keys of a space-separated data-def value that have a definition. */
export function defKeys(value) {
  return String(value || "").split(/\s+/).filter((key) => Object.hasOwn(DEFINITIONS, key));
}

const SUBSCRIPT = {
  0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", "+": "₊", "−": "₋", "-": "₋", ",": ",",
  a: "ₐ", e: "ₑ", h: "ₕ", i: "ᵢ", j: "ⱼ", k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", o: "ₒ", p: "ₚ", r: "ᵣ", s: "ₛ", t: "ₜ", u: "ᵤ", v: "ᵥ", x: "ₓ",
};
const SUPERSCRIPT = { s: "ˢ", x: "ˣ", T: "ᵀ" };

/** "E_t", "s_{k−1}", "a^x_n" → Eₜ, sₖ₋₁, aˣₙ: a definition's sentence as it reads in the lecture. */
export function readable(text) {
  const lower = (s, map) => ([...s].every((c) => c in map) ? [...s].map((c) => map[c]).join("") : null);
  return String(text)
    .replace(/\^([sxT])/g, (all, c) => SUPERSCRIPT[c])
    .replace(/_\{([^}]*)\}|_([A-Za-z0-9])/g, (all, group, one) => lower(group ?? one, SUBSCRIPT) ?? all);
}
