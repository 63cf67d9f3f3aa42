// Renderer of a gated step's gates inside the unfolded graph: beside s_t, one row of small
// coloured cells per gate (i f g o for the LSTM, r z n for the GRU), the value of each unit on
// hover. The steps shown come from the page state: `gx` (a step expanded by a click or Enter on
// its state) and, with `gates` on, the step the animation is at. Only draws.

import { divergingColor, fmt } from "./colors.js";
import { showMatrix } from "./popover.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_UNITS = 32; // more units than this: each gate shows its mean, min and max instead
const PANEL_W = 112; // the widest a panel gets (px in the graph's frame)
const ROW_H = 13;
const NAME_W = 13;

const WHAT = {
  i: "input gate σ(aⁱ): how much of g enters the cell",
  f: "forget gate σ(aᶠ): how much of c_{t−1} is kept",
  g: "candidate tanh(aᵍ): what may be written into the cell",
  o: "output gate σ(aᵒ): how much of tanh(c_t) reaches s_t",
  r: "reset gate σ(aˣʳ + aˢʳ): how much of s_{t−1} feeds n_t",
  z: "update gate σ(aˣᶻ + aˢᶻ): how much of s_{t−1} is kept",
  n: "candidate tanh(aˣⁿ + r ⊙ aˢⁿ): the new content",
};

function s(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/**
 * Geometry of one step's panel, right of s_t: under the Ws arrow and its label (LSTM), or above
 * the Ws arrow past s_t's label (GRU: below it runs the update gate's arc z ⊙ s). At most the
 * room left before the next column (and PANEL_W); cells as wide as fit, 3 to 14 px.
 */
export function panelGeometry({ cx, sy, sw, colW, units, rows, above = false }) {
  const x = cx + sw / 2 + (above ? 16 : 5);
  const room = Math.max(40, Math.min(PANEL_W, colW - sw / 2 - (above ? 40 : 14)));
  const many = units > MAX_UNITS;
  const cell = many ? 0 : Math.max(3, Math.min(14, Math.floor((room - NAME_W - 6) / units)));
  const w = many ? room : NAME_W + 6 + cell * units;
  const h = 6 + rows * ROW_H + 2;
  return { x, y: above ? sy - 4 - h : sy + 21, w, h, cell, many };
}

export class GatesView {
  /**
   * svg: svg#unfolded; graph: its UnfoldedGraph (for the layout); store: the page's store;
   * button: the "Gates" toggle; setState: the controller's intent.
   */
  constructor(svg, graph, store, { button, setState }) {
    this.svg = svg;
    this.graph = graph;
    this.store = store;
    this.button = button;
    this.column = null; // the column the animation is at (main.js tells)
    button.addEventListener("click", () => setState({ gates: store.get().state.gates ? 0 : 1 }, { push: false }));
    // a click on a panel: its values as a table (rows = gates, columns = units)
    svg.addEventListener("click", (ev) => {
      const panel = ev.target.closest(".gates-view");
      if (!panel) return;
      ev.stopPropagation();
      const t = Number(panel.dataset.gatesStep);
      const gates = this.store.get().answer.vm.steps[t - 1].gates;
      const names = Object.keys(gates);
      showMatrix(panel, `gates of step ${t}: rows ${names.join(", ")}`, names.map((n) => gates[n]));
    });
    store.subscribe((next, prev) => {
      const a = next.state;
      const b = prev.state;
      if (a.gates !== b.gates || a.gx !== b.gx || a.cell !== b.cell) this.draw();
    });
  }

  /** The animation is at column t: with "show gates" on, its gates are drawn. */
  follow(t) {
    if (t === this.column) return;
    this.column = t;
    if (this.store.get().state.gates) this.draw();
  }

  /** The steps expanded now (1..T, drawn in full). */
  steps(vm, layout) {
    const { state } = this.store.get();
    const out = new Set();
    if (state.gx >= 1 && state.gx <= vm.T) out.add(state.gx);
    if (state.gates && this.column >= 1 && this.column <= vm.T) out.add(this.column);
    return [...out].filter((t) => !layout.collapsed(t)).sort((p, q) => p - q);
  }

  /** Draw (or clear) the panels of the expanded steps for the view-model the graph shows. */
  draw() {
    const { answer, state } = this.store.get();
    const vm = answer && answer.vm;
    this.button.hidden = state.cell === "rnn";
    this.button.setAttribute("aria-pressed", String(state.gates === 1));
    const layout = this.graph.layout;
    let layer = this.svg.querySelector(".unfolded-view > .gates-layer");
    if (!vm || !layout || vm.cell === "rnn" || !this.svg.querySelector(".unfolded-view")) {
      if (layer) layer.replaceChildren();
      this.svg.dataset.gates = "";
      return;
    }
    if (!layer) {
      layer = s("g", { class: "gates-layer" });
      this.svg.querySelector(".unfolded-view").append(layer); // above the columns, hidden when folded
    }
    const steps = this.steps(vm, layout);
    layer.replaceChildren(...steps.map((t) => this.panel(vm, layout, t)));
    this.svg.dataset.gates = steps.join(" ");
  }

  panel(vm, layout, t) {
    const gates = vm.steps[t - 1].gates;
    const names = Object.keys(gates);
    const grid = layout.grids.s;
    const H = gates[names[0]].length;
    const geo = panelGeometry({ cx: layout.colX(t), sy: layout.rows.s, sw: grid.w, colW: layout.colW, units: H, rows: names.length, above: vm.cell === "gru" });
    const g = s("g", { class: "gates-view", "data-gates-step": t },
      s("rect", { class: "gates-bg", x: geo.x, y: geo.y, width: geo.w, height: geo.h, rx: 4 }),
      s("title", {}, `step ${t}: the gates ${names.join(", ")} (${H} units each); click a row for its values`));
    names.forEach((name, row) => {
      const y = geo.y + 4 + row * ROW_H;
      const values = gates[name];
      const rowG = s("g", { class: "gate-row", "data-gate": name },
        s("text", { class: "gate-name", x: geo.x + 4, y: y + ROW_H - 2 }, name),
        s("title", {}, `${name}${sub(t)}: ${WHAT[name] ?? ""}`));
      if (geo.many) {
        const mean = values.reduce((a, v) => a + v, 0) / values.length;
        rowG.append(s("text", { class: "gate-stats", x: geo.x + NAME_W + 4, y: y + ROW_H - 2 },
          `mean ${fmt(mean, 2)} (${fmt(Math.min(...values), 2)} … ${fmt(Math.max(...values), 2)})`));
      } else {
        values.forEach((v, i) => {
          rowG.append(s("rect", {
            class: "gate-cell", x: geo.x + NAME_W + 4 + i * geo.cell, y: y + 1, width: Math.max(1, geo.cell - 1), height: ROW_H - 2,
            fill: divergingColor(v, 1), "data-unit": i + 1, "data-value": v,
          }, s("title", {}, `${name}${sub(t)}[${i + 1}] = ${fmt(v, 6)}`)));
        });
      }
      g.append(rowG);
    });
    return g;
  }
}

const SUBS = "₀₁₂₃₄₅₆₇₈₉";
function sub(n) {
  return String(n).replace(/\d/g, (d) => SUBS[Number(d)]);
}
