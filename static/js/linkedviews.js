// Linked views: a click on a cell (t, k) of the gradient-flow map, or on a point of the decay
// plot, moves the animation to the step that adds term C_{t,k} (and shows loss step t).

import { timelineIndex } from "./lessonsteps.js";

const $ = (sel) => document.querySelector(sel);

/**
 * The page state that shows term (t, k) of an answer with T steps and loss steps `lossSteps`:
 * loss step t (every loss step when t is not one of them), one loss step animated, at term k.
 */
export function termPatch(T, lossSteps, t, k) {
  const patch = { mode: "one", t: t === T ? 0 : t, step: timelineIndex(T, t, k) };
  if (!lossSteps.includes(t)) patch.loss = "all";
  return patch;
}

export class LinkedViews {
  /** store: the page's store; setState(patch): the controller's. */
  constructor(store, setState) {
    this.store = store;
    this.setState = setState;
    // plotly keeps its handlers on the div; attached again after each draw (a first draw creates them)
    window.addEventListener("lab:drawn", () => this.attach());
    // the timeline as a slider: dragging it scrubs the animation step by step
    this.scrub = $("#ctl-scrub");
    this.scrub.addEventListener("input", () => this.setStep(Number(this.scrub.value)));
    window.addEventListener("bptt:rendered", () => this.syncScrub());
    store.subscribe((next, prev) => {
      if (next.state.step !== prev.state.step) this.syncScrub();
    });
  }

  setStep(i) {
    if (i !== this.store.get().state.step) this.setState({ step: i }, { push: false });
  }

  /** The slider ← the timeline's length and the step shown (each written only when it changes: a step restyles nothing else). */
  syncScrub() {
    const n = Number($("#unfolded").dataset.steps || 1);
    const max = String(Math.max(0, n - 1));
    if (this.scrub.max !== max) this.scrub.max = max;
    if (this.scrub.disabled !== n < 2) this.scrub.disabled = n < 2;
    const value = String(Math.min(n - 1, this.store.get().state.step));
    if (document.activeElement !== this.scrub && this.scrub.value !== value) this.scrub.value = value;
  }

  attach() {
    const map = $("#flow-map");
    const decay = $("#flow-decay");
    if (map && map.on) {
      map.removeAllListeners("plotly_click");
      map.on("plotly_click", (ev) => {
        const p = ev.points && ev.points[0];
        if (p && p.z !== null && p.z !== undefined) this.jump(Number(p.y), Number(p.x));
      });
    }
    if (decay && decay.on) {
      decay.removeAllListeners("plotly_click");
      decay.on("plotly_click", (ev) => {
        const p = ev.points && ev.points[0];
        const vm = this.vm();
        if (p && vm) this.jump(vm.T, vm.T - Number(p.x));
      });
    }
  }

  vm() {
    const { answer } = this.store.get();
    return answer ? answer.vm : null;
  }

  /** Show term (t, k): k ≤ t, both within the answer; the truncated terms cannot be shown. */
  jump(t, k) {
    const vm = this.vm();
    if (!vm || !(t >= 1 && t <= vm.T && k >= 1 && k <= t)) return;
    const K = this.store.get().state.K;
    if (K > 0 && k < t - K + 1) return; // dropped by truncation: no step adds it
    this.setState(termPatch(vm.T, vm.lossSteps, t, k));
    $("#unfolded").scrollIntoView({ behavior: "smooth", block: "nearest" });
  }
}
