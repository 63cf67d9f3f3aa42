// The lecture's chain-rule terms: order and factors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { EXPAND_MAX_T, norm, shownTerms, termFactors, termOrder } from "../../static/js/terms.js";
import { viewModel } from "../../static/js/viewmodel.js";

test("terms are written k = t, t−1, …, 1 like the lecture", () => {
  assert.deepEqual(termOrder(3), [3, 2, 1]);
  assert.deepEqual(termOrder(1), [1]);
  assert.equal(EXPAND_MAX_T, 4);
});

test("the lecture's ∂E_3/∂Ws terms", () => {
  assert.deepEqual(termFactors(3, 3, "Ws"), [["E_3", "y_3"], ["y_3", "s_3"], ["s_3", "Ws"]]);
  assert.deepEqual(termFactors(3, 2, "Ws"), [["E_3", "y_3"], ["y_3", "s_3"], ["s_3", "s_2"], ["s_2", "Ws"]]);
  assert.deepEqual(termFactors(3, 1, "Wx").slice(2), [["s_3", "s_2"], ["s_2", "s_1"], ["s_1", "Wx"]]);
});

test("norms, and term lookup through the view-model", () => {
  assert.equal(norm([[3, 0], [0, 4]]), 5);
  const data = {
    T: 2, s0: [0], steps: [{ t: 1, x: [1], y: [0], E: null }, { t: 2, x: [1], y: [0], E: 1 }],
    grads: { Ws: [[1]], Wx: [[1]] },
    terms: [{ t: 2, dE_dWs: [[1]], dE_dWx: [[1]], dE_dWy: [[1]], k: [{ k: 2, Ws: [[3]], Wx: [[4]], dE_dz: [2] }] }],
  };
  const vm = viewModel(data);
  assert.deepEqual(vm.term(2, 2).Ws, [[3]]);
  assert.equal(vm.term(2, 1), null);
  assert.equal(vm.term(3, 1), null);
  assert.equal(vm.termNorm(2, 2, "Wx"), 4);
  assert.equal(vm.termNorm(2, 1, "Wx"), null);
  assert.deepEqual(vm.keptKs(2), [2]);
  assert.deepEqual(vm.lossSteps, [2]);
  assert.equal(vm.maxDelta, 2);
});

test("a long sum writes out the newest, the active term with its neighbours, and the oldest", () => {
  assert.deepEqual(shownTerms(3, null), [3, 2, 1]);
  assert.deepEqual(shownTerms(8, 4), [8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual(shownTerms(100, null), [100, 99, { gap: [98, 2] }, 1]);
  assert.deepEqual(shownTerms(100, 52), [100, 99, { gap: [98, 54] }, 53, 52, 51, { gap: [50, 2] }, 1]);
  assert.deepEqual(shownTerms(100, 2), [100, 99, { gap: [98, 4] }, 3, 2, 1]);
  assert.deepEqual(shownTerms(100, 100), [100, 99, { gap: [98, 2] }, 1]);
  const written = shownTerms(1000, 500).filter((x) => typeof x === "number");
  assert.equal(written.length, 6, "the number of written terms does not grow with t");
});
