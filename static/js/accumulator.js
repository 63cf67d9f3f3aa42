// Renderer of one accumulator: the running sum ∂E_t/∂W (W = Ws or Wx) as a heatmap, the term
// just added beside it, and one chip per term k (added / current / still to come / dropped).

import { fmt, maxAbs } from "./colors.js";
import { Heatmap } from "./heatmap.js";
import { m, math, mi, mn, mo, partial, row, sym } from "./mathml.js";
import { norm, termOrder } from "./terms.js";

export class Accumulator {
  /** root: the element with id acc-Ws / acc-Wx; W: "Ws" or "Wx". */
  constructor(root, W, { onHover = () => {} } = {}) {
    this.root = root;
    this.W = W;
    this.head = root.querySelector(".acc-head");
    this.sum = new Heatmap(root.querySelector("svg.acc-sum"), { budget: 170, max: 48, label: `∂E/∂${W}` });
    this.term = new Heatmap(root.querySelector("svg.acc-term"), { budget: 90, max: 28, label: `C^${W}` });
    this.termLabel = root.querySelector(".acc-term-label");
    this.chips = root.querySelector(".acc-chips");
    this.total = root.querySelector(".acc-total");
    this.chips.addEventListener("mouseover", (ev) => {
      const chip = ev.target.closest("[data-term]");
      onHover(chip ? chip.dataset.term : null);
    });
    this.chips.addEventListener("mouseleave", () => onHover(null));
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
    this.head.replaceChildren(math("inline",
      all ? partial(mi("E"), sym(W)) : partial(sym("E", t), sym(W)), mo("="), m("munder", {}, mo("∑"), mi("k")),
      m("msubsup", {}, mi("C"), all ? row(mi("t"), mo(","), mi("k")) : row(mn(t), mo(","), mi("k")), sym(W))));
    this.chips.replaceChildren();
    if (!all && t !== null) {
      const kept = new Set(vm.keptKs(t));
      for (const k of termOrder(t)) {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.dataset.term = `${W}_${k}`;
        chip.textContent = `k=${k}`;
        if (!kept.has(k) || (K > 0 && k <= t - K)) chip.dataset.dropped = "true";
        this.chips.append(chip);
      }
    }
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
      this.total.textContent = termNorm !== null
        ? `term k = ${currentK}: ‖C‖ = ${fmt(termNorm, 3)}${total !== null ? `; the total ‖∂E/∂${W}‖ = ${fmt(total, 4)}` : ""}`
        : total !== null ? `the total ‖∂E/∂${W}‖ = ${fmt(total, 4)}` : "norms only";
      this.markChips(currentK, doneKs);
      this.lastKey = stepKey;
      return;
    }
    this.sum.draw(values, this.domain);
    this.root.dataset.values = JSON.stringify(values);
    this.total.textContent = `‖running sum‖ = ${norm(values).toPrecision(4)}`;
    const termBox = this.root.querySelector(".acc-add");
    if (added) {
      this.term.draw(added[W], this.domain);
      this.termLabel.textContent = `+ term k = ${added.k}\n‖·‖ = ${norm(added[W]).toPrecision(3)}`;
      termBox.classList.remove("idle");
      if (this.lastKey !== stepKey) {
        termBox.classList.remove("pulse");
        void termBox.getBoundingClientRect(); // restart the CSS animation
        termBox.classList.add("pulse");
      }
    } else {
      this.term.draw(values.map((r) => r.map(() => 0)), this.domain);
      this.termLabel.textContent = "+ next term\n ";
      termBox.classList.add("idle");
      termBox.classList.remove("pulse");
    }
    this.lastKey = stepKey;
    this.markChips(currentK, doneKs);
  }

  markChips(currentK, doneKs) {
    for (const chip of this.chips.querySelectorAll(".chip")) {
      const k = Number(chip.dataset.term.split("_")[1]);
      if (k === currentK) chip.dataset.active = "true";
      else delete chip.dataset.active;
      chip.classList.toggle("added", doneKs.has(k));
    }
  }

  /** Highlight the chips of hovered term ids. */
  setHover(ids) {
    const set = new Set(ids);
    for (const chip of this.chips.querySelectorAll(".chip")) chip.classList.toggle("hl", set.has(chip.dataset.term));
  }
}
