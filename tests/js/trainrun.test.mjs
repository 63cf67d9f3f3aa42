// A training run as data: chunk requests that continue each other, history, client checks.
import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultState, hashFromState, stateFromHash } from "../../static/js/state.js";
import {
  CHUNK_STEPS, TASK_PRESETS, applyChunk, checkNumber, emptyRun, logEvery, lossStepSet, meanLoss,
  predictionSeries, runKey, runModel, sampleKey, trainControlForLoc, trainRequest,
} from "../../static/js/trainrun.js";

const SINE = { name: "sine", n_in: 1, n_out: 1, output: "linear", loss: "squared_error", default_T: 20 };
const CHARS = { name: "chars", n_in: 3, n_out: 3, output: "softmax", loss: "cross_entropy", default_T: 24 };

function chunk(step, losses, name = "adam") {
  return {
    weights: { Wx: [[step]], Ws: [[0.5]], Wy: [[1]] },
    optimizer_state: { name, step, m: {}, v: {} },
    history: losses.map((loss, i) => ({ step: step - losses.length + i + 1, loss, grad_norm: { Wx: 1, Ws: 1, Wy: 1 } })),
    diverged: false,
    step,
  };
}

test("the training settings round-trip through the URL hash", () => {
  const s = { ...defaultState(), task: "echo", opt: "momentum", lr: 0.003, clip: 2.5, K: 4 };
  const h = hashFromState(s);
  assert.deepEqual(stateFromHash(h), s);
  assert.ok(h.includes("task=echo") && h.includes("lr=0.003") && h.includes("clip=2.5"));
});

test("bad training values in a link fall back to the defaults", () => {
  const s = stateFromHash("#lr=abc&clip=-1&opt=rmsprop&task=mnist&K=1.5");
  const d = defaultState();
  assert.equal(s.lr, d.lr);
  assert.equal(s.clip, d.clip);
  assert.equal(s.opt, d.opt);
  assert.equal(s.task, d.task);
  assert.equal(s.K, d.K);
  assert.equal(stateFromHash("#lr=0").lr, d.lr, "lr must be > 0");
});

test("the first chunk starts fresh; the next one sends back weights, buffers and step", () => {
  const state = { ...defaultState(), task: "sine", T: 20, H: 4, seed: 7, lr: 0.02, clip: 1, K: 5 }; // the page's one K
  const first = trainRequest(state, SINE, emptyRun());
  assert.equal(first.steps, CHUNK_STEPS);
  assert.deepEqual(first.data, { task: { name: "sine", T: 20, seed: 7 } });
  assert.equal(first.model.weights, undefined);
  assert.equal(first.model.seed, 7);
  assert.equal(first.optimizer_state, null);
  assert.equal(first.start_step, 0);
  assert.equal(first.clip, 1);
  assert.equal(first.truncate, 5);
  assert.deepEqual(first.optimizer, { name: "adam", lr: 0.02 });

  const run = applyChunk(emptyRun(), chunk(25, [3, 2]));
  const next = trainRequest(state, SINE, run, { steps: 1 });
  assert.deepEqual(next.model.weights, run.weights);
  assert.deepEqual(next.optimizer_state, run.optimizerState);
  assert.equal(next.start_step, 25);
  assert.equal(next.steps, 1);
});

test("clipping and truncation at 0 are sent as null (off, full BPTT)", () => {
  const body = trainRequest({ ...defaultState(), task: "sine" }, SINE, emptyRun());
  assert.equal(body.clip, null);
  assert.equal(body.truncate, null);
});

test("without a task the run trains on the graph's fixed sequence", () => {
  const fixed = { inputs: [[0.1], [0.2]], targets: [[0.2], [0.3]], loss_steps: "last" };
  const body = trainRequest(defaultState(), null, emptyRun(), { fixed });
  assert.deepEqual(body.data, fixed);
  assert.equal(body.model.n_in, 1);
  assert.equal(body.model.output, "linear");
});

test("the model takes the task's sizes, output and loss", () => {
  const m = runModel({ ...defaultState(), H: 6, act: "relu" }, CHARS, null);
  assert.deepEqual(
    [m.n_in, m.n_hidden, m.n_out, m.activation, m.output, m.loss],
    [3, 6, 3, "relu", "softmax", "cross_entropy"],
  );
});

test("chunks append to the history; the mean loss compares the start with the end", () => {
  let run = applyChunk(emptyRun(), chunk(3, [4, 3, 2]));
  run = applyChunk(run, chunk(6, [1, null, 0.5]));
  assert.deepEqual(run.history.map((h) => h.step), [1, 2, 3, 4, 5, 6]);
  assert.equal(run.step, 6);
  assert.equal(meanLoss(run.history, 2), 3.5);
  assert.equal(meanLoss(run.history, 2, { last: true }), 0.5, "null losses are skipped");
  assert.equal(meanLoss([], 3), null);
  assert.equal(applyChunk(run, { ...chunk(7, [9]), diverged: true }).diverged, true);
});

test("the log gets sparser as the run gets long", () => {
  assert.equal(logEvery(0), 1);
  assert.ok(logEvery(5000) > 1);
  assert.ok(logEvery(50000) >= logEvery(5000));
});

test("client checks word their messages like the server and keep good values", () => {
  assert.deepEqual(checkNumber("0.05", { label: "learning rate" }), { value: 0.05 });
  assert.match(checkNumber("fast", { label: "learning rate" }).error, /learning rate must be a number, got "fast"/);
  assert.match(checkNumber("0", { label: "learning rate" }).error, /greater than 0/);
  assert.match(checkNumber("-1e-3", { label: "learning rate" }).error, /greater than 0/);
  assert.match(checkNumber("1e7", { label: "learning rate", max: 1e6 }).error, /at most 1000000/);
  assert.deepEqual(checkNumber("", { label: "clip", emptyIs: 0 }), { value: 0 });
  assert.match(checkNumber("", { label: "learning rate" }).error, /must be a number/);
});

test("server errors land beside the training control their loc names", () => {
  assert.equal(trainControlForLoc(["body", "optimizer", "lr"]), "lr");
  assert.equal(trainControlForLoc(["body", "optimizer", "name"]), "opt");
  assert.equal(trainControlForLoc(["body", "clip"]), "clip");
  assert.equal(trainControlForLoc(["body", "truncate"]), "tK");
  assert.equal(trainControlForLoc(["body", "model", "n_hidden"]), "H");
  assert.equal(trainControlForLoc(["body", "model", "n_in"]), "task");
  assert.equal(trainControlForLoc(["body", "data", "task", "T"]), "T");
  assert.equal(trainControlForLoc(["body", "data", "task", "bits"]), "task");
  assert.equal(trainControlForLoc(["query", "T"]), "T");
  assert.equal(trainControlForLoc([]), null);
});

test("a new model starts a new run; the optimizer and lr do not", () => {
  const s = { ...defaultState(), task: "sine" };
  assert.notEqual(runKey(s), runKey({ ...s, H: s.H + 1 }));
  assert.notEqual(runKey(s), runKey({ ...s, task: "echo" }));
  assert.equal(runKey(s), runKey({ ...s, lr: 0.5, opt: "sgd", clip: 1 }));
  assert.notEqual(sampleKey(s), sampleKey({ ...s, T: 30 }));
});

test("loss steps: all, last or a list", () => {
  assert.deepEqual([...lossStepSet("all", 3)], [1, 2, 3]);
  assert.deepEqual([...lossStepSet("last", 3)], [3]);
  assert.deepEqual([...lossStepSet([2, 3], 3)], [2, 3]);
});

test("sine predictions: input, target and prediction over t", () => {
  const sample = { inputs: [[0], [0.5], [1]], targets: [[0.5], [1], [0.5]], loss_steps: "all" };
  const s = predictionSeries(sample, [[0.1], [0.4], [0.9]], "sine");
  assert.deepEqual(s.t, [1, 2, 3]);
  assert.equal(s.inputs.length, 1);
  assert.deepEqual(s.inputs[0].values, [0, 0.5, 1]);
  assert.deepEqual(s.target.values, [0.5, 1, 0.5]);
  assert.deepEqual(s.prediction.values, [0.1, 0.4, 0.9]);
});

test("adding: two input columns, the target only at the last step", () => {
  const sample = { inputs: [[0.2, 1], [0.7, 0], [0.4, 1]], targets: [[0], [0], [0.6]], loss_steps: "last" };
  const s = predictionSeries(sample, [[0], [0.1], [0.5]], "adding");
  assert.deepEqual(s.inputs.map((i) => i.name), ["value", "marker"]);
  assert.deepEqual(s.target.values, [null, null, 0.6]);
});

test("chars: the probability of the correct next character, labelled by the input", () => {
  const sample = {
    inputs: [[1, 0, 0], [0, 1, 0]], targets: [[0, 1, 0], [0, 0, 1]], loss_steps: "all", labels: ["a", "b", "c"],
  };
  const s = predictionSeries(sample, [[0.2, 0.7, 0.1], [0.3, 0.3, 0.4]], "chars");
  assert.deepEqual(s.prediction.values, [0.7, 0.4]);
  assert.deepEqual(s.labels, ["a", "b"]);
  assert.equal(s.inputs.length, 0);
});

test("one preset per task, each naming only known state properties", async () => {
  const { PROPS } = await import("../../static/js/state.js");
  const known = new Set(PROPS.map((p) => p.name));
  const taskProp = PROPS.find((p) => p.name === "task");
  assert.deepEqual(
    TASK_PRESETS.map((p) => p.state.task).sort(),
    taskProp.options.filter(Boolean).sort(),
  );
  for (const preset of TASK_PRESETS) {
    for (const key of Object.keys(preset.state)) assert.ok(known.has(key), `${preset.name}: ${key}`);
  }
  assert.match(TASK_PRESETS[0].label, /Sine \(the lecture's notebook\)/);
});
