// Renderer of the unfolded graph (svg#unfolded). Only draws: the data comes from main.js.

import { arrowStyle, divergingColor, fmt, logLevel, maxAbs } from "./colors.js";
import { GAP_W, arrowHead, cellOrigin, computeLayout, edges, nodes, selfLoop } from "./layout.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** A <text> label like s₁: base letter with a subscript tspan. */
function label(base, index, attrs) {
  const t = s("text", attrs, base);
  if (index !== undefined && index !== null) t.append(s("tspan", { class: "sub", dy: 4 }, String(index)));
  return t;
}

const title = (text) => s("title", {}, text);

/** The vector a node shows, from a /api/bptt response. */
function nodeVector(data, node) {
  if (node.kind === "s") return node.t === 0 ? data.s0 : data.steps[node.t - 1].s;
  if (node.kind === "c") return node.t === 0 ? data.c0 ?? data.s0.map(() => 0) : data.steps[node.t - 1].c;
  const step = data.steps[node.t - 1];
  return node.kind === "x" ? step.x : step.y;
}

/** The colour domains of a response's vectors, one per kind of node. */
function scaleOf(data) {
  return {
    s: maxAbs(data.steps.map((st) => st.s).concat([data.s0])),
    c: maxAbs(data.steps.map((st) => st.c ?? [0]).concat(data.c0 ? [data.c0] : [])),
    x: maxAbs(data.steps.map((st) => st.x)),
    y: maxAbs(data.steps.map((st) => [st.y, st.d])),
    E: Math.max(0, ...data.steps.map((st) => st.E ?? 0)),
    sNorm: Math.max(...data.steps.map((st) => Math.hypot(...st.s)), 1e-12),
  };
}

export class UnfoldedGraph {
  constructor(svg, { onHover = () => {}, onClick = () => {}, onExpand = () => {} } = {}) {
    this.svg = svg;
    this.byId = new Map();
    this.cellOf = new WeakMap(); // cell → its node and index, for the value on hover
    this.svg.addEventListener("mouseover", (ev) => {
      const c = this.cellOf.get(ev.target);
      if (c) {
        const gates = c.parts.gates; // gated cells: the step's gate values of this unit
        const g = gates ? `   gates: ${Object.entries(gates).map(([name, v]) => `${name}=${fmt(v[c.i], 3)}`).join(" ")}` : "";
        c.tip.textContent = `${c.n.kind}${c.n.t}[${c.i + 1}] = ${fmt(c.parts.vec[c.i], 6)}${g}`;
      }
      const hit = ev.target.closest("[data-node], [data-edge]");
      onHover(hit ? hit.dataset.node ?? hit.dataset.edge : null);
    });
    this.svg.addEventListener("mouseleave", () => onHover(null));
    this.svg.addEventListener("click", (ev) => {
      if (ev.target.closest("[data-gap]")) {
        onExpand();
        return;
      }
      const hit = ev.target.closest("[data-node], [data-edge]");
      if (hit) onClick(hit.dataset.node ?? hit.dataset.edge, hit);
    });
  }

  /** Build the whole graph for a response; width is the space available in pixels. */
  render(data, { width, fit = false, shown = null }) {
    const H = data.s0.length;
    const cell = data.cell ?? "rnn";
    const key = JSON.stringify([cell, data.T, H, data.steps[0].x.length, data.steps[0].y.length, width, fit, shown ? [...shown] : null]);
    if (key === this.key) {
      this.update(data); // the same picture with new numbers: no rebuild, no layout of new elements
      return;
    }
    this.key = key;
    const layout = computeLayout({ T: data.T, H, nIn: data.steps[0].x.length, nOut: data.steps[0].y.length, width, shown, cell });
    this.shown = shown;
    this.layout = layout;
    this.byId.clear();
    this.parts = [];
    const scale = scaleOf(data);
    const cols = new Map();
    const col = (t) => {
      if (!cols.has(t)) cols.set(t, s("g", { class: "col", "data-col": t }));
      return cols.get(t);
    };
    for (const e of edges(layout)) col(e.t).append(this.edge(e));
    for (const n of nodes(layout)) col(n.t).append(this.node(data, n, scale));
    for (const [t, g] of cols) if (layout.collapsed(t)) g.classList.add("collapsed");
    const gaps = layout.gaps.map((gap) => s("g", { class: "zoom-gap", "data-gap": `${gap.from}-${gap.to}`, tabindex: 0, role: "button" },
      s("rect", { class: "gap-hit", x: gap.x - GAP_W / 2 + 4, y: layout.rows.E - 20, width: GAP_W - 8, height: layout.rows.x - layout.rows.E + 40, rx: 6 }),
      s("text", { class: "gap-dots", x: gap.x, y: layout.rows.s + 6 }, "⋯"),
      s("text", { class: "gap-note", x: gap.x, y: layout.rows.s + 24 }, `${gap.to - gap.from + 1} steps`),
      title(`steps ${gap.from} to ${gap.to} folded away; click to show every step`)));
    const unfolded = s("g", { class: "unfolded-view" }, ...[...cols.keys()].sort((a, b) => a - b).map(col), ...gaps);
    const folded = this.folded(layout, data);
    this.svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    // fit: the whole graph scaled into the panel's width (no horizontal scrolling)
    const zoom = fit && layout.width > width ? width / layout.width : 1;
    this.svg.setAttribute("width", Math.floor(layout.width * zoom));
    this.svg.setAttribute("height", Math.ceil(layout.height * zoom));
    this.svg.replaceChildren(unfolded, folded);
    this.cols = cols;
    this.setFoldOffsets();
  }

  node(data, n, scale) {
    const g = s("g", { class: `node node-${n.kind}`, "data-node": n.id, tabindex: -1 });
    const parts = { g };
    if (n.kind === "E") {
      parts.circle = s("circle", { class: "box", cx: n.cx, cy: n.cy, r: n.grid.r });
      parts.value = s("text", { class: "value", x: n.cx, y: n.cy + 4 });
      parts.tip = title("");
      g.append(parts.circle, parts.value, label("E", n.t, { class: "label", x: n.cx + n.grid.r + 4, y: n.cy - n.grid.r + 6 }), parts.tip);
    } else {
      const grid = n.grid;
      const x0 = n.cx - grid.w / 2;
      const y0 = n.cy - grid.h / 2;
      g.append(s("rect", { class: "box", x: x0, y: y0, width: grid.w, height: grid.h, rx: 5 }));
      if (grid.bar) {
        parts.bar = s("rect", { class: "bar cell", x: x0 + 5, y: n.cy - 4, width: 0, height: 8, rx: 2 });
        parts.tip = title("");
        g.append(s("rect", { class: "bar-bg", x: x0 + 5, y: n.cy - 4, width: grid.w - 10, height: 8, rx: 2 }), parts.bar, parts.tip);
      } else {
        parts.cells = [];
        for (let i = 0; i < nodeVector(data, n).length; i += 1) {
          const [cx, cy] = cellOrigin(grid, i, n.cx, n.cy);
          const tip = title("");
          const cell = s("rect", { class: "cell", x: cx + 1, y: cy + 1, width: grid.cell - 2, height: grid.cell - 2, rx: 2 }, tip);
          parts.cells.push({ cell, tip });
          this.cellOf.set(cell, { n, parts, i, tip });
          g.append(cell);
        }
      }
      g.append(label(n.kind, n.t, { class: "label", x: n.cx + grid.w / 2 + 3, y: n.cy - grid.h / 2 - 3 }));
    }
    this.parts.push({ n, parts });
    this.paint(data, n, parts, scale);
    return g;
  }

  /** Set a node's colours, bar and texts from the data (also when only the values changed). */
  paint(data, n, parts, scale) {
    if (n.kind === "E") {
      const step = data.steps[n.t - 1];
      const isLoss = step.E !== null && step.E !== undefined;
      const level = isLoss && scale.E > 0 ? step.E / scale.E : 0;
      parts.g.classList.toggle("noloss", !isLoss);
      parts.circle.setAttribute("fill-opacity", isLoss ? 0.15 + 0.6 * level : 0);
      parts.value.textContent = isLoss ? fmt(step.E, 2) : "–";
      const formula = data.lossKind === "cross_entropy" ? `E${n.t} = −Σ d log y` : `E${n.t} = (d${n.t} − y${n.t})²`;
      parts.tip.textContent = isLoss
        ? `${formula} = ${fmt(step.E, 6)}   (d${n.t} = ${step.d.map((v) => fmt(v, 4)).join(", ")})`
        : `E${n.t}: not a loss step`;
      return;
    }
    const vec = nodeVector(data, n);
    if (parts.bar) {
      const nrm = Math.hypot(...vec);
      parts.bar.setAttribute("width", (n.grid.w - 10) * Math.min(1, nrm / scale.sNorm));
      parts.tip.textContent = `${n.kind}${n.t}: ${vec.length} values, ‖${n.kind}${n.t}‖ = ${fmt(nrm, 4)}`;
      return;
    }
    const sc = scale[n.kind];
    parts.vec = vec; // the hover title is written when the pointer reaches the cell
    parts.gates = n.t > 0 && (n.kind === "s" || n.kind === "c") ? data.steps[n.t - 1].gates ?? null : null;
    parts.cells.forEach(({ cell }, i) => {
      cell.setAttribute("fill", divergingColor(vec[i], sc));
    });
  }

  /** New values for the same shapes (training moved the weights): repaint in place, no new elements. */
  update(data) {
    const scale = scaleOf(data);
    for (const { n, parts } of this.parts) this.paint(data, n, parts, scale);
  }

  edge(e) {
    // y_t → E_t (kind "L") is drawn but is not a weight: no data-edge hook.
    const g = s("g", e.kind === "L" ? { class: "edge edge-L" } : { class: `edge edge-${e.kind}`, "data-edge": e.id });
    if (e.d) {
      g.append(s("path", { class: "hit", d: e.d }), s("path", { class: "shaft", d: e.d }), s("path", { class: "head", d: arrowHead(e.headFrom, e.to) }));
    } else {
      g.append(
        s("line", { class: "hit", x1: e.from[0], y1: e.from[1], x2: e.to[0], y2: e.to[1] }),
        s("line", { class: "shaft", x1: e.from[0], y1: e.from[1], x2: e.to[0], y2: e.to[1] }),
        s("path", { class: "head", d: arrowHead(e.from, e.to) }),
      );
    }
    const GATE_EDGES = {
      f: ["f", "c_{t−1} → c_t through the forget gate: f_t ⊙ c_{t−1}"],
      o: ["o", "s_t = o_t ⊙ tanh(c_t): the output gate reads the cell state"],
      z: ["z", "z_t ⊙ s_{t−1}: the update gate's direct path from s_{t−1} to s_t"],
    };
    if (GATE_EDGES[e.kind]) {
      const [base, text] = GATE_EDGES[e.kind];
      const mx = (e.from[0] + e.to[0]) / 2;
      const my = (e.from[1] + e.to[1]) / 2;
      const pos = e.kind === "f" ? { x: mx, y: my - 6 } : e.kind === "z" ? { x: mx, y: my + 30 } : { x: mx - 8, y: my };
      g.append(label(base, e.t, { class: "elabel", "text-anchor": "middle", ...pos }), title(`${text} (step ${e.t})`));
      this.byId.set(e.id, g);
      return g;
    }
    if (e.kind !== "L") {
      const vertical = e.from[0] === e.to[0];
      const mx = (e.from[0] + e.to[0]) / 2;
      const my = (e.from[1] + e.to[1]) / 2;
      const pos = vertical ? { x: mx - 6, y: my + 4, "text-anchor": "end" } : { x: mx, y: my + 15, "text-anchor": "middle" };
      g.append(label("W", e.kind[1], { class: "elabel", ...pos }), title(`${e.kind} at step ${e.t}`));
    }
    if (e.kind !== "L") this.byId.set(e.id, g);
    return g;
  }

  folded(layout, data) {
    const cx = layout.colX(1);
    const { rows, grids } = layout;
    const g = s("g", { class: "folded-view", "aria-hidden": "true" });
    const box = (kind, cy, grid) =>
      s("g", { class: `node node-${kind}`, "data-node": kind },
        kind === "E"
          ? s("circle", { class: "box", cx, cy, r: grid.r })
          : s("rect", { class: "box", x: cx - grid.w / 2, y: cy - grid.h / 2, width: grid.w, height: grid.h, rx: 5 }),
        label(kind, "t", { class: "label", x: cx + (grid.w ?? 2 * grid.r) / 2 + 3, y: cy - (grid.h ?? 2 * grid.r) / 2 - 3 }));
    const loop = selfLoop(cx, rows.s, grids.s);
    const arrow = (id, from, to) => s("g", { class: "edge", "data-edge": id },
      s("line", { class: "shaft", x1: from[0], y1: from[1], x2: to[0], y2: to[1] }),
      s("path", { class: "head", d: arrowHead(from, to) }));
    g.append(
      arrow("Wx", [cx, rows.x - grids.x.h / 2 - 4], [cx, rows.s + grids.s.h / 2 + 4]),
      arrow("Wy", [cx, rows.s - grids.s.h / 2 - 4], [cx, rows.y + grids.y.h / 2 + 4]),
      arrow("loss", [cx, rows.y - grids.y.h / 2 - 4], [cx, rows.E + grids.E.h / 2 + 4]),
      s("g", { class: "edge edge-loop", "data-edge": "Ws_loop" },
        s("path", { class: "shaft loop", d: loop.d }), s("path", { class: "head", d: loop.head }),
        label("W", "s", { class: "elabel", x: loop.label[0] + 8, y: loop.label[1] })),
      box("x", rows.x, grids.x), box("s", rows.s, grids.s), box("y", rows.y, grids.y), box("E", rows.E, grids.E),
      s("text", { class: "fold-note", x: cx + grids.s.w / 2 + 70, y: rows.s + 4 },
        `the same Wx, Ws, Wy at every one of the T = ${data.T} steps`),
      s("text", { class: "fold-step", x: cx + grids.s.w / 2 + 70, y: rows.s + 26 }, ""),
    );
    this.foldStep = g.querySelector(".fold-step");
    return g;
  }

  /** Each column's offset to the folded cell, as CSS variables the transition animates. */
  setFoldOffsets() {
    const target = this.layout.colX(1);
    for (const [t, g] of this.cols) {
      g.style.setProperty("--fold-dx", `${target - this.layout.colX(t)}px`);
    }
  }

  /** "unfolded" or "folded": the CSS transition folds the columns into one cell and back. */
  setView(view) {
    this.svg.dataset.view = view;
  }

  /**
   * Mark the state of an animation step: active and lit elements, columns whose forward
   * values are revealed, dropped terms, and arrow weights (log scale of ‖δ_{t,k}‖).
   */
  setFocus({ active, lit, revealed, dropped, weights, backward, folded = null }) {
    if (folded) this.setFoldedFocus(folded);
    const T = this.layout.T;
    const activeSet = new Set([...active.nodes, ...active.edges]);
    const litSet = new Set([...lit.nodes, ...lit.edges]);
    const droppedSet = new Set(dropped);
    for (const el of this.svg.querySelectorAll(".unfolded-view [data-node], .unfolded-view [data-edge]")) {
      const id = el.dataset.node ?? el.dataset.edge;
      if (activeSet.has(id)) el.dataset.active = "true";
      else delete el.dataset.active;
      el.classList.toggle("lit", litSet.has(id));
      if (droppedSet.has(id)) el.dataset.dropped = "true";
      else delete el.dataset.dropped;
    }
    for (let t = 1; t <= T; t += 1) this.cols.get(t).classList.toggle("pending", t > revealed);
    this.svg.classList.toggle("backward", backward);
    for (const [id, g] of this.byId) {
      const w = weights.get(id);
      const shaft = g.querySelector(".shaft");
      if (w === undefined) {
        g.classList.remove("flowed");
        shaft.style.removeProperty("stroke-width");
        g.style.removeProperty("opacity");
        continue;
      }
      const st = arrowStyle(logLevel(w.norm, w.max));
      g.classList.add("flowed");
      shaft.style.setProperty("stroke-width", `${st.width.toFixed(2)}px`);
      g.style.setProperty("opacity", st.opacity.toFixed(3));
    }
  }

  /** The folded cell lights what the step computes (data-active on the cell's parts), and says which step. */
  setFoldedFocus({ nodes, edges, note, backward }) {
    const on = new Set([...nodes, ...edges]);
    for (const el of this.svg.querySelectorAll(".folded-view [data-node], .folded-view [data-edge]")) {
      const id = el.dataset.node ?? el.dataset.edge;
      if (on.has(id)) el.dataset.active = "true";
      else delete el.dataset.active;
    }
    this.svg.querySelector(".folded-view").classList.toggle("backward", backward);
    if (this.foldStep) this.foldStep.textContent = note;
  }

  /** Highlight a path (hover), e.g. {nodes: ["E_3", "s_3"], edges: ["Ws_3"]}; null clears. */
  setHover(path) {
    const ids = new Set(path ? [...path.nodes, ...path.edges] : []);
    for (const el of this.svg.querySelectorAll(".unfolded-view [data-node], .unfolded-view [data-edge]")) {
      el.classList.toggle("hl", ids.has(el.dataset.node ?? el.dataset.edge));
    }
  }
}
