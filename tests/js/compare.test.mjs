import assert from "node:assert/strict";
import { test } from "node:test";

import { decayOf, labCellBody } from "../../static/js/compare.js";

const graphBody = {
  model: { n_in: 1, n_hidden: 3, n_out: 1, activation: "tanh", seed: 4, cell: "lstm", weights: { Ws: [[1]] } },
  inputs: [[0.1], [0.2]],
  targets: [[0.2], [0.3]],
  loss_steps: "last",
  truncate: 1,
  c0: [0.5, 0.5, 0.5],
  detail: "full",
};

test("another cell's lab body keeps the graph's data and drops the trained weights", () => {
  const body = labCellBody(graphBody, "gru", { act: "relu", rho: 0 });
  assert.deepEqual(body.model, { n_in: 1, n_hidden: 3, n_out: 1, activation: "tanh", seed: 4, cell: "gru" });
  assert.equal(body.inputs, graphBody.inputs);
  assert.equal(body.targets, graphBody.targets);
  assert.equal(body.truncate, 1);
  assert.equal(body.detail, "norms");
  assert.equal(body.jacobian, false, "the decay plot needs flow.state only");
  assert.ok(!("c0" in body), "c0 is the LSTM's only");
});

test("the plain RNN takes the page's Φ and the lab's ρ; the LSTM keeps c0", () => {
  const rnn = labCellBody({ ...graphBody, model: { ...graphBody.model, cell: "gru" }, c0: undefined }, "rnn", { act: "relu", rho: 1.5 });
  assert.equal(rnn.model.activation, "relu");
  assert.equal(rnn.model.ws_spectral_radius, 1.5);
  assert.ok(!("cell" in rnn.model));
  const lstm = labCellBody(graphBody, "lstm");
  assert.deepEqual(lstm.c0, [0.5, 0.5, 0.5]);
});

test("decayOf reads the last row of flow.state against the lag, skipping holes", () => {
  const data = { T: 3, flow: { state: [[1, null, null], [2, 3, null], [0.25, null, 1]] } };
  assert.deepEqual(decayOf(data), { lag: [0, 2], value: [1, 0.25] });
});
