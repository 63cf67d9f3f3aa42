// Client checks against the server's limits.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_LIMITS, checkControl, checkState, fullFits, linkErrors, normsOnlyNote, readLimits,
} from "../../static/js/limits.js";
import { defaultState, stateFromHash } from "../../static/js/state.js";

const L = DEFAULT_LIMITS;

test("T in range passes; out of range, empty or not a whole number names the range", () => {
  assert.deepEqual(checkControl("T", "30", L), { value: 30 });
  assert.equal(checkControl("T", "1e9", L).error, "T must be 1–1000, got 1e9");
  assert.equal(checkControl("T", "0", L).error, "T must be 1–1000, got 0");
  assert.equal(checkControl("T", "-3", L).error, "T must be 1–1000, got -3");
  assert.match(checkControl("T", "", L).error, /from 1 to 1000; the field is empty/);
  assert.match(checkControl("T", "2.5", L).error, /whole number/);
  assert.match(checkControl("T", "abc", L).error, /whole number/);
});

test("the limits come from the page's data, with api.md's as the fallback", () => {
  const limits = readLimits({ limits: { max_T: 50, max_n_hidden: "x" } });
  assert.equal(limits.max_T, 50);
  assert.equal(limits.max_n_hidden, 256);
  assert.equal(checkControl("T", "51", limits).error, "T must be 1–50, got 51");
  assert.equal(checkControl("H", "257", L).error, "hidden size must be 1–256, got 257");
});

test("custom sequences: numbers only, at most max_T of them", () => {
  assert.deepEqual(checkControl("xs", "1, 2", L), { value: "1, 2" });
  assert.match(checkControl("xs", "1, x", L).error, /list of numbers/);
  assert.match(checkControl("ds", "1,2,3", { ...L, max_T: 2 }).error, /at most 2 values, got 3/);
});

test("a whole state's bad values", () => {
  assert.deepEqual(checkState(defaultState(), L), {});
  assert.deepEqual(Object.keys(checkState({ ...defaultState(), T: 40 }, { ...L, max_T: 20 })), ["T"]);
});

test("detail full fits when T²·H·(H+n_in) is within the limit", () => {
  assert.equal(fullFits({ T: 100, H: 3 }, L), true);
  assert.equal(fullFits({ T: 100, H: 64 }, L), false); // 10⁴·64·65 = 41.6 M
  assert.equal(fullFits({ T: 1000, H: 1 }, L), true); // 10⁶·1·2 = 2 M
  assert.equal(fullFits({ T: 1000, H: 2 }, L), false);
  assert.match(normsOnlyNote({ T: 100, H: 64 }, L), /41,600,000 numbers, over the server's limit of 4,000,000/);
});

test("a link's unusable T is named, with what is shown instead", () => {
  const hash = "#T=5000&H=2";
  const errors = linkErrors(hash, stateFromHash(hash), L);
  assert.deepEqual(Object.keys(errors), ["T"]);
  assert.equal(errors.T.raw, "5000");
  assert.match(errors.T.message, /T must be 1–1000, got 5000 \(from the link; 3 is shown\)/);
});
