// Symbols of generated text and their definitions: every key found has a definition.
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFINITIONS, defKeys, readable } from "../../static/js/definitions.js";
import { symbolKeys, symbolParts } from "../../static/js/symbols.js";

const defs = (text, cell) => symbolParts(text, { cell }).filter((p) => p.def).map((p) => [p.text, p.def]);

test("the step captions' symbols: C, the zero of s₀, and no word mistaken for one", () => {
  assert.deepEqual(defs("Term k = 1: C₃,₁ = ∂E₃/∂s₁ · ∂s₁/∂W is added to the sums. Its Ws term is 0: s₀ = 0, no earlier state."),
    [["C₃,₁", "C"], ["∂E₃/∂s₁", "sigma"], ["s₀ = 0", "zero_s0"]]);
  assert.deepEqual(defs("Check the gradients: Computed in 12 ms."), []);
});

test("a spectral norm keeps the symbols inside it", () => {
  const [part] = symbolParts("‖∂s_T/∂s_k‖₂").filter((p) => p.def);
  assert.equal(part.def, "norm2");
  assert.deepEqual(part.inner.filter((p) => p.def).map((p) => p.def), ["jacobian"]);
  assert.deepEqual(symbolKeys("ρ(Ws)·γ > 1 and ‖Ws‖₂, ‖Cᵂˢₜ,ₖ‖"), ["rho", "gamma", "norm2", "C"]);
  assert.deepEqual(symbolKeys("‖∂E_T/∂s_k‖ against T − k, ‖∂E₃/∂s₁‖ but not ∂E₃/∂Ws"), ["sigma"]);
});

test("σ( is the gate's logistic function, σ alone the error at the state", () => {
  assert.deepEqual(defs("σ(a) and σ₃,₂ and δ₃,₂ and κₜ,ₖ"), [["σ", "logistic"], ["σ₃,₂", "sigma"], ["δ₃,₂", "delta"], ["κₜ,ₖ", "kappa"]]);
});

test("the gate letters are symbols only in their own cell's text", () => {
  const lstm = "Forward step 2: gates i, f, g, o from x₂Wx + s₁Ws; c₂ = f₂ ⊙ c₁ + i₂ ⊙ g₂, s₂ = o₂ ⊙ tanh(c₂).";
  assert.deepEqual(symbolKeys(lstm, { cell: "lstm" }), ["i", "f", "g", "o", "c"]);
  assert.deepEqual(symbolKeys(lstm, { cell: "rnn" }), []);
  assert.deepEqual(symbolKeys("the error is multiplied by z₂ = 0.50 on the path z ⊙ s", { cell: "gru" }), ["z"]);
  assert.deepEqual(symbolKeys("z₂ is the pre-activation", { cell: "rnn" }), []);
});

test("every key found in text, and every key data-def names, has a definition", () => {
  const text = "s₀ = 0 ‖A‖₂ ∂sₜ/∂sₖ C δ σ( σ κ γ ρ ε Φ′";
  for (const key of symbolKeys(text)) assert.ok(key in DEFINITIONS, key);
  for (const cell of ["lstm", "gru"]) for (const key of symbolKeys("f i g o c r z n", { cell })) assert.ok(key in DEFINITIONS, key);
  assert.deepEqual(defKeys("norm2 jacobian nothing"), ["norm2", "jacobian"]);
  for (const key of ["delta", "sigma", "kappa", "C", "gamma", "rho", "norm2", "f", "i", "g", "o", "r", "z", "n", "c", "zero_s0"]) {
    assert.ok(DEFINITIONS[key].name && DEFINITIONS[key].text && typeof DEFINITIONS[key].formula === "function", key);
  }
});

test("readable writes the sentences' indices as subscripts where Unicode has them", () => {
  assert.equal(readable("E_t and s_{k−1}, a^x_n"), "Eₜ and sₖ₋₁, aˣₙ");
  assert.equal(readable("s_T stays"), "s_T stays"); // no subscript capital T
});
