// Geometry of the unfolded graph.
import assert from "node:assert/strict";
import { test } from "node:test";

import { arrowHead, cellGrid, computeLayout, edges, MAX_CELLS, nodes, zoomWindow } from "../../static/js/layout.js";

test("every node and arrow of the unfolded graph is laid out once", () => {
  const layout = computeLayout({ T: 4, H: 3, width: 900 });
  const ids = nodes(layout).map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(ids.length, 1 + 4 * 4);
  assert.ok(ids.includes("s_0") && ids.includes("E_4") && ids.includes("x_1"));
  const weightEdges = edges(layout).filter((e) => e.kind !== "L").map((e) => e.id);
  assert.deepEqual(weightEdges.sort(), ["Ws_1", "Ws_2", "Ws_3", "Ws_4", "Wx_1", "Wx_2", "Wx_3", "Wx_4",
    "Wy_1", "Wy_2", "Wy_3", "Wy_4"]);
});

test("x at the bottom, s in the middle, y and E on top; columns left to right from s_0", () => {
  const layout = computeLayout({ T: 3, H: 2, width: 800 });
  const { rows, colX } = layout;
  assert.ok(rows.E < rows.y && rows.y < rows.s && rows.s < rows.x);
  for (let t = 1; t <= 3; t += 1) assert.ok(colX(t) > colX(t - 1));
  assert.ok(colX(3) < layout.width);
});

test("arrows point the right way: Ws rightwards, Wx and Wy upwards", () => {
  const layout = computeLayout({ T: 2, H: 3, width: 600 });
  for (const e of edges(layout)) {
    if (e.kind === "Ws") assert.ok(e.to[0] > e.from[0], e.id);
    else assert.ok(e.to[1] < e.from[1], e.id);
  }
});

test("small T fits the width; large T keeps a minimum column and scrolls", () => {
  const small = computeLayout({ T: 3, H: 3, width: 900 });
  assert.ok(small.width <= 900);
  const large = computeLayout({ T: 40, H: 3, width: 900 });
  assert.ok(large.width > 900);
  assert.ok(large.colW >= cellGrid(3).w + 40);
});

test("vectors up to 16 values are cells; larger ones collapse to a norm bar", () => {
  assert.equal(MAX_CELLS, 16);
  assert.deepEqual([cellGrid(3).cols, cellGrid(3).rows], [3, 1]);
  assert.deepEqual([cellGrid(16).cols, cellGrid(16).rows], [4, 4]);
  assert.equal(cellGrid(16).bar, false);
  assert.equal(cellGrid(17).bar, true);
});

test("arrow heads end exactly at the target point", () => {
  const d = arrowHead([0, 0], [10, 0], 4);
  assert.ok(d.startsWith("M10,0"));
});

test("semantic zoom: at long T the middle folds into gaps around the focus column", () => {
  assert.equal(zoomWindow(40, 20), null);
  const shown = zoomWindow(200, 100);
  for (const t of [1, 2, 92, 100, 108, 199, 200]) assert.ok(shown.has(t), `t = ${t}`);
  assert.ok(!shown.has(50) && !shown.has(150));
  assert.equal(zoomWindow(200, 1).size, zoomWindow(200, 100).size - 2, "at the edge the window keeps its width");
  const layout = computeLayout({ T: 200, H: 3, width: 900, shown });
  assert.deepEqual(layout.gaps.map((g) => [g.from, g.to]), [[3, 91], [109, 198]]);
  assert.ok(layout.collapsed(50) && !layout.collapsed(100));
  assert.ok(layout.width < computeLayout({ T: 200, H: 3, width: 900 }).width / 5);
  const ws = edges(layout).find((e) => e.id === "Ws_92");
  assert.ok(ws.to[0] > ws.from[0], "the arrow out of a gap points right");
  for (let t = 1; t <= 200; t += 1) assert.ok(layout.colX(t) >= layout.colX(t - 1), `t = ${t}`);
});
