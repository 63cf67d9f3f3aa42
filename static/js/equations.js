// Renderer of the equations panel: the forward equations, ∂E_t/∂Wy, and the Ws and Wx sums
// term by term, as native MathML. Only draws; events are reported through callbacks.

import { fmt } from "./colors.js";
import { dmi, m, math, mi, mn, mo, partial, row, sym, withDef } from "./mathml.js";
import { gatedBackward, gatedForward, gatedTerm } from "./gatedeq.js";
import { EXPAND_MAX_T, norm, shownTerms, termFactors, termOrder } from "./terms.js";

const ACT_NAMES = { tanh: "tanh", sigmoid: "σ", relu: "ReLU", identity: "id" };

/** "s_3" → s_3 as MathML; "Ws" → W_s. */
function symOf(name) {
  const [base, index] = name.split("_");
  return sym(base, index === undefined ? undefined : /^\d+$/.test(index) ? Number(index) : index);
}

/** The chain-rule product of term k of ∂E_t/∂W. */
function termProduct(t, k, W) {
  return row(...termFactors(t, k, W).map(([a, b]) => partial(symOf(a), symOf(b))));
}

function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.append(...children);
  return e;
}

/** Which terms a sum writes out, as a key: the render is redone only when it changes. */
function windowKey(t, activeK) {
  return t === null ? "" : JSON.stringify(shownTerms(t, activeK));
}

/** The folded middle of a long sum: "⋯", with how many terms it stands for. */
function gapSpan([hi, lo], t, W) {
  const span = el("span", "term-gap", math("inline", mo("⋯")), el("span", "term-norm", ""));
  setGap(span, [hi, lo], t, W);
  return span;
}

/** A gap's text and hooks for the terms k = hi … lo (written only when they change). */
function setGap(span, [hi, lo], t, W) {
  const key = `${W}_${hi}_${lo}`;
  if (span.dataset.gap === key) return;
  const n = hi - lo + 1;
  span.dataset.gap = key;
  span.lastChild.textContent = `k = ${hi}…${lo}: ${n} term${n > 1 ? "s" : ""}`;
  span.title = `${n} terms C${t},k for k = ${hi} down to ${lo}; step to one of them to write it out`;
}

/**
 * `nodes` become the children of `parent`, in order; those already there stay where they are
 * (moving or re-inserting an element would style and lay it out again).
 */
function keepInPlace(parent, nodes) {
  const want = new Set(nodes);
  for (const child of [...parent.children]) if (!want.has(child)) child.remove();
  let cursor = parent.firstElementChild;
  for (const node of nodes) {
    if (node === cursor) cursor = cursor.nextElementSibling;
    else parent.insertBefore(node, cursor);
  }
}

/** C^W_{t,k}, marked with its definition. */
function termC(t, k, W) {
  const idx = row(mn(t), mo(","), typeof k === "number" ? mn(k) : mi(k));
  return withDef(m("msubsup", {}, mi("C"), idx, sym(W)), "C");
}

/** True when term k of W is 0 because the state before it is: C^Ws_{t,1} = s₀ᵀ δ_{t,1} with s₀ = 0. */
function zeroOf(vm, W, k) {
  return W === "Ws" && k === 1 && Array.isArray(vm.s0) && vm.s0.every((v) => v === 0);
}

/** What every term of the sum is, in the lecture's δ: C^Ws_{t,k} = s_{k−1}ᵀ δ_{t,k} (x_kᵀ δ_{t,k} for Wx). */
function termDefinition(t, W, zero) {
  const delta = () => withDef(m("msub", {}, mi("δ"), row(mn(t), mo(","), mi("k"))), "delta");
  const operand = W === "Ws" ? m("msubsup", {}, mi("s"), row(mi("k"), mo("−"), mn(1)), mi("⊤")) : m("msubsup", {}, mi("x"), mi("k"), mi("⊤"));
  const line = el("div", "eq-line eq-termdef",
    el("span", "help", "each term: "),
    math("inline", termC(t, "k", W), mo("="), operand, delta(), mo(","), delta(), mo("="),
      partial(sym("E", t), sym("z", "k"))));
  if (zero) {
    line.append(el("span", "help", " · "), withDef(el("span", "term-zero", "s₀ = 0, so the k = 1 term is 0"), "zero_s0"));
  }
  return line;
}

export class EquationsPanel {
  /** root: the element that holds the equations. */
  constructor(root, { onHover = () => {}, onClick = () => {} } = {}) {
    this.root = root;
    this.root.addEventListener("mouseover", (ev) => {
      const term = ev.target.closest("[data-term]");
      onHover(term ? term.dataset.term : null);
    });
    this.root.addEventListener("mouseleave", () => onHover(null));
    this.root.addEventListener("focusin", (ev) => {
      const term = ev.target.closest("[data-term]");
      onHover(term ? term.dataset.term : null);
    });
    this.root.addEventListener("click", (ev) => {
      const term = ev.target.closest("[data-term]");
      if (term) onClick(term.dataset.term, term);
    });
    this.root.addEventListener("keydown", (ev) => {
      const term = ev.target.closest("[data-term]");
      if (term && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        ev.stopPropagation();
        onClick(term.dataset.term, term);
      }
    });
  }

  /** Draw every equation for loss step t of a /api/bptt response. */
  render(vm, { t, act, K, activeK = null }) {
    this.shown = { vm, t, act, K, window: windowKey(t, activeK) };
    this.terms = {}; // W → the long sum's written-out terms, kept across steps (follow)
    const gated = vm.cell && vm.cell !== "rnn";
    const blocks = [gated ? this.gatedForwardBlock(vm) : this.forwardBlock(vm, act)];
    if (t !== null) {
      blocks.push(this.wyBlock(vm, t));
      if (gated) blocks.push(this.gatedBackwardBlock(vm, t));
      blocks.push(this.sumBlock(vm, t, "Ws", K, activeK));
      blocks.push(this.sumBlock(vm, t, "Wx", K, activeK));
    }
    this.root.replaceChildren(...blocks);
  }

  /**
   * The active term moved: the two sums' written-out terms follow it in place. A term still in
   * the window keeps its element (no new MathML to style and lay out), the one entering is
   * built, the one leaving is removed, and the "⋯" gaps get their new counts.
   */
  follow(activeK) {
    const sh = this.shown;
    if (!sh || sh.t === null || windowKey(sh.t, activeK) === sh.window) return;
    sh.window = windowKey(sh.t, activeK);
    for (const W of ["Ws", "Wx"]) {
      const terms = this.terms?.[W];
      if (terms) this.placeTerms(terms, shownTerms(sh.t, activeK));
    }
  }

  /**
   * The terms of a long sum, in the lecture's order, into `terms.box` (display: contents, so
   * they wrap with the rest of the line): each element kept where it already is.
   */
  placeTerms(terms, items) {
    const nodes = [];
    let gapIndex = 0;
    items.forEach((item, i) => {
      const key = typeof item === "object" ? `gap${gapIndex}` : item;
      if (i > 0) {
        if (!terms.plus.has(key)) terms.plus.set(key, math("inline", mo("+")));
        nodes.push(terms.plus.get(key));
      }
      if (typeof item === "object") {
        gapIndex += 1;
        if (!terms.gaps.has(key)) terms.gaps.set(key, gapSpan(item.gap, terms.t, terms.W));
        const gap = terms.gaps.get(key);
        setGap(gap, item.gap, terms.t, terms.W);
        nodes.push(gap);
        return;
      }
      if (!terms.byK.has(item)) terms.byK.set(item, terms.make(item));
      nodes.push(terms.byK.get(item));
    });
    keepInPlace(terms.box, nodes);
  }

  forwardBlock(vm, act) {
    const phi = mi(ACT_NAMES[act] ?? "Φ");
    const s = math(
      "inline",
      sym("s", "t"), mo("="), dmi("Φ", "phi"), mo("("), sym("x", "t"), sym("Wx"), mo("+"),
      sym("s", "t-1"), sym("Ws"), mo(")"),
    );
    const softmax = vm.output === "softmax";
    const y = softmax
      ? math("inline", sym("y", "t"), mo("="), mi("softmax"), mo("("), sym("s", "t"), sym("Wy"), mo(")"))
      : math("inline", sym("y", "t"), mo("="), sym("s", "t"), sym("Wy"));
    const E = vm.lossKind === "cross_entropy"
      ? math("inline", sym("E", "t"), mo("="), mo("−"), m("munder", {}, mo("∑"), mi("j")),
        m("msub", {}, mi("d"), row(mi("t"), mo(","), mi("j"))), mi("log"),
        m("msub", {}, mi("y"), row(mi("t"), mo(","), mi("j"))))
      : math(
        "inline",
        sym("E", "t"), mo("="), m("msup", {}, row(mo("("), sym("d", "t"), mo("−"), sym("y", "t"), mo(")")), mn(2)),
      );
    E.dataset.loss = vm.lossKind;
    const note = math("inline", dmi("Φ", "phi"), mo("="), phi);
    const head = vm.lossKind === "cross_entropy" ? "Forward pass, softmax and cross-entropy, " : "Forward pass, ";
    return el("div", "eq-block eq-forward", el("h3", "", head, note),
      el("div", "eq-line", s, el("span", "eq-sep", ""), y, el("span", "eq-sep", ""), E));
  }

  gatedForwardBlock(vm) {
    const name = vm.cell === "lstm" ? "LSTM" : "GRU";
    const y = vm.output === "softmax"
      ? math("inline", sym("y", "t"), mo("="), mi("softmax"), mo("("), sym("s", "t"), sym("Wy"), mo(")"))
      : math("inline", sym("y", "t"), mo("="), sym("s", "t"), sym("Wy"));
    const lines = gatedForward(vm.cell, { c0: vm.c0 }).map((eq) => el("div", "eq-line", eq));
    lines.push(el("div", "eq-line", y));
    const block = el("div", "eq-block eq-forward eq-gated", el("h3", "", `Forward pass, ${name} cell`), el("div", "", ...lines));
    block.dataset.cell = vm.cell;
    return block;
  }

  gatedBackwardBlock(vm, t) {
    const head = vm.cell === "lstm" ? "Back along two rails: κ on the cell state, σ on the state" : "Back along the update gate's direct path";
    return el("div", "eq-block eq-gated-back", el("h3", "", head),
      el("div", "", ...gatedBackward(vm.cell, t).map((eq) => el("div", "eq-line", eq))));
  }

  wyBlock(vm, t) {
    const entry = vm.entry(t);
    const value = entry ? norm(entry.dE_dWy) : null;
    const lhs = math("inline", partial(sym("E", t), sym("Wy")), mo("="));
    const rhs = math("inline", partial(sym("E", t), sym("y", t)), partial(sym("y", t), sym("Wy")));
    const term = this.termSpan("Wy", rhs, value, `‖∂E${t}/∂Wy‖`);
    return el("div", "eq-block", el("h3", "", "Output W", el("sub", "", "y"), ": one step, no sum"),
      el("div", "eq-line", lhs, term));
  }

  sumBlock(vm, t, W, K, activeK = null) {
    const line = el("div", "eq-line eq-sum");
    line.append(math("inline", partial(sym("E", t), sym(W)), mo("=")));
    const dropped = new Set(K > 0 ? Array.from({ length: Math.max(0, t - K) }, (_, i) => i + 1) : []);
    const values = (k) => vm.termNorm(t, k, W);
    const termOf = (k, mathEl) => this.termSpan(`${W}_${k}`, mathEl, values(k), `k = ${k}`, dropped.has(k), zeroOf(vm, W, k));
    if (vm.cell && vm.cell !== "rnn") {
      // gated cells: every term is an outer product of the step's input and δ (cells.md)
      line.append(math("inline", m("munderover", {}, mo("∑"), row(mi("k"), mo("="), mn(1)), mn(t)),
        termC(t, "k", W), mo(","), termC(t, "k", W), mo("="), gatedTerm(vm.cell, t, "k", W), mo("=")));
      line.append(this.longTerms(t, W, activeK, (k) => termOf(k, math("inline", gatedTerm(vm.cell, t, k, W)))));
    } else if (t <= EXPAND_MAX_T) {
      termOrder(t).forEach((k, i) => {
        if (i > 0) line.append(math("inline", mo("+")));
        line.append(termOf(k, math("inline", termProduct(t, k, W))));
      });
    } else {
      const general = math(
        "inline",
        m("munderover", {}, mo("∑"), row(mi("k"), mo("="), mn(1)), mn(t)),
        partial(sym("E", t), sym("y", t)), partial(sym("y", t), sym("s", t)),
        partial(sym("s", t), sym("s", "k")), partial(sym("s", "k"), sym(W)),
      );
      line.append(general, math("inline", mo("=")));
      line.append(this.longTerms(t, W, activeK, (k) => termOf(k, math("inline", termC(t, k, W)))));
    }
    const title = W === "Ws"
      ? el("h3", "", "State W", el("sub", "", "s"), ": a term per earlier step")
      : el("h3", "", "Input W", el("sub", "", "x"), ": the same path");
    const block = el("div", "eq-block", title, line);
    if (!vm.cell || vm.cell === "rnn") block.append(termDefinition(t, W, zeroOf(vm, W, 1)));
    block.dataset.sum = W;
    return block;
  }

  /** The written-out terms of a sum around activeK, in a box that follow() updates in place. */
  longTerms(t, W, activeK, make) {
    const terms = { t, W, make, box: el("span", "eq-terms"), byK: new Map(), gaps: new Map(), plus: new Map() };
    this.terms[W] = terms;
    this.placeTerms(terms, shownTerms(t, activeK));
    return terms.box;
  }

  /** A hoverable, focusable, clickable term with its norm underneath (and why it is 0, when it is). */
  termSpan(id, mathEl, value, label, dropped = false, zero = false) {
    const why = zero && !dropped ? withDef(el("span", "term-zero", " (s₀ = 0)"), "zero_s0") : "";
    const span = el("span", "term", mathEl,
      el("span", "term-norm", dropped ? `${label}: dropped` : `${label}: ‖·‖ = ${fmt(value)}`, why));
    span.dataset.term = id;
    span.tabIndex = 0;
    span.setAttribute("role", "button");
    span.setAttribute("aria-label", `term ${id.replace("_", " k=")}, norm ${dropped ? "dropped" : fmt(value)}; press Enter for the matrix`);
    if (dropped) span.dataset.dropped = "true";
    return span;
  }

  /** Mark the animated terms (ids like "Ws_2") and the hovered ones. */
  setFocus(activeIds, hoverIds = []) {
    const active = new Set(activeIds);
    const hover = new Set(hoverIds);
    for (const span of this.root.querySelectorAll("[data-term]")) {
      const id = span.dataset.term;
      if (active.has(id)) span.dataset.active = "true";
      else delete span.dataset.active;
      span.classList.toggle("hl", hover.has(id));
    }
  }
}
