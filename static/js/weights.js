// Renderer of the weights panel: Wx, Ws, Wy as heatmaps (hover: the value) on one shared
// diverging scale, so their sizes compare at a glance.

import { fmt, maxAbs } from "./colors.js";
import { Heatmap } from "./heatmap.js";

const NAMES = ["Wx", "Ws", "Wy"];

export class WeightsPanel {
  /** root: the element holding svg#w-Wx, svg#w-Ws, svg#w-Wy and #w-scale. */
  constructor(root) {
    this.root = root;
    this.maps = Object.fromEntries(
      NAMES.map((n) => [n, new Heatmap(root.querySelector(`#w-${n}`), { budget: 170, max: 34, label: n })]),
    );
  }

  /** Draw the weights of a /api/bptt answer; `gates` names the column blocks of Wx and Ws (gated cells). */
  render(weights, gates = []) {
    const domain = maxAbs(NAMES.map((n) => weights[n]));
    for (const n of NAMES) {
      if (n !== "Wy") this.maps[n].setBlocks(Math.max(1, gates.length));
      this.maps[n].draw(weights[n], domain);
      const m = weights[n];
      this.root.querySelector(`#w-${n}`).dataset.shape = `${m.length}x${m[0].length}`;
    }
    const blocks = gates.length ? `; Wx and Ws: gate blocks ${gates.join(" | ")} (H columns each)` : "";
    for (const n of ["Wx", "Ws"]) {
      const cap = this.root.querySelector(`#w-${n}-shape`);
      if (cap) cap.textContent = gates.length ? `(${n === "Wx" ? "n_in" : "H"}×${gates.length}H: ${gates.join(" ")})` : n === "Wx" ? "(n_in×H)" : "(H×H)";
    }
    this.root.querySelector("#w-scale").textContent = `colour scale ±${fmt(domain, 3)}${blocks}`;
  }
}
