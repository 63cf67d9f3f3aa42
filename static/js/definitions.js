// Definitions of the lecture's symbols, shown on hover or focus of any element with
// data-def="…" (the lesson's sentences, the lab's diagnostics): a line of MathML and a sentence.

import { m, math, mi, mn, mo, partial, row, sym } from "./mathml.js";

const sub2 = (base, a, b) => m("msub", {}, mi(base), row(mi(a), mo(","), mi(b)));
const norm2 = (x) => m("msub", {}, row(mo("‖"), x, mo("‖")), mn(2));

/** symbol → {name, formula() (a MathML element), text}. */
export const DEFINITIONS = {
  delta: {
    name: "δ, the error at the pre-activation",
    formula: () => math("block", sub2("δ", "t", "k"), mo("="), partial(sym("E", "t"), sym("z", "k")), mo("="),
      sub2("σ", "t", "k"), mo("⊙"), mi("Φ"), mo("′"), mo("("), sym("z", "k"), mo(")")),
    text: "How much E_t changes when the pre-activation z_k of step k moves: the error that reached s_k, passed back through Φ.",
  },
  sigma: {
    name: "σ, the error at the state",
    formula: () => math("block", sub2("σ", "t", "k"), mo("="), partial(sym("E", "t"), sym("s", "k")), mo("="),
      m("msub", {}, mi("δ"), row(mi("t"), mo(","), mi("k"), mo("+"), mn(1))), m("msubsup", {}, mi("W"), mi("s"), mi("T"))),
    text: "The error of loss step t as it arrives at the state s_k, one Ws arrow further back at each step.",
  },
  epsilon: {
    name: "ε, the error at the output",
    formula: () => math("block", sym("ε", "t"), mo("="), partial(sym("E", "t"), sym("o", "t")), mo("="),
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
    name: "κ, the condition number",
    formula: () => math("block", mi("κ"), mo("("), sym("Ws"), mo(")"), mo("="), m("mfrac", {}, m("msub", {}, mi("σ"), mi("max")), m("msub", {}, mi("σ"), mi("min")))),
    text: "The largest over the smallest singular value: how unevenly a matrix stretches directions.",
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
  Ws: {
    name: "Ws, the recurrent weights",
    formula: () => math("block", sym("s", "t"), mo("="), mi("Φ"), mo("("), sym("x", "t"), sym("Wx"), mo("+"), sym("s", "t-1"), sym("Ws"), mo(")")),
    text: "The matrix that carries the state from one step to the next, the same at every step.",
  },
};

/** Shows the definition of the hovered or focused [data-def] element in one shared box. */
export class Definitions {
  constructor(box) {
    this.box = box;
    const show = (ev) => {
      const el = ev.target.closest && ev.target.closest("[data-def]");
      if (el) this.show(el);
    };
    const hide = (ev) => {
      const el = ev.target.closest && ev.target.closest("[data-def]");
      if (el && !(ev.relatedTarget && el.contains(ev.relatedTarget))) this.hide();
    };
    document.addEventListener("mouseover", show);
    document.addEventListener("focusin", show);
    document.addEventListener("mouseout", hide);
    document.addEventListener("focusout", hide);
  }

  show(el) {
    const def = DEFINITIONS[el.dataset.def];
    if (!def) return;
    const title = document.createElement("strong");
    title.textContent = def.name;
    const text = document.createElement("p");
    text.textContent = def.text;
    this.box.replaceChildren(title, def.formula(), text);
    this.box.dataset.def = el.dataset.def;
    const r = el.getBoundingClientRect();
    this.box.hidden = false;
    const w = this.box.offsetWidth;
    this.box.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, r.left))}px`;
    const h = this.box.offsetHeight;
    this.box.style.top = `${r.top - h - 8 > 8 ? r.top - h - 8 : r.bottom + 8}px`;
    el.setAttribute("aria-describedby", this.box.id);
  }

  hide() {
    this.box.hidden = true;
  }
}
