import assert from "node:assert/strict";
import { test } from "node:test";

import { decaySeries, gap, gradientGap, logGrid, logSlope, regime } from "../../static/js/flowlab.js";

const close = (a, b, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} is not ${b}`);

test("the gap of equal gradients is zero with cosine 1", () => {
  const g = [[1, -2], [0.5, 3]];
  const r = gap(g, g);
  assert.equal(r.diff, 0);
  assert.equal(r.rel, 0);
  close(r.cosine, 1);
  close(r.full, Math.sqrt(1 + 4 + 0.25 + 9));
});

test("the gap is the Frobenius norm of the difference and the cosine of the angle", () => {
  const full = [[3, 0]];
  const trunc = [[0, 4]];
  const r = gap(full, trunc);
  close(r.diff, 5);
  close(r.rel, 5 / 3);
  close(r.cosine, 0);
  const opposite = gap([[1, 2]], [[-2, -4]]);
  close(opposite.cosine, -1);
  close(opposite.diff, Math.sqrt(9 + 36));
});

test("a zero or overflowed gradient has no cosine, and shapes must agree", () => {
  assert.equal(gap([[0, 0]], [[1, 1]]).cosine, null);
  assert.equal(gap([[0, 0]], [[1, 1]]).rel, null);
  const overflow = gap([[null, 1]], [[1, 1]]);
  assert.equal(overflow.diff, null);
  assert.equal(overflow.cosine, null);
  assert.throws(() => gap([[1, 2]], [[1]]), /shapes differ/);
});

test("gradientGap compares Ws and Wx of two answers", () => {
  const a = { grads: { Ws: [[1, 0], [0, 1]], Wx: [[2, 2]] } };
  const b = { grads: { Ws: [[1, 0], [0, 0]], Wx: [[2, 2]] } };
  const r = gradientGap(a, b);
  assert.deepEqual(Object.keys(r), ["Ws", "Wx"]);
  close(r.Ws.diff, 1);
  close(r.Ws.cosine, 1 / Math.sqrt(2));
  assert.equal(r.Wx.diff, 0);
});

test("the decay series reads row T of the Jacobian norms, lag 0 first, with the bound", () => {
  const jac = [
    [1, null, null],
    [0.5, 1, null],
    [0.25, 0.5, 1],
  ];
  const data = { T: 3, flow: { jacobian: jac }, diagnostics: { ws_spectral_norm: 0.8, gamma: 1 } };
  const s = decaySeries(data);
  assert.deepEqual(s.lag, [0, 1, 2]);
  assert.deepEqual(s.value, [1, 0.5, 0.25]);
  close(s.bound[0], 1);
  close(s.bound[1], 0.8);
  close(s.bound[2], 0.64);
  assert.ok(s.value.every((v, i) => v <= s.bound[i]), "the bound holds here");
});

test("the log slope is log10 of the per-step factor, and ignores lag 0 and gaps", () => {
  const lag = [0, 1, 2, 3, 4];
  close(logSlope(lag, lag.map((l) => 0.5 ** l)), Math.log10(0.5), 1e-12);
  close(logSlope(lag, lag.map((l) => 3 * 2 ** l)), Math.log10(2), 1e-12);
  close(logSlope(lag, [7, 0.1, null, 0.001, 0]), -1, 1e-12); // points (1, -1), (3, -3)
  assert.equal(logSlope([0, 1], [1, 0.5]), null);
});

test("logGrid takes log10 and leaves holes where there is no positive number", () => {
  assert.deepEqual(logGrid([[100, null], [0, 0.001]]), [[2, null], [null, -3]]);
});

test("the regime follows ‖Ws‖·γ and ρ(Ws)·γ", () => {
  assert.equal(regime({ ws_spectral_radius: 0.4, ws_spectral_norm: 0.5, gamma: 1 }), "vanishing");
  assert.equal(regime({ ws_spectral_radius: 1.5, ws_spectral_norm: 2, gamma: 1 }), "exploding");
  assert.equal(regime({ ws_spectral_radius: 0.9, ws_spectral_norm: 1.2, gamma: 1 }), "borderline");
  assert.equal(regime({ ws_spectral_radius: 3, ws_spectral_norm: 3, gamma: 0.25 }), "vanishing");
  assert.equal(regime({ ws_spectral_radius: null, ws_spectral_norm: 2, gamma: 1 }), "overflow");
});

test("the measured regime: shrinking is vanishing, growing exploding, flat neither", async () => {
  const { measuredRegime } = await import("../../static/js/flowlab.js");
  assert.equal(measuredRegime(Math.log10(0.68)), "vanishing");
  assert.equal(measuredRegime(Math.log10(1.3)), "exploding");
  assert.equal(measuredRegime(0.001), "borderline");
  assert.equal(measuredRegime(null), null);
});
