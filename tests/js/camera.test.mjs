// The camera's pan and the play pace.
import assert from "node:assert/strict";
import { test } from "node:test";

import { panTarget, stepMs } from "../../static/js/camera.js";

const view = { scrollLeft: 0, viewWidth: 1000, contentWidth: 5000, margin: 40 };

test("a span already in view does not move the camera", () => {
  assert.equal(panTarget({ ...view, left: 100, right: 200 }), null);
  assert.equal(panTarget({ ...view, scrollLeft: 2000, left: 2500, right: 2600 }), null);
});

test("a span outside the view is centred", () => {
  assert.equal(panTarget({ ...view, left: 3000, right: 3100 }), 2550);
  assert.equal(panTarget({ ...view, scrollLeft: 3000, left: 100, right: 200 }), 0); // clamped at 0
});

test("the span at the far right is clamped to the end of the content", () => {
  assert.equal(panTarget({ ...view, left: 4950, right: 4990 }), 4000);
});

test("inside the margin counts as out of view", () => {
  assert.equal(panTarget({ ...view, left: 970, right: 990 }), 480);
});

test("content narrower than the view never scrolls", () => {
  assert.equal(panTarget({ ...view, contentWidth: 800, left: 900, right: 950 }), null);
});

test("the lecture's pace for short timelines, a whole play in about 30 s for long ones", () => {
  assert.equal(stepMs("term", 9), 1000);
  assert.equal(stepMs("forward", 9), 650);
  const n = 203; // T = 100: ready, 100 forward, E, y, 100 terms
  assert.ok(Math.abs(stepMs("term", n) * n - 30000) < 1);
  assert.equal(stepMs("term", 9, 2), 500);
  assert.ok(stepMs("term", 100000, 1) >= 60, "never faster than the minimum step");
});
