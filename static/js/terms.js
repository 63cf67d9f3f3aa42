// The chain-rule structure of the BPTT terms, as in the lecture. Pure: no DOM.
//
// ∂E_t/∂W = Σ_k ∂E_t/∂y_t · ∂y_t/∂s_t · ∂s_t/∂s_{t-1} ⋯ ∂s_{k+1}/∂s_k · ∂s_k/∂W, W ∈ {Ws, Wx}

/** Largest loss step whose sums are written out term by term (beyond it: the general Σ). */
export const EXPAND_MAX_T = 4;

/** The order the lecture writes the terms in: k = t, t−1, …, 1. */
export function termOrder(t) {
  return Array.from({ length: t }, (_, i) => t - i);
}

/**
 * The factors of term k of ∂E_t/∂W, each a pair [numerator, denominator] of symbols
 * written "name_index" (e.g. ["E_3", "y_3"], ["s_3", "s_2"], ["s_2", "Ws"]).
 */
export function termFactors(t, k, W) {
  const factors = [[`E_${t}`, `y_${t}`], [`y_${t}`, `s_${t}`]];
  for (let j = t; j > k; j -= 1) factors.push([`s_${j}`, `s_${j - 1}`]);
  factors.push([`s_${k}`, W]);
  return factors;
}

/** Frobenius norm of a matrix (nested lists) or Euclidean norm of a vector. */
export function norm(values) {
  let sum = 0;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "number") sum += v * v;
  };
  walk(values);
  return Math.sqrt(sum);
}
