// The lesson's steps and quantities, checked against the golden /api/bptt vectors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { lessonK, lessonSteps, percent, quantity, quotedKs, sub, timelineIndex } from "../../static/js/lessonsteps.js";
import { termPatch } from "../../static/js/linkedviews.js";
import { buildTimeline } from "../../static/js/timeline.js";
import { viewModel } from "../../static/js/viewmodel.js";
import { norm } from "../../static/js/terms.js";

const golden = JSON.parse(readFileSync(new URL("../data/bptt-golden.json", import.meta.url), "utf8"));
const cells = JSON.parse(readFileSync(new URL("../data/cells-golden.json", import.meta.url), "utf8"));
const T0 = golden.cases[0].request.inputs.length;

function response(c) {
  const T = c.request.inputs.length;
  const H = c.request.model.weights.Ws.length;
  const steps = c.expected.steps.map((st, i) => ({ d: c.request.targets[i], ...st })); // the API sends d
  return viewModel({
    ...c.expected, steps, T, weights: c.request.model.weights, s0: new Array(H).fill(0),
    diagnostics: { ws_spectral_radius: 0.9, ws_spectral_norm: 1.1, gamma: 1, finite: true, warnings: [] },
  });
}

test("timelineIndex names the same step as the animation's timeline, full and truncated", () => {
  for (const c of golden.cases) {
    const vm = response(c);
    for (const t of vm.lossSteps) {
      const steps = buildTimeline(vm, { t, mode: "one" });
      assert.equal(steps[timelineIndex(vm.T, t, "ready")].kind, "ready");
      assert.deepEqual(steps[timelineIndex(vm.T, t, "forward")], { kind: "forward", t: vm.T });
      assert.deepEqual(steps[timelineIndex(vm.T, t, "loss")], { kind: "loss", t });
      assert.deepEqual(steps[timelineIndex(vm.T, t, "output")], { kind: "output", t });
      for (const k of vm.keptKs(t)) assert.deepEqual(steps[timelineIndex(vm.T, t, k)], { kind: "term", t, k }, `${c.name} t=${t} k=${k}`);
    }
  }
});

test("every quantity a lesson step quotes is in the lecture example's answer, and equals it", () => {
  const c = golden.cases[0];
  const vm = response(c);
  const e = c.expected;
  // the gates step quotes the LSTM's answer (its patch switches the cell): tested below
  const plain = lessonSteps(vm).filter((s) => !s.patch.cell);
  const parts = plain.flatMap((s) => [...s.text, ...(s.note || [])]).filter((p) => p && p.q && !p.src);
  assert.ok(parts.length >= 20, `only ${parts.length} quantities quoted`);
  for (const p of parts) assert.ok(Number.isFinite(quantity(vm, p.q)), `${p.q} is ${quantity(vm, p.q)}`);
  const last = e.steps[T0 - 1];
  assert.equal(quantity(vm, `E:${T0}`), last.E);
  assert.equal(quantity(vm, `y:${T0}`), last.y[0]);
  assert.equal(quantity(vm, `s:${T0}`), norm(last.s));
  assert.equal(quantity(vm, "s:0"), 0);
  const entry = e.terms.find((x) => x.t === T0);
  assert.equal(quantity(vm, `Wy:${T0}`), norm(entry.dE_dWy));
  assert.equal(quantity(vm, `gWs:${T0}`), norm(entry.dE_dWs));
  for (const k of [1, 2, 3]) {
    assert.ok(Math.abs(quantity(vm, `CWs:${T0}:${k}`) - e.flow.Ws[T0 - 1][k - 1]) <= 1e-12 * (1 + e.flow.Ws[T0 - 1][k - 1]));
    assert.equal(quantity(vm, `J:${T0}:${k}`), e.flow.jacobian[T0 - 1][k - 1]);
  }
  assert.equal(quantity(vm, `CWs:${T0}:1`), 0, "s_0 = 0 makes the first Ws term zero");
});

test("the lesson walks the lecture's path in order, the first Ws term's zero explained", () => {
  const steps = lessonSteps(response(golden.cases[0]));
  assert.deepEqual(steps.map((s) => s.id), ["folded", "unfold", "forward", "loss", "wy", "ws", "wx", "general", "vanish", "gates", "truncate"]);
  assert.deepEqual(steps.find((s) => s.id === "gates").patch, { cell: "lstm", flow: "cell" });
  assert.ok(steps.find((s) => s.id === "ws").note.some((p) => p.q === `CWs:${T0}:1`));
  assert.deepEqual(steps.filter((s) => s.predict).map((s) => s.predict.kind), ["terms", "norm"]);
  assert.deepEqual(steps.find((s) => s.id === "truncate").patch, { K: 2 });
});

test("why gates quotes the LSTM's forget gate, κ and ∂E/∂s from its answer, and the percentage of f", () => {
  const c = cells.cases.find((x) => x.request.model.cell === "lstm" && x.request.loss_steps === "last");
  const e = c.expected;
  const T = c.request.inputs.length;
  const H = c.request.model.n_hidden;
  const vm = viewModel({
    ...e, T, weights: c.request.model.weights, s0: new Array(H).fill(0),
    steps: e.steps.map((st, i) => ({ d: c.request.targets[i], ...st })),
    diagnostics: { ws_spectral_radius: 0.9, ws_spectral_norm: 1.1, gamma: 1, finite: true, warnings: [] },
  }, { model: c.request.model });
  const step = lessonSteps(vm).find((s) => s.id === "gates");
  const f = e.steps[T - 1].gates.f;
  const fMean = f.reduce((a, b) => a + b, 0) / f.length;
  assert.equal(quantity(vm, `f:${T}`), fMean);
  assert.equal(quantity(vm, `kappa:${T}:1`), e.flow.cell[T - 1][0]);
  assert.equal(quantity(vm, `dEs:${T}:1`), e.flow.state[T - 1][0]);
  const keys = step.text.filter((p) => p && p.q).map((p) => p.q);
  assert.deepEqual(keys, [`f:${T}`, `kappa:${T}:1`, `dEs:${T}:1`]);
  assert.ok(step.text.includes(`: ${percent(fMean)} of the error on that rail survives step ${T}. `));
  assert.equal(percent(fMean), `${Math.round(100 * fMean)} %`);
  assert.deepEqual(step.text.find((p) => p && p.q === `f:${T}`).hl, [`f_${T}`]);
  assert.deepEqual(step.note.filter((p) => p && p.q).map((p) => [p.q, p.src]), [[`dEs:${T}:1`, "rnn"]]);
});

test("quoted ks, K of the truncation step, subscripts", () => {
  assert.deepEqual(quotedKs(3), [3, 2, 1]);
  assert.deepEqual(quotedKs(9), [9, 8, 7, 1]);
  assert.equal(lessonK(1), 1);
  assert.equal(lessonK(3), 2);
  assert.equal(sub("3,12"), "₃,₁₂");
});

test("a click on term (t, k) asks for loss step t at the step that adds C_{t,k}", () => {
  assert.deepEqual(termPatch(3, [3], 3, 2), { mode: "one", t: 0, step: timelineIndex(3, 3, 2) });
  assert.deepEqual(termPatch(5, [5], 2, 1), { mode: "one", t: 2, step: timelineIndex(5, 2, 1), loss: "all" });
});
