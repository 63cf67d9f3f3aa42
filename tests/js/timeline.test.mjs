// The animation timeline and the running sums, checked against the golden /api/bptt vectors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  buildTimeline, droppedEdges, droppedKs, runningSums, stepFocus, stepWeights, termPath,
} from "../../static/js/timeline.js";
import { chosenStep, viewModel } from "../../static/js/viewmodel.js";

const golden = JSON.parse(readFileSync(new URL("../data/bptt-golden.json", import.meta.url), "utf8"));

/** A golden case as the page sees a response: expected values plus T and the weights used. */
function response(c) {
  return viewModel({ ...c.expected, T: c.request.inputs.length, weights: c.request.model.weights });
}

/** The running sums after every step, each continued from the one before (as the page steps). */
function accumulate(vm, steps) {
  const out = [];
  let sums = null;
  steps.forEach((_, i) => {
    sums = runningSums(vm, steps, i, sums);
    out.push(sums);
  });
  return out;
}

function assertClose(actual, expected, path, rtol = 1e-12) {
  if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, `${path}[${i}]`, rtol));
    return;
  }
  const tol = rtol * Math.max(Math.abs(expected), 1e-300) + 1e-15;
  assert.ok(Math.abs(actual - expected) <= tol, `${path}: expected ${expected}, got ${actual}`);
}

test("the lecture example walks forward, then E_3, y_3, s_3, s_2, s_1", () => {
  const data = response(golden.cases[0]);
  const steps = buildTimeline(data, { t: 3, mode: "one" });
  const active = steps.map((s) => stepFocus(s, 3).active.nodes[0] ?? null);
  assert.deepEqual(active, [null, "s_1", "s_2", "s_3", "E_3", "y_3", "s_3", "s_2", "s_1"]);
  assert.deepEqual(steps.filter((s) => s.kind === "term").map((s) => s.k), [3, 2, 1]);
});

for (const c of golden.cases) {
  test(`running sums end at each loss step's totals: ${c.name}`, () => {
    const data = response(c);
    for (const entry of data.raw.terms) {
      const steps = buildTimeline(data, { t: entry.t, mode: "one" });
      const last = accumulate(data, steps).at(-1);
      assertClose(last.Ws, entry.dE_dWs, `t=${entry.t} Ws`);
      assertClose(last.Wx, entry.dE_dWx, `t=${entry.t} Wx`);
    }
  });

  test(`all loss steps end at the total gradient: ${c.name}`, () => {
    const data = response(c);
    const steps = buildTimeline(data, { t: null, mode: "all" });
    const last = accumulate(data, steps).at(-1);
    assertClose(last.Ws, data.grads.Ws, "Ws");
    assertClose(last.Wx, data.grads.Wx, "Wx");
  });
}

test("truncation: only the kept terms are stepped through, the dropped ones are listed", () => {
  const c = golden.cases.find((x) => x.request.truncate === 2);
  const data = response(c);
  const steps = buildTimeline(data, { t: 4, mode: "one" });
  assert.deepEqual(steps.filter((s) => s.kind === "term").map((s) => s.k), [4, 3]);
  assert.deepEqual(droppedKs(4, 2), [1, 2]);
  assert.deepEqual(droppedKs(4, 0), []);
  assert.deepEqual(droppedKs(2, 5), []);
});

test("the chosen loss step falls back to the last one the response has", () => {
  const data = response(golden.cases[2]); // loss steps [2, 4]
  assert.equal(chosenStep(data, 2), 2);
  assert.equal(chosenStep(data, 3), 4);
  assert.equal(chosenStep({ lossSteps: [] }, 1), null);
});

test("a jump gives the same sums as stepping there one by one", () => {
  const data = response(golden.cases[0]);
  const steps = buildTimeline(data, { t: 3, mode: "one" });
  const stepped = accumulate(data, steps).at(-1);
  const jumped = runningSums(data, steps, steps.length - 1);
  assert.deepEqual(jumped.Ws, stepped.Ws);
  const back = runningSums(data, steps, 6, stepped); // backwards: summed again from the start
  assert.deepEqual(back.Ws, accumulate(data, steps)[6].Ws);
});

test("the accumulator starts at zero and adds exactly one term per term step", () => {
  const data = response(golden.cases[0]);
  const steps = buildTimeline(data, { t: 3, mode: "one" });
  const accs = accumulate(data, steps);
  assert.ok(accs.slice(0, 6).every((a) => a.added === null && a.Ws.flat().every((v) => v === 0)));
  assert.deepEqual(accs.map((a) => a.added?.k ?? null), [null, null, null, null, null, null, 3, 2, 1]);
});

test("a term's path runs from E_t down to s_k and its weight arrows", () => {
  assert.deepEqual(termPath(3, 2), {
    nodes: ["E_3", "y_3", "s_3", "s_2", "s_1", "x_2"],
    edges: ["Wy_3", "Ws_3", "Ws_2", "Wx_2"],
  });
  assert.deepEqual(termPath(1, 1).edges, ["Wy_1", "Ws_1", "Wx_1"]);
});

test("the folded view lights the cell's part of each step and names the step", async () => {
  const { foldedFocus } = await import("../../static/js/timeline.js");
  assert.deepEqual(foldedFocus({ kind: "forward", t: 2 }).nodes, ["s"]);
  assert.deepEqual(foldedFocus({ kind: "loss", t: 3 }).nodes, ["E"]);
  assert.deepEqual(foldedFocus({ kind: "output", t: 3 }).edges, ["Wy"]);
  const term = foldedFocus({ kind: "term", t: 3, k: 1 });
  assert.ok(term.backward && term.edges.includes("Ws_loop"));
  assert.match(term.note, /2 times back/);
});

test("an overflowed value (null in the JSON) has a NaN norm, not 0", async () => {
  const { norm } = await import("../../static/js/terms.js");
  assert.ok(Number.isNaN(norm([[1, null]])));
});

// ---------------------------------------------------------------- arrow widths (the page and the widget)

const cells = JSON.parse(readFileSync(new URL("../data/cells-golden.json", import.meta.url), "utf8"));

/** A gated golden case as the page's view-model (the cell from the request's model). */
function gated(name) {
  const c = cells.cases.find((x) => x.name === name) ?? cells.cases.find((x) => x.request.model.cell === name);
  return viewModel({ ...c.expected, T: c.request.inputs.length, weights: c.request.model.weights }, { model: c.request.model });
}

test("arrow widths: none forward, Wy_t from the loss on, each crossed edge by its error's norm", () => {
  for (const cell of ["rnn", "lstm", "gru"]) {
    const vm = cell === "rnn" ? response(golden.cases[0]) : gated(cell);
    const t = vm.lossSteps.at(-1);
    const steps = buildTimeline(vm, { t, mode: "one" });
    assert.equal(stepWeights(vm, steps[1]).size, 0, cell);
    assert.deepEqual([...stepWeights(vm, steps.find((s) => s.kind === "loss")).keys()], [`Wy_${t}`]);
    const term = steps.filter((s) => s.kind === "term").at(-1); // the oldest term: every edge crossed
    const w = stepWeights(vm, term);
    for (const k of vm.keptKs(t)) {
      assert.equal(w.get(`Ws_${k}`).norm, vm.deltaNorm(t, k), `${cell} Ws_${k}`);
      assert.equal(w.get(`Wx_${k}`).norm, vm.deltaNorm(t, k));
      if (cell === "lstm") {
        assert.equal(w.get(`f_${k}`).norm, vm.kappaNorm(t, k)); // the cell-state rail: ‖κ_{t,k}‖
        assert.equal(w.get(`o_${k}`).norm, vm.deltaNorm(t, k));
      } else assert.ok(!w.has(`f_${k}`));
      if (cell === "gru") assert.equal(w.get(`z_${k}`).norm, vm.sigmaNorm(t, k));
      else assert.ok(!w.has(`z_${k}`));
    }
  }
});

test("truncation cuts Ws, Wx, f and z of each dropped step", () => {
  assert.deepEqual(droppedEdges(4, 2), ["Ws_1", "Wx_1", "f_1", "z_1", "Ws_2", "Wx_2", "f_2", "z_2"]);
  assert.deepEqual(droppedEdges(4, 0), []);
  assert.deepEqual(droppedEdges(null, 2), []);
});
