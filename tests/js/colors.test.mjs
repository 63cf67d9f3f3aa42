// Colour scales and log-scale arrow weights.
import assert from "node:assert/strict";
import { test } from "node:test";

import { arrowStyle, divergingColor, fmt, logLevel, maxAbs, puor } from "../../static/js/colors.js";

const rgb = (hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

test("the diverging scale is orange below zero, near-white at zero, purple above", () => {
  const [r0, g0, b0] = rgb(puor(0));
  assert.ok(Math.min(r0, g0, b0) > 240, "zero is near-white");
  const [rn, , bn] = rgb(puor(-1));
  assert.ok(rn > bn + 100, "negative end is orange/brown (red channel ≫ blue)");
  const [rp, gp, bp] = rgb(puor(1));
  assert.ok(bp > rp && bp > gp, "positive end is purple (blue channel highest)");
});

test("no red/green pair: the two ends differ in blue, not only in red versus green", () => {
  const [, , bn] = rgb(puor(-1));
  const [, , bp] = rgb(puor(1));
  assert.ok(bp - bn > 100);
});

test("the scale is monotone in lightness from either end to zero", () => {
  const light = (u) => rgb(puor(u)).reduce((a, b) => a + b, 0);
  for (const sign of [-1, 1]) {
    let prev = light(sign);
    for (let i = 9; i >= 0; i -= 1) {
      const cur = light((sign * i) / 10);
      assert.ok(cur >= prev - 1e-9, `lightness rises toward 0 at ${(sign * i) / 10}`);
      prev = cur;
    }
  }
});

test("values are clamped and scaled by the symmetric domain", () => {
  assert.equal(divergingColor(5, 1), puor(1));
  assert.equal(divergingColor(-0.5, 1), puor(-0.5));
  assert.equal(divergingColor(0.2, 0), puor(0));
  assert.equal(divergingColor(null, 1), "#9e9e9e");
});

test("maxAbs walks nested arrays and ignores nulls", () => {
  assert.equal(maxAbs([[1, -3], [null, 2]]), 3);
  assert.equal(maxAbs([]), 0);
});

test("log levels: 1 at the max, 0 six decades below, linear in the exponent", () => {
  assert.equal(logLevel(1, 1), 1);
  assert.equal(logLevel(1e-6, 1), 0);
  assert.equal(logLevel(1e-9, 1), 0);
  assert.ok(Math.abs(logLevel(1e-3, 1) - 0.5) < 1e-12);
  assert.equal(logLevel(0, 1), 0);
  assert.equal(logLevel(null, 1), 0);
  const thin = arrowStyle(0);
  const thick = arrowStyle(1);
  assert.ok(thick.width > thin.width && thick.opacity > thin.opacity);
});

test("numbers are short and readable", () => {
  assert.equal(fmt(0.123456), "0.123");
  assert.equal(fmt(0), "0");
  assert.equal(fmt(1.5e-7), "1.50e-7");
  assert.equal(fmt(null), "—");
});
