// Trained weights in a link or a file: exact round trip, shapes checked against the model.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  FILE_KIND, LINK_MAX_CHARS, checkWeights, decodeWeights, encodeWeights, fromBase64Url, readWeightsFile, toBase64Url,
  weightShapes, weightsFile,
} from "../../static/js/weightslink.js";

const RNN = { cell: "rnn", n_in: 1, n_hidden: 3, n_out: 1, activation: "tanh", output: "linear", loss: "squared_error", seed: 0 };
const weights = {
  Wx: [[0.1, -0.2, 1e-17]],
  Ws: [[1 / 3, 2, -3], [4, 5.000000000000001, 6], [7, 8, Math.PI]],
  Wy: [[1], [-2], [Number.MIN_VALUE]],
};

test("a link's text gives back the very same float64 weights and step", async () => {
  const text = await encodeWeights({ weights, step: 7 });
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeWeights(text), { weights, step: 7, optimizerState: null });
});

const adam = { name: "adam", step: 7, m: { Wx: [[1e-3, -2e-3, 0]], Ws: weights.Ws, Wy: weights.Wy }, v: { Wx: [[1e-6, 4e-6, 0]], Ws: weights.Ws, Wy: weights.Wy } };

test("a link and a file carry the optimizer's state exactly; a missing or odd one is no state", async () => {
  const text = await encodeWeights({ weights, step: 7, optimizerState: adam });
  assert.deepEqual(await decodeWeights(text), { weights, step: 7, optimizerState: adam });
  const file = JSON.parse(JSON.stringify(weightsFile({ weights, step: 7, model: RNN, optimizerState: adam })));
  assert.deepEqual(file.optimizer_state, adam);
  assert.deepEqual(readWeightsFile(file, RNN).optimizerState, adam);
  assert.equal("optimizer_state" in weightsFile({ weights, step: 0, model: RNN }), false);
  assert.equal(readWeightsFile({ ...file, optimizer_state: [1, 2] }, RNN).optimizerState, null);
  assert.equal(readWeightsFile({ ...file, optimizer_state: { step: 7 } }, RNN).optimizerState, null);
});

test("base64url round-trips every byte value", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
  assert.throws(() => fromBase64Url("a+b/"));
});

test("a damaged link gives a message, not an exception from the stream", async () => {
  const text = await encodeWeights({ weights, step: 1 });
  await assert.rejects(decodeWeights(text.slice(0, 10)), /damaged/);
  await assert.rejects(decodeWeights("not*base64"), /damaged/);
});

test("shapes follow the cell's gate blocks", () => {
  assert.deepEqual(weightShapes(RNN), { Wx: [1, 3], Ws: [3, 3], Wy: [3, 1] });
  assert.deepEqual(weightShapes({ ...RNN, cell: "lstm", n_in: 2, n_hidden: 4, n_out: 5 }), { Wx: [2, 16], Ws: [4, 16], Wy: [4, 5] });
  assert.deepEqual(weightShapes({ ...RNN, cell: "gru" }).Ws, [3, 9]);
});

test("checkWeights names each matrix that does not fit and what it needs", () => {
  assert.deepEqual(checkWeights(weights, RNN), []);
  const errs = checkWeights(weights, { ...RNN, n_hidden: 4 });
  assert.equal(errs.length, 3);
  assert.match(errs[1], /^Ws is 3×3, this model \(rnn, H = 4, 1 input, 1 output\) needs 4×4$/);
  assert.deepEqual(checkWeights({ Wx: weights.Wx, Wy: weights.Wy }, RNN), ["Ws is missing"]);
  assert.match(checkWeights({ ...weights, Ws: [[1, 2, 3], [4, 5]] }, RNN)[0], /rows of different lengths/);
  assert.match(checkWeights({ ...weights, Wy: [[1], [null], [2]] }, RNN)[0], /Wy\[2\]\[1\] is null, not a finite number/);
  assert.match(checkWeights({ ...weights, bs: [0, 0, 0] }, RNN)[0], /bs: the page's models have no biases/);
  assert.deepEqual(checkWeights([], RNN), ["the weights are not an object {Wx, Ws, Wy}"]);
});

test("a weights file carries its model and is read back only for a model it fits", () => {
  const json = JSON.parse(JSON.stringify(weightsFile({ weights: { ...weights, bs: null }, step: 12, model: RNN, task: "" })));
  assert.equal(json.kind, FILE_KIND);
  assert.equal("bs" in json.weights, false);
  assert.deepEqual(readWeightsFile(json, RNN), { weights, step: 12, optimizerState: null });
  assert.throws(() => readWeightsFile(json, { ...RNN, n_hidden: 4 }), /do not fit: .*The file was saved from this model \(rnn, H = 3/);
  assert.throws(() => readWeightsFile({ frames: [] }, RNN), /Not a weights file/);
});

test("a small model's link stays far under the limit; a large one goes over it", async () => {
  const random = (r, c) => Array.from({ length: r }, () => Array.from({ length: c }, () => Math.random() - 0.5));
  const small = await encodeWeights({ weights: { Wx: random(1, 8), Ws: random(8, 8), Wy: random(8, 1) }, step: 3 });
  assert.ok(small.length < LINK_MAX_CHARS / 4, small.length);
  const large = await encodeWeights({ weights: { Wx: random(1, 40), Ws: random(40, 40), Wy: random(40, 1) }, step: 3 });
  assert.ok(large.length > LINK_MAX_CHARS, large.length);
});
