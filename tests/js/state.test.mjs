// State ⇄ URL hash, request bodies and error placement.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bpttRequest, c0Of, checkC0, controlForLoc, defaultState, hashFromState, parseNumberList, requestChanged,
  sineSequence, stateFromHash,
} from "../../static/js/state.js";

test("defaults are the lecture's example: T = 3, loss at the last step, full BPTT", () => {
  const s = defaultState();
  assert.equal(s.T, 3);
  assert.equal(s.loss, "last");
  assert.equal(s.K, 0);
  assert.equal(hashFromState(s), "#");
});

test("state → hash → state is the identity", () => {
  const s = { ...defaultState(), T: 7, H: 5, act: "sigmoid", K: 2, t: 4, mode: "all", view: "folded", step: 9 };
  const h = hashFromState(s);
  assert.deepEqual(stateFromHash(h), s);
  assert.ok(h.includes("T=7") && h.includes("step=9") && !h.includes("seed="));
});

test("bad or unknown hash values fall back to the defaults", () => {
  const s = stateFromHash("#T=abc&act=softplus&H=-3&zzz=1&seed=4");
  assert.equal(s.T, 3);
  assert.equal(s.act, "tanh");
  assert.equal(s.H, 3);
  assert.equal(s.seed, 4);
});

test("only request properties trigger a new API request", () => {
  const a = defaultState();
  assert.equal(requestChanged(a, { ...a, step: 5, view: "folded", t: 2, mode: "all" }), false);
  assert.equal(requestChanged(a, { ...a, K: 1 }), true);
  assert.equal(requestChanged(a, { ...a, H: 4 }), true);
});

test("the request body carries the model, the sine sequence, loss steps and truncation", () => {
  const body = bpttRequest({ ...defaultState(), T: 4, H: 2, K: 2, loss: "all" });
  assert.equal(body.inputs.length, 4);
  assert.equal(body.targets.length, 4);
  assert.deepEqual(body.model, { n_in: 1, n_hidden: 2, n_out: 1, activation: "tanh", seed: 0 });
  assert.equal(body.truncate, 2);
  assert.equal(body.loss_steps, "all");
  assert.equal(body.detail, "full");
  assert.equal(bpttRequest(defaultState()).truncate, null);
  const { xs, ds } = sineSequence(4);
  assert.deepEqual(ds.slice(0, 3), xs.slice(1)); // the target is the next input
});

test("custom sequences are parsed from comma-separated text", () => {
  assert.deepEqual(parseNumberList("0.5, -2,3e-1"), [0.5, -2, 0.3]);
  assert.equal(parseNumberList("1, x"), null);
  assert.equal(parseNumberList(""), null);
  const body = bpttRequest({ ...defaultState(), seq: "custom", xs: "1, 2", ds: "3, 4" });
  assert.deepEqual(body.inputs, [[1], [2]]);
  assert.deepEqual(body.targets, [[3], [4]]);
});

test("a server error's loc names the control that shows it", () => {
  const s = defaultState();
  assert.equal(controlForLoc(["body", "model", "n_hidden"], s), "H");
  assert.equal(controlForLoc(["body", "model", "activation"], s), "act");
  assert.equal(controlForLoc(["body", "truncate"], s), "K");
  assert.equal(controlForLoc(["body", "inputs"], s), "T");
  assert.equal(controlForLoc(["body", "targets"], { ...s, seq: "custom" }), "ds");
  assert.equal(controlForLoc([], s), null);
});

test("c₀ is empty (zeros), one number for every unit or H numbers", () => {
  assert.deepEqual(checkC0("", 3), { value: "" });
  assert.deepEqual(checkC0("0.5", 3), { value: "0.5" });
  assert.deepEqual(checkC0("1, 2, 3", 3), { value: "1, 2, 3" });
  assert.match(checkC0("1, 2", 3).error, /1 number or H = 3, got 2/);
  assert.match(checkC0("a", 3).error, /numbers separated by commas/);
  const lstm = { ...defaultState(), cell: "lstm", H: 3 };
  assert.deepEqual(c0Of({ ...lstm, c0: "0.5" }), [0.5, 0.5, 0.5]);
  assert.equal(c0Of({ ...lstm, c0: "" }), null);
  assert.equal(c0Of({ ...lstm, cell: "gru", c0: "0.5" }), null);
  assert.deepEqual(bpttRequest({ ...lstm, c0: "1, 2" }).c0, [1, 2], "the server names a wrong length");
  assert.ok(!("c0" in bpttRequest(lstm)));
});
