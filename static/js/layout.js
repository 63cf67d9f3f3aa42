// Geometry of the unfolded graph: where every node and arrow goes. Pure: no DOM.
//
// Column t (1..T) holds x_t at the bottom, s_t in the middle, y_t and E_t on top; s_0 sits
// in its own column at the left. Arrows: Wx_t (x_t → s_t), Ws_t (s_{t-1} → s_t), Wy_t
// (s_t → y_t) and E_t (y_t → E_t).

/** Largest vector drawn cell by cell; bigger ones collapse to a norm bar. */
export const MAX_CELLS = 16;

/** Cell grid of a vector of n values: columns, rows and cell size (bar: a norm bar instead). */
export function cellGrid(n, cell = 18) {
  if (n > MAX_CELLS) return { bar: true, cols: 0, rows: 0, cell, w: 70, h: 22 };
  const cols = n <= 4 ? n : Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const pad = 5;
  return { bar: false, cols, rows, cell, w: cols * cell + 2 * pad, h: rows * cell + 2 * pad, pad };
}

/** Top-left corner of cell i of a grid centred on (cx, cy). */
export function cellOrigin(grid, i, cx, cy) {
  const col = i % grid.cols;
  const row = Math.floor(i / grid.cols);
  return [cx - grid.w / 2 + grid.pad + col * grid.cell, cy - grid.h / 2 + grid.pad + row * grid.cell];
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** Width of a gap that stands for folded columns (semantic zoom). */
export const GAP_W = 64;

/** Longest T drawn with every column; beyond it the middle folds away from the active term. */
export const ZOOM_AFTER_T = 40;

/**
 * The columns drawn in full at long T: the first and last two, and `around` columns each side
 * of the focus column `t`. Null (every column) for T ≤ ZOOM_AFTER_T.
 */
export function zoomWindow(T, t, { around = 8 } = {}) {
  if (T <= ZOOM_AFTER_T) return null;
  const c = Math.max(1, Math.min(T, t || T));
  const lo = Math.max(1, Math.min(c - around, T - 2 * around));
  const hi = Math.min(T, Math.max(c + around, 1 + 2 * around));
  const shown = new Set([1, 2, T - 1, T]);
  for (let k = lo; k <= hi; k += 1) shown.add(k);
  return shown;
}

/**
 * Layout for T steps, hidden size H, n_in / n_out sizes, in an area `width` pixels wide.
 * Columns shrink to fit up to a minimum width; beyond it the SVG is wider than the area
 * (the page scrolls horizontally).
 */
export function computeLayout({ T, H, nIn = 1, nOut = 1, width = 900, shown = null }) {
  const s = cellGrid(H);
  const xGrid = cellGrid(nIn);
  const y = cellGrid(nOut);
  const E = { w: 34, h: 34, r: 17 };
  const widest = Math.max(s.w, xGrid.w, y.w, E.w);
  const minCol = widest + 56;
  const maxCol = 190;
  const left = 16;
  const col0 = Math.max(s.w + 40, 70); // the s_0 column
  const colW = clamp((width - left * 2 - col0) / Math.max(T, 1), minCol, maxCol);
  const top = 26;
  const gap = 32;
  const rows = {};
  rows.E = top + E.h / 2;
  rows.y = rows.E + E.h / 2 + gap + y.h / 2;
  rows.s = rows.y + y.h / 2 + gap + 8 + s.h / 2;
  rows.x = rows.s + s.h / 2 + gap + 8 + xGrid.h / 2;
  const height = rows.x + xGrid.h / 2 + 22;
  // semantic zoom: columns outside `shown` (a Set of t) fold into gaps GAP_W wide
  const xs = new Array(T + 1);
  const gaps = [];
  let x = left + col0;
  xs[0] = left + col0 / 2;
  for (let t = 1; t <= T; t += 1) {
    if (!shown || shown.has(t)) {
      xs[t] = x + colW / 2;
      x += colW;
      continue;
    }
    const last = gaps[gaps.length - 1];
    if (last && last.to === t - 1) last.to = t;
    else {
      gaps.push({ from: t, to: t, x: x + GAP_W / 2 });
      x += GAP_W;
    }
    xs[t] = gaps[gaps.length - 1].x;
  }
  const colX = (t) => xs[t];
  const collapsed = (t) => !!shown && t >= 1 && !shown.has(t);
  const total = x + left;
  return { T, colW, width: Math.max(total, 0), height, rows, colX, collapsed, gaps, grids: { s, x: xGrid, y, E } };
}

/** The nodes of the unfolded graph: {id, kind, t, cx, cy, grid}. */
export function nodes(layout) {
  const { T, rows, colX, grids } = layout;
  const out = [{ id: "s_0", kind: "s", t: 0, cx: colX(0), cy: rows.s, grid: grids.s }];
  for (let t = 1; t <= T; t += 1) {
    const cx = colX(t);
    out.push({ id: `x_${t}`, kind: "x", t, cx, cy: rows.x, grid: grids.x });
    out.push({ id: `s_${t}`, kind: "s", t, cx, cy: rows.s, grid: grids.s });
    out.push({ id: `y_${t}`, kind: "y", t, cx, cy: rows.y, grid: grids.y });
    out.push({ id: `E_${t}`, kind: "E", t, cx, cy: rows.E, grid: grids.E });
  }
  return out;
}

/** The arrows: {id, kind, t, from: [x, y], to: [x, y]} from box edge to box edge. */
export function edges(layout) {
  const { T, rows, colX, grids } = layout;
  const out = [];
  const gapPx = 4;
  for (let t = 1; t <= T; t += 1) {
    const cx = colX(t);
    out.push({
      id: `Wx_${t}`, kind: "Wx", t,
      from: [cx, rows.x - grids.x.h / 2 - gapPx], to: [cx, rows.s + grids.s.h / 2 + gapPx],
    });
    out.push({
      id: `Ws_${t}`, kind: "Ws", t,
      // out of a gap (semantic zoom) the arrow starts at the gap's right-hand edge
      from: [colX(t - 1) + (layout.collapsed && layout.collapsed(t - 1) ? GAP_W / 2 - 6 : grids.s.w / 2 + gapPx), rows.s],
      to: [cx - grids.s.w / 2 - gapPx, rows.s],
    });
    out.push({
      id: `Wy_${t}`, kind: "Wy", t,
      from: [cx, rows.s - grids.s.h / 2 - gapPx], to: [cx, rows.y + grids.y.h / 2 + gapPx],
    });
    out.push({
      id: `L_${t}`, kind: "L", t,
      from: [cx, rows.y - grids.y.h / 2 - gapPx], to: [cx, rows.E + grids.E.h / 2 + gapPx],
    });
  }
  return out;
}

/** Arrow head (a triangle path) at the `to` end of a segment; size in pixels. */
export function arrowHead(from, to, size = 8) {
  const [x0, y0] = from;
  const [x1, y1] = to;
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len;
  const uy = (y1 - y0) / len;
  const bx = x1 - ux * size;
  const by = y1 - uy * size;
  const w = size * 0.55;
  const p = (v) => Math.round(v * 10) / 10;
  return `M${p(x1)},${p(y1)} L${p(bx - uy * w)},${p(by + ux * w)} L${p(bx + uy * w)},${p(by - ux * w)} Z`;
}

/** The Ws self-loop of the folded cell: an arc leaving the right side and entering the top. */
export function selfLoop(cx, cy, grid) {
  const r = grid.w / 2;
  const sx = cx + r + 4;
  const sy = cy - 4;
  const ex = cx + 6;
  const ey = cy - grid.h / 2 - 4;
  return {
    d: `M${sx},${sy} C${sx + 48},${sy - 10} ${ex + 34},${ey - 58} ${ex},${ey}`,
    head: arrowHead([ex + 6, ey - 14], [ex, ey]),
    label: [sx + 30, ey - 30],
  };
}
