// The gated cells' equations as MathML (cells.md): the LSTM's and the GRU's forward pass, the
// backward recursion of σ (and the LSTM's κ), and the term C^W_{t,k} every cell shares.
// Pure builders: they return elements, the equations panel places them.

import { fmt } from "./colors.js";
import { m, math, mi, mn, mo, row, sym, withDef } from "./mathml.js";

const sigma = () => withDef(mi("σ"), "logistic"); // a fresh element per use: a DOM node sits in one place only
/** A gate or the cell state, e.g. f_t, marked with its definition. */
const gs = (name, index) => withDef(sym(name, index), name);
const tanh = () => mi("tanh");
const odot = () => mo("⊙");
const T = (x) => m("msup", {}, x, mi("⊤"));
const block = (base, gate, index) => m("msubsup", {}, mi(base), typeof index === "number" ? mn(index) : mi(index), mi(gate));
const call = (f, ...arg) => row(f, mo("("), ...arg, mo(")"));

const C0_SHOWN = 6; // c_0's first values written out; the rest on the graph's c_0 node

/** The LSTM's initial cell state as written: "c₀ = 0" for zeros, else its values. */
export function c0Line(c0) {
  const values = c0 ?? [];
  const zeros = values.every((v) => v === 0);
  const shown = values.slice(0, C0_SHOWN).map((v) => mn(fmt(v, 3)));
  const list = shown.flatMap((v, i) => (i ? [mo(","), v] : [v]));
  if (values.length > C0_SHOWN) list.push(mo(","), mo("…"));
  const rhs = zeros ? [mn(0), mtext(values.length ? ` (zeros, ${values.length} units)` : " (zeros)")] : [row(mo("("), ...list, mo(")"))];
  const line = math("inline", gs("c", 0), mo("="), ...rhs);
  line.dataset.c0 = JSON.stringify(values);
  return line;
}

/** The forward equations of a gated cell, one <math> per line (the LSTM's c_0 below them). */
export function gatedForward(cell, { c0 = null } = {}) {
  if (cell === "lstm") {
    return [
      math("inline", sym("a", "t"), mo("="), sym("x", "t"), sym("Wx"), mo("+"), sym("s", "t-1"), sym("Ws"),
        mo(","), mtext(" blocks i, f, g, o")),
      math("inline", gs("i", "t"), mo("="), call(sigma(), block("a", "i", "t")), mo(","),
        gs("f", "t"), mo("="), call(sigma(), block("a", "f", "t")), mo(","),
        gs("g", "t"), mo("="), call(tanh(), block("a", "g", "t")), mo(","),
        gs("o", "t"), mo("="), call(sigma(), block("a", "o", "t"))),
      math("inline", gs("c", "t"), mo("="), gs("f", "t"), odot(), gs("c", "t-1"), mo("+"), gs("i", "t"), odot(), gs("g", "t"),
        mo(","), sym("s", "t"), mo("="), gs("o", "t"), odot(), call(tanh(), gs("c", "t"))),
      c0Line(c0),
    ];
  }
  return [
    math("inline", m("msubsup", {}, mi("a"), mi("t"), mi("x")), mo("="), sym("x", "t"), sym("Wx"), mo(","),
      m("msubsup", {}, mi("a"), mi("t"), mi("s")), mo("="), sym("s", "t-1"), sym("Ws"), mo(","), mtext(" blocks r, z, n")),
    math("inline", gs("r", "t"), mo("="), call(sigma(), block("a", "xr", "t"), mo("+"), block("a", "sr", "t")), mo(","),
      gs("z", "t"), mo("="), call(sigma(), m("msubsup", {}, mi("a"), mi("t"), mi("xz")), mo("+"), m("msubsup", {}, mi("a"), mi("t"), mi("sz"))), mo(","),
      gs("n", "t"), mo("="), call(tanh(), m("msubsup", {}, mi("a"), mi("t"), mi("xn")), mo("+"), gs("r", "t"), odot(), m("msubsup", {}, mi("a"), mi("t"), mi("sn")))),
    math("inline", sym("s", "t"), mo("="), row(mo("("), mn(1), mo("−"), gs("z", "t"), mo(")")), odot(), gs("n", "t"), mo("+"),
      gs("z", "t"), odot(), sym("s", "t-1")),
  ];
}

function mtext(text) {
  return m("mtext", {}, text);
}

/** The backward recursion for loss step t: σ (and κ) from k to k − 1, and the term's δ. */
export function gatedBackward(cell, t) {
  const sig = (k) => withDef(m("msub", {}, mi("σ"), row(mn(t), mo(","), typeof k === "number" ? mn(k) : indexOf(k))), "sigma");
  const kap = (k) => withDef(m("msub", {}, mi("κ"), row(mn(t), mo(","), typeof k === "number" ? mn(k) : indexOf(k))), "kappa");
  const lines = [];
  if (cell === "lstm") {
    lines.push(math("inline", kap("k-1"), mo("="), kap("k"), odot(), gs("f", "k"), mo("+"),
      mtext(" (the paths through "), sym("s", "k-1"), mtext(" and the gates)")));
    lines.push(math("inline", kap("k"), mo("="), m("mfrac", {}, row(mo("∂"), sym("E", t)), row(mo("∂"), gs("c", "k"))), mo(","),
      sig("k"), mo("="), m("mfrac", {}, row(mo("∂"), sym("E", t)), row(mo("∂"), sym("s", "k"))), mo(","),
      withDef(m("msub", {}, mi("δ"), row(mn(t), mo(","), mi("k"))), "delta"), mo("="), m("mfrac", {}, row(mo("∂"), sym("E", t)), row(mo("∂"), sym("a", "k")))));
  } else {
    lines.push(math("inline", sig("k-1"), mo("="), sig("k"), odot(), gs("z", "k"), mo("+"),
      mtext(" (the paths through "), gs("n", "k"), mtext(", "), gs("r", "k"), mtext(" and "), gs("z", "k"), mtext(")")));
    lines.push(math("inline", withDef(m("msubsup", {}, mi("δ"), row(mn(t), mo(","), mi("k")), mi("s")), "delta"), mo("="),
      m("mfrac", {}, row(mo("∂"), sym("E", t)), row(mo("∂"), m("msubsup", {}, mi("a"), mi("k"), mi("s")))), mo(","),
      withDef(m("msubsup", {}, mi("δ"), row(mn(t), mo(","), mi("k")), mi("x")), "delta"), mo("="),
      m("mfrac", {}, row(mo("∂"), sym("E", t)), row(mo("∂"), m("msubsup", {}, mi("a"), mi("k"), mi("x"))))));
  }
  return lines;
}

function indexOf(text) {
  return text === "k-1" ? row(mi("k"), mo("−"), mn(1)) : mi(text);
}

/** The term C^W_{t,k} as an outer product: s_{k−1}ᵀ δ^s_{t,k} (Ws) or x_kᵀ δ^x_{t,k} (Wx). */
export function gatedTerm(cell, t, k, W) {
  const operand = W === "Ws" ? sym("s", typeof k === "number" ? k - 1 : "k-1") : sym("x", k);
  const idx = row(mn(t), mo(","), typeof k === "number" ? mn(k) : mi(k));
  const delta = withDef(cell === "gru" ? m("msubsup", {}, mi("δ"), idx, mi(W === "Ws" ? "s" : "x")) : m("msub", {}, mi("δ"), idx), "delta");
  return row(T(operand), delta);
}
