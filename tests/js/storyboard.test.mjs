// The storyboard's file and link forms.
import assert from "node:assert/strict";
import { test } from "node:test";

import { boardJson, fromBase64Url, parseBoard, toBase64Url } from "../../static/js/storyboard.js";

test("a storyboard survives its file form and its link form, frame by frame", () => {
  const frames = [{ hash: "#T=4&step=3", note: "the forward pass" }, { hash: "#act=sigmoid&view=folded", note: "σ′ ≤ ¼ — folded" }];
  const text = JSON.stringify(boardJson(frames));
  assert.deepEqual(parseBoard(JSON.parse(text)), frames);
  const link = toBase64Url(text);
  assert.match(link, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(parseBoard(JSON.parse(fromBase64Url(link))), frames);
});

test("a frame's view passes through the state table: unknown keys and bad values fall away", () => {
  const [f] = parseBoard({ format: "bptt-storyboard/1", frames: [{ hash: "#T=5&nope=1&H=-3", note: 7 }] });
  assert.deepEqual(f, { hash: "#T=5", note: "7" });
});

test("what is not a storyboard is refused with what was expected", () => {
  assert.throws(() => parseBoard({ frames: [] }), /expected a storyboard/);
  assert.throws(() => parseBoard({ format: "bptt-storyboard/1", frames: [{ note: "x" }] }), /frame 1: expected a "hash"/);
});
