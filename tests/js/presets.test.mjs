import assert from "node:assert/strict";
import { test } from "node:test";

import {
  findPreset, presetList, presetMatches, presetPatch, registerPresets, withPreset,
} from "../../static/js/presets.js";
import { bpttRequest, defaultState, hashFromState, stateFromHash } from "../../static/js/state.js";

test("the built-in presets: the lecture's example, vanishing and exploding gradients", () => {
  const names = presetList().map((p) => p.name);
  for (const name of ["lecture", "vanishing", "exploding"]) assert.ok(names.includes(name), name);
  const lecture = findPreset("lecture").state;
  assert.equal(lecture.T, 3);
  assert.equal(lecture.loss, "last");
  assert.ok(lecture.H <= 3);
  const vanish = findPreset("vanishing").state;
  const explode = findPreset("exploding").state;
  assert.ok(vanish.rho > 0 && vanish.rho < 1 && vanish.act === "tanh", "ρ below 1/γ = 1");
  assert.ok(explode.rho > 1 && explode.act === "identity", "ρ above 1/γ = 1");
});

test("a preset patch resets the rest to defaults, keeps lecture mode, starts at step 0", () => {
  const current = { ...defaultState(), K: 5, seed: 9, lecture: 1, step: 7, view: "folded" };
  const next = { ...current, ...presetPatch("vanishing", current) };
  assert.equal(next.K, 0);
  assert.equal(next.seed, 0);
  assert.equal(next.lecture, 1);
  assert.equal(next.view, "folded");
  assert.equal(next.step, 0);
  assert.equal(next.preset, "vanishing");
  assert.equal(next.T, 20);
  assert.equal(bpttRequest(next).model.ws_spectral_radius, 0.5);
  assert.equal(presetPatch("no-such-preset", current), null);
});

test("a preset survives the URL and is dropped once one of its values changes", () => {
  const state = { ...defaultState(), ...presetPatch("exploding", defaultState()) };
  const back = stateFromHash(hashFromState(state));
  assert.deepEqual(back, state);
  assert.ok(presetMatches("exploding", back));
  assert.equal(withPreset(back), back);
  assert.equal(withPreset({ ...back, H: 5 }).preset, "");
  assert.equal(withPreset({ ...back, step: 3 }).preset, "exploding", "stepping keeps it");
});

test("registerPresets adds and replaces, and refuses unknown properties", () => {
  const before = presetList().length;
  registerPresets([{ name: "task-sine", label: "Task: sine", state: { T: 8, loss: "all" } }]);
  assert.equal(presetList().length, before + 1);
  registerPresets([{ name: "task-sine", label: "Task: sine (2)", state: { T: 9 } }]);
  assert.equal(presetList().length, before + 1);
  assert.equal(findPreset("task-sine").state.T, 9);
  assert.throws(() => registerPresets([{ name: "x", label: "x", state: { nope: 1 } }]), /unknown/);
  assert.throws(() => registerPresets([{ name: "y" }]), /needs a name/);
});
