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

/** The ids of an edge whose geometry depends on the previous column (its start moves with it). */
const CROSS = new Set(["Ws", "f", "z"]);

/** Hover titles of the gated cells' own arrows. */
const GATE_EDGES = {
  f: ["f", "c_{t−1} → c_t through the forget gate: f_t ⊙ c_{t−1}"],
  o: ["o", "s_t = o_t ⊙ tanh(c_t): the output gate reads the cell state"],
  z: ["z", "z_t ⊙ s_{t−1}: the update gate's direct path from s_{t−1} to s_t"],
};

/** An edge moved by dx pixels along x (its path's "x,y" pairs too). */
function shiftEdge(e, dx) {
  if (dx === 0) return e;
  const at = ([x, y]) => [x + dx, y];
  const moved = { ...e, from: at(e.from), to: at(e.to) };
  if (e.headFrom) moved.headFrom = at(e.headFrom);
  if (e.d) moved.d = e.d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x, y) => `${Number(x) + dx},${y}`);
  return moved;
}

/** Toggle a data attribute ("true" or absent) on an element. */
function flag(el, name, on) {
  if (on) el.dataset[name] = "true";
  else delete el.dataset[name];
}

/**
 * The unfolded graph. The SVG is built once per shape; an animation step only flips classes
 * and attributes on the elements that change, and moving the semantic-zoom window translates
 * the columns drawn (each column's content is created the first time it is shown; a folded
 * column is only its elements' hooks, data-node / data-edge).
 */
export class UnfoldedGraph {
  constructor(svg, { onHover = () => {}, onClick = () => {}, onExpand = () => {}, onDrawn = () => {} } = {}) {
    this.svg = svg;
    this.onDrawn = onDrawn; // after every render: renderers of extras (gatesview.js) draw over it
    this.els = new Map(); // id → the element with data-node / data-edge (unfolded view)
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
    // Enter on a focused node or gap acts as a click
    this.svg.addEventListener("keydown", (ev) => {
      const hit = ev.key === "Enter" && ev.target.closest("[data-gap], [data-node], [data-edge]");
      if (!hit) return;
      ev.preventDefault();
      hit.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    });
  }

  /**
   * Draw a response; width is the space available in pixels, `shown` the columns drawn in
   * full (semantic zoom; null: every column). The same shape with new numbers repaints in
   * place; a new `shown` moves the window without rebuilding.
   */
  render(data, { width, fit = false, shown = null }) {
    const H = data.s0.length;
    const cell = data.cell ?? "rnn";
    const key = JSON.stringify([cell, data.T, H, data.steps[0].x.length, data.steps[0].y.length, width, fit, shown === null]);
    if (key === this.key) {
      if (data !== this.data) this.update(data);
      this.moveWindow(shown);
      this.onDrawn();
      return;
    }
    this.key = key;
    this.params = { T: data.T, H, nIn: data.steps[0].x.length, nOut: data.steps[0].y.length, width, cell };
    this.fit = fit;
    const layout = computeLayout({ ...this.params, shown });
    this.frame = layout; // the frame every column's content is drawn in (then translated)
    this.layout = layout;
    this.shownKey = shown ? [...shown].join(",") : "";
    this.data = data;
    this.scale = scaleOf(data);
    this.els.clear();
    this.parts = [];
    this.shafts = new Map(); // edge id → its shaft, whose width follows the gradient
    this.focus = { active: new Set(), lit: new Set(), dropped: new Set(), weights: new Map(), revealed: data.T, hover: new Set() };
    this.columns = this.hooks(layout);
    this.gapLayer = s("g", { class: "zoom-gaps" });
    this.view = s("g", { class: "unfolded-view" }, ...this.columns.map((c) => c.g), this.gapLayer);
    const folded = this.folded(layout, data);
    this.svg.replaceChildren(this.view, folded);
    this.place(layout);
    this.onDrawn();
  }

  /** Every column's group with the hooks of its nodes and arrows, nothing drawn in them yet. */
  hooks(layout) {
    const columns = Array.from({ length: layout.T + 1 }, (_, t) => {
      const body = s("g", { class: "col-body" });
      const g = s("g", { class: "col", "data-col": t }, body);
      return { t, g, body, items: [], built: false, dx: 0, foldDx: null, crossKey: null };
    });
    for (const e of edges(layout)) {
      const cross = CROSS.has(e.kind);
      const g = s("g", e.kind === "L" ? { class: "edge edge-L" } : { class: `edge edge-${e.kind}`, "data-edge": e.id });
      if (e.kind !== "L") this.els.set(e.id, g);
      const c = columns[e.t];
      c.body.append(g);
      c.items.push({ edge: e, g, cross });
    }
    for (const n of nodes(layout)) {
      const g = s("g", { class: `node node-${n.kind}`, "data-node": n.id, tabindex: -1 });
      this.els.set(n.id, g);
      columns[n.t].body.append(g);
      columns[n.t].items.push({ node: n, g });
    }
    return columns;
  }

  /** Put the columns where `layout` says: translate, fold away, draw the newly shown, the gaps. */
  place(layout) {
    const dims = `${layout.width}x${layout.height}`;
    if (dims !== this.dims) {
      this.dims = dims;
      this.svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
      // fit: the whole graph scaled into the panel's width (no horizontal scrolling)
      const zoom = this.fit && layout.width > this.params.width ? this.params.width / layout.width : 1;
      this.svg.setAttribute("width", Math.floor(layout.width * zoom));
      this.svg.setAttribute("height", Math.ceil(layout.height * zoom));
    }
    const target = layout.colX(1);
    const crossEdges = new Map();
    for (const e of edges(layout)) if (CROSS.has(e.kind)) crossEdges.set(e.id, e);
    for (const c of this.columns) {
      const collapsed = layout.collapsed(c.t);
      if (collapsed !== c.g.classList.contains("collapsed")) c.g.classList.toggle("collapsed", collapsed);
      if (collapsed) continue;
      if (!c.built) this.fill(c);
      const dx = layout.colX(c.t) - this.frame.colX(c.t);
      if (dx !== c.dx) {
        c.dx = dx;
        c.body.setAttribute("transform", `translate(${dx} 0)`);
      }
      const foldDx = target - layout.colX(c.t);
      if (foldDx !== c.foldDx) {
        c.foldDx = foldDx;
        c.g.style.setProperty("--fold-dx", `${foldDx}px`);
      }
      // an arrow from the previous column starts where that column (or its gap) now is: in
      // the column's own frame it changes only next to a gap
      const mine = c.items.filter((it) => it.cross).map((it) => [it, shiftEdge(crossEdges.get(it.edge.id), -dx)]);
      const crossKey = mine.map(([, e]) => [...e.from, ...e.to].map((v) => v.toFixed(1)).join(",")).join(";");
      if (crossKey !== c.crossKey) {
        c.crossKey = crossKey;
        for (const [it, e] of mine) {
          it.g.replaceChildren();
          this.fillEdge(it.g, e);
        }
      }
    }
    this.gapLayer.replaceChildren(...layout.gaps.map((gap) => s("g", { class: "zoom-gap", "data-gap": `${gap.from}-${gap.to}`, tabindex: 0, role: "button" },
      s("rect", { class: "gap-hit", x: gap.x - GAP_W / 2 + 4, y: layout.rows.E - 20, width: GAP_W - 8, height: layout.rows.x - layout.rows.E + 40, rx: 6 }),
      s("text", { class: "gap-dots", x: gap.x, y: layout.rows.s + 6 }, "⋯"),
      s("text", { class: "gap-note", x: gap.x, y: layout.rows.s + 24 }, `${gap.to - gap.from + 1} steps`),
      title(`steps ${gap.from} to ${gap.to} folded away; click to show every step`))));
  }

  /** The zoom window moved: the same graph, other columns drawn in full. */
  moveWindow(shown) {
    const shownKey = shown ? [...shown].join(",") : "";
    if (shownKey === this.shownKey) return;
    this.shownKey = shownKey;
    this.layout = computeLayout({ ...this.params, shown });
    this.place(this.layout);
  }

  /** Draw a column's content into its hooks (the first time it is shown). */
  fill(c) {
    c.built = true;
    for (const it of c.items) {
      if (it.node) this.fillNode(it.g, it.node);
      else if (!it.cross) this.fillEdge(it.g, it.edge);
    }
  }

  fillNode(g, n) {
    const data = this.data;
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
    this.paint(data, n, parts, this.scale);
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
    this.data = data;
    this.scale = scaleOf(data);
    for (const { n, parts } of this.parts) this.paint(data, n, parts, this.scale);
  }

  /** An arrow's shaft, head and label into its group (y_t → E_t, kind "L", is no weight: no hook). */
  fillEdge(g, e) {
    let shaft;
    if (e.d) {
      shaft = s("path", { class: "shaft", d: e.d });
      g.append(s("path", { class: "hit", d: e.d }), shaft, s("path", { class: "head", d: arrowHead(e.headFrom, e.to) }));
    } else {
      shaft = s("line", { class: "shaft", x1: e.from[0], y1: e.from[1], x2: e.to[0], y2: e.to[1] });
      g.append(
        s("line", { class: "hit", x1: e.from[0], y1: e.from[1], x2: e.to[0], y2: e.to[1] }),
        shaft,
        s("path", { class: "head", d: arrowHead(e.from, e.to) }),
      );
    }
    if (e.kind === "L") return;
    this.shafts.set(e.id, shaft);
    const w = this.focus.weights.get(e.id);
    if (w) shaft.style.setProperty("stroke-width", w.width);
    if (GATE_EDGES[e.kind]) {
      const [base, text] = GATE_EDGES[e.kind];
      const mx = (e.from[0] + e.to[0]) / 2;
      const my = (e.from[1] + e.to[1]) / 2;
      // f_t past the Wy arrow that crosses the rail (f_1 under its short arrow, clear of c_0's label), z_t past x_{t−1}'s label, o_t left of its slanted arrow
      const along = (u) => e.from[0] + u * (e.to[0] - e.from[0]);
      const pos = e.kind === "f" ? { x: along(0.68), y: e.t === 1 ? my + 15 : my - 6 } : e.kind === "z" ? { x: along(0.62), y: my + 30 }
        : { x: Math.min(e.from[0], e.to[0]) - 5, y: my + 4, "text-anchor": "end" };
      g.append(label(base, e.t, { class: "elabel", "text-anchor": "middle", ...pos }), title(`${text} (step ${e.t})`));
      return;
    }
    const vertical = e.from[0] === e.to[0];
    const mx = (e.from[0] + e.to[0]) / 2;
    const my = (e.from[1] + e.to[1]) / 2;
    const slanted = !vertical && e.kind === "Wy"; // the LSTM's Wy leans right: its label beside it, not on it
    const pos = vertical ? { x: mx - 6, y: my + 4, "text-anchor": "end" }
      : slanted ? { x: Math.max(e.from[0], e.to[0]) + 4, y: my + 15, "text-anchor": "start" } : { x: mx, y: my + 15, "text-anchor": "middle" };
    g.append(label("W", e.kind[1], { class: "elabel", ...pos }), title(`${e.kind} at step ${e.t}`));
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
    this.foldedView = g;
    this.foldedEls = [...g.querySelectorAll("[data-node], [data-edge]")].map((el) => [el.dataset.node ?? el.dataset.edge, el]);
    return g;
  }

  /** "unfolded" or "folded": the CSS transition folds the columns into one cell and back. */
  setView(view) {
    if (this.svg.dataset.view !== view) this.svg.dataset.view = view;
  }

  /** Set `name` on the elements entering `next` and clear it on those leaving `prev` (by id). */
  diff(prev, next, set) {
    for (const id of prev) if (!next.has(id)) { const el = this.els.get(id); if (el) set(el, false); }
    for (const id of next) if (!prev.has(id)) { const el = this.els.get(id); if (el) set(el, true); }
  }

  /**
   * Mark the state of an animation step: active and lit elements, columns whose forward
   * values are revealed, dropped terms, and arrow weights (log scale of ‖δ_{t,k}‖). Only the
   * elements whose marks change are touched.
   */
  setFocus({ active, lit, revealed, dropped, weights, backward, folded = null }) {
    if (folded) this.setFoldedFocus(folded);
    const f = this.focus;
    const next = {
      active: new Set([...active.nodes, ...active.edges]),
      lit: new Set([...lit.nodes, ...lit.edges]),
      dropped: new Set(dropped),
    };
    this.diff(f.active, next.active, (el, on) => flag(el, "active", on));
    this.diff(f.lit, next.lit, (el, on) => el.classList.toggle("lit", on));
    this.diff(f.dropped, next.dropped, (el, on) => flag(el, "dropped", on));
    Object.assign(f, next);
    if (revealed !== f.revealed) {
      const lo = Math.min(revealed, f.revealed);
      const hi = Math.max(revealed, f.revealed);
      for (let t = Math.max(1, lo + 1); t <= hi && t < this.columns.length; t += 1) this.columns[t].g.classList.toggle("pending", t > revealed);
      f.revealed = revealed;
    }
    if (this.svg.classList.contains("backward") !== backward) this.svg.classList.toggle("backward", backward);
    const styles = new Map();
    for (const [id, w] of weights) {
      if (!this.els.has(id)) continue;
      const st = arrowStyle(logLevel(w.norm, w.max));
      styles.set(id, { width: `${st.width.toFixed(2)}px`, opacity: st.opacity.toFixed(3) });
    }
    for (const [id, old] of f.weights) {
      if (styles.has(id)) continue;
      const g = this.els.get(id);
      g.classList.remove("flowed");
      g.style.removeProperty("opacity");
      this.shafts.get(id)?.style.removeProperty("stroke-width");
      void old;
    }
    for (const [id, st] of styles) {
      const old = f.weights.get(id);
      if (old && old.width === st.width && old.opacity === st.opacity) continue;
      const g = this.els.get(id);
      if (!old) g.classList.add("flowed");
      g.style.setProperty("opacity", st.opacity);
      this.shafts.get(id)?.style.setProperty("stroke-width", st.width);
    }
    f.weights = styles;
  }

  /** The folded cell lights what the step computes (data-active on the cell's parts), and says which step. */
  setFoldedFocus({ nodes, edges, note, backward }) {
    const on = new Set([...nodes, ...edges]);
    for (const [id, el] of this.foldedEls) {
      if (on.has(id) !== (el.dataset.active === "true")) flag(el, "active", on.has(id));
    }
    if (this.foldedView.classList.contains("backward") !== backward) this.foldedView.classList.toggle("backward", backward);
    if (this.foldStep && this.foldStep.textContent !== note) this.foldStep.textContent = note;
  }

  /** Highlight a path (hover), e.g. {nodes: ["E_3", "s_3"], edges: ["Ws_3"]}; null clears. */
  setHover(path) {
    const ids = new Set(path ? [...path.nodes, ...path.edges] : []);
    this.diff(this.focus.hover, ids, (el, on) => el.classList.toggle("hl", on));
    this.focus.hover = ids;
  }
}
