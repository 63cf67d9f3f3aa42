// The lecture's chain-rule terms: order and factors.
import assert from "node:assert/strict";
import { test } from "node:test";

import { EXPAND_MAX_T, findTerm, norm, termFactors, termOrder } from "../../static/js/terms.js";

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

test("norms and term lookup", () => {
  assert.equal(norm([[3, 0], [0, 4]]), 5);
  const data = { terms: [{ t: 2, k: [{ k: 2, Ws: [[1]] }] }] };
  assert.deepEqual(findTerm(data, 2, 2).Ws, [[1]]);
  assert.equal(findTerm(data, 2, 1), undefined);
  assert.equal(findTerm(data, 3, 1), undefined);
});
