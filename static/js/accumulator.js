// Renderer of one accumulator: the running sum ∂E_t/∂W (W = Ws or Wx) as a heatmap, the term
// just added beside it, and one chip per term k (added / current / still to come / dropped).

import { fmt, logLevel, maxAbs } from "./colors.js";
import { Heatmap } from "./heatmap.js";
import { m, math, mi, mn, mo, partial, row, sym, withDef } from "./mathml.js";
import { setSymbolText } from "./symbols.js";
import { norm, termOrder } from "./terms.js";
import { setText } from "./text.js";

/** Loss steps beyond this show their terms as a scrubbable strip instead of labelled chips. */
const STRIP_AFTER = 24;

export class Accumulator {
  /** root: the element with id acc-Ws / acc-Wx; W: "Ws" or "Wx". */
  constructor(root, W, { onHover = () => {}, onScrub = () => {} } = {}) {
    this.root = root;
    this.W = W;
    this.head = root.querySelector(".acc-head");
    this.sum = new Heatmap(root.querySelector("svg.acc-sum"), { budget: 170, max: 48, label: `∂E/∂${W}` });
    this.term = new Heatmap(root.querySelector("svg.acc-term"), { budget: 90, max: 28, label: `C^${W}` });
    this.termLabel = root.querySelector(".acc-term-label");
    this.chips = root.querySelector(".acc-chips");
    this.total = root.querySelector(".acc-total");
    this.gates = root.querySelector(".acc-gates");
    this.chips.addEventListener("mouseover", (ev) => {
      const chip = ev.target.closest("[data-term]");
      onHover(chip ? chip.dataset.term : null);
    });
    this.chips.addEventListener("mouseleave", () => onHover(null));
    // a long sum's terms are a strip: press and drag along it to scrub through the terms
    const scrub = (ev) => {
      const chip = document.elementFromPoint(ev.clientX, ev.clientY)?.closest(".acc-chips [data-term]");
      if (chip && this.chips.contains(chip)) onScrub(Number(chip.dataset.term.split("_")[1]));
    };
    this.chips.addEventListener("pointerdown", (ev) => {
      if (!this.chips.classList.contains("strip")) return;
      this.chips.setPointerCapture(ev.pointerId);
      this.scrubbing = true;
      scrub(ev);
    });
    this.chips.addEventListener("pointermove", (ev) => { if (this.scrubbing) scrub(ev); });
    const end = () => { this.scrubbing = false; };
    this.chips.addEventListener("pointerup", end);
    this.chips.addEventListener("pointercancel", end);
  }

  /** Prepare for a view-model: colour domain, title, and the chips of loss step t. */
  setup(vm, { t, mode, K }) {
    const W = this.W;
    const all = mode === "all";
    const ts = all ? vm.lossSteps : t === null ? [] : [t];
    const totals = all ? [vm.grads[W]] : ts.map((lt) => vm.entry(lt)?.[`dE_d${W}`]).filter(Boolean);
    const termMats = vm.full ? ts.map((lt) => vm.keptKs(lt).map((k) => vm.term(lt, k)[W])) : [];
    // One domain for the whole animation, so colours compare across steps.
    this.domain = maxAbs([totals, termMats]);
    // large H: the sum takes the panel's width and the term being added goes below it
    const wide = vm.H > 16;
    this.root.classList.toggle("wide", wide);
    this.sum.budget = wide ? 250 : 170;
    this.term.budget = wide ? 250 : 90;
    // gated cells: the columns are gate blocks (i f g o / r z n), each H wide
    const gates = vm.gates ?? [];
    this.sum.setBlocks(Math.max(1, gates.length));
    this.term.setBlocks(Math.max(1, gates.length));
    // (an embedding without the gate labels, e.g. the notebook widget, still gets the rules)
    if (this.gates) this.gates.hidden = gates.length === 0;
    this.gates?.replaceChildren(...gates.map((g) => Object.assign(document.createElement("span"), { textContent: g, title: `columns of gate ${g}` })));
    this.head.replaceChildren(math("inline",
      all ? partial(mi("E"), sym(W)) : partial(sym("E", t), sym(W)), mo("="), m("munder", {}, mo("∑"), mi("k")),
      withDef(m("msubsup", {}, mi("C"), all ? row(mi("t"), mo(","), mi("k")) : row(mn(t), mo(","), mi("k")), sym(W)), "C")));
    // C^Ws_{t,1} = s₀ᵀ δ_{t,1} is 0 when s₀ is: said where that term is added
    this.zeroFirst = W === "Ws" && vm.s0.every((v) => v === 0);
    const strip = !all && t !== null && t > STRIP_AFTER;
    this.chips.classList.toggle("strip", strip);
    const chips = [];
    if (!all && t !== null) {
      const kept = new Set(vm.keptKs(t));
      const max = Math.max(1e-300, ...vm.keptKs(t).map((k) => vm.termNorm(t, k, W) ?? 0));
      for (const k of termOrder(t)) {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.dataset.term = `${W}_${k}`;
        const value = vm.termNorm(t, k, W);
        if (strip) {
          // one thin cell per term, its darkness the term's norm on a log scale
          chip.title = `k = ${k}: ‖C‖ = ${fmt(value, 3)}`;
          chip.style.setProperty("--level", logLevel(value, max).toFixed(3));
        } else {
          chip.textContent = `k=${k}`;
        }
        if (!kept.has(k) || (K > 0 && k <= t - K)) chip.dataset.dropped = "true";
        chips.push(chip);
      }
    }
    this.chips.replaceChildren(...chips);
    this.chipByK = new Map(chips.map((c) => [Number(c.dataset.term.split("_")[1]), c]));
    this.chips.setAttribute("aria-label", strip ? `terms k = ${t} … 1: press and drag to scrub` : "terms k");
    this.expected = totals[0] ?? null;
  }

  /** Show the running sum after an animation step; `added` is the term added at that step. */
  update(acc, { added, stepKey, currentK, doneKs, termNorm = null, total = null }) {
    const W = this.W;
    const values = acc[W];
    this.root.classList.toggle("norms-only", values === null);
    if (values === null) {
      // detail "norms": no matrices to add up, the norms say how much each term brings
      this.root.dataset.values = "[]";
      const zero = currentK === 1 && this.zeroFirst ? " (s₀ = 0)" : "";
      setSymbolText(this.total, termNorm !== null
        ? `term k = ${currentK}: ‖C‖ = ${fmt(termNorm, 3)}${zero}${total !== null ? `; the total ‖∂E/∂${W}‖ = ${fmt(total, 4)}` : ""}`
        : total !== null ? `the total ‖∂E/∂${W}‖ = ${fmt(total, 4)}` : "norms only");
      this.markChips(currentK, doneKs);
      this.lastKey = stepKey;
      return;
    }
    this.sum.draw(values, this.domain);
    if (this.gates && !this.gates.hidden) this.gates.style.width = `${this.sum.svg.getAttribute("width")}px`;
    // the numbers for tests and scripts; a large sum (over 1,024 entries) is left out
    this.root.dataset.values = values.length * values[0].length <= 1024 ? JSON.stringify(values) : "";
    setText(this.total, `‖running sum‖ = ${norm(values).toPrecision(4)}, largest |entry| ${fmt(maxAbs(values), 3)}`);
    const termBox = this.root.querySelector(".acc-add");
    if (added) {
      this.term.draw(added[W], this.domain);
      setText(this.termLabel, `+ term k = ${added.k}\n‖·‖ = ${norm(added[W]).toPrecision(3)}`);
      if (added.k === 1 && this.zeroFirst) {
        const why = withDef(document.createElement("span"), "zero_s0");
        why.className = "sym acc-zero";
        why.textContent = "0: s₀ = 0";
        this.termLabel.append("\n", why);
      }
      termBox.classList.remove("idle");
      if (this.lastKey !== stepKey) {
        // restart the CSS animation a frame later (reading the layout to restart it would force one)
        termBox.classList.remove("pulse");
        cancelAnimationFrame(this.pulseFrame);
        this.pulseFrame = requestAnimationFrame(() => termBox.classList.add("pulse"));
      }
    } else {
      this.term.draw(values.map((r) => r.map(() => 0)), this.domain);
      setText(this.termLabel, "+ next term\n ");
      termBox.classList.add("idle");
      termBox.classList.remove("pulse");
    }
    this.lastKey = stepKey;
    this.markChips(currentK, doneKs);
  }

  /** The current chip and the added ones; only the chips whose marks change are touched (a long sum has hundreds). */
  markChips(currentK, doneKs) {
    if (!this.chipByK) return;
    const marked = this.marked;
    const fresh = !marked || marked.chips !== this.chipByK;
    let touch = this.chipByK.keys();
    if (!fresh) {
      // the chips added or taken out since the last step, and the current one before and now
      touch = new Set([marked.current, currentK]);
      for (const k of doneKs) if (!marked.done.has(k)) touch.add(k);
      for (const k of marked.done) if (!doneKs.has(k)) touch.add(k);
    }
    for (const k of touch) {
      const chip = this.chipByK.get(k);
      if (!chip) continue;
      const on = k === currentK;
      if (on !== (chip.dataset.active === "true")) {
        if (on) chip.dataset.active = "true";
        else delete chip.dataset.active;
      }
      const added = doneKs.has(k);
      if (added !== chip.classList.contains("added")) chip.classList.toggle("added", added);
    }
    this.marked = { chips: this.chipByK, current: currentK, done: new Set(doneKs) };
  }

  /** Highlight the chips of hovered term ids. */
  setHover(ids) {
    const set = new Set(ids);
    for (const chip of this.chips.querySelectorAll(".chip")) chip.classList.toggle("hl", set.has(chip.dataset.term));
  }
}
