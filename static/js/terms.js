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

/**
 * Frobenius norm of a matrix (nested lists) or Euclidean norm of a vector; NaN when an entry
 * is null (the API's stand-in for a value that overflowed), never a silent 0.
 */
export function norm(values) {
  let sum = 0;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "number") sum += v * v;
    else sum = Number.NaN;
  };
  walk(values);
  return Math.sqrt(sum);
}

/** Largest loss step whose general sum lists every term (beyond it: a window around the active one). */
export const LIST_ALL_MAX_T = 8;

/**
 * The terms a sum of loss step t writes out, in the lecture's order (k = t … 1): every k for
 * t ≤ LIST_ALL_MAX_T; beyond, the newest, the active term with `around` neighbours each side,
 * and the oldest, the rest folded into gaps {gap: [hi, lo]} (k = hi … lo, descending).
 */
export function shownTerms(t, activeK = null, { around = 1 } = {}) {
  if (t <= LIST_ALL_MAX_T) return termOrder(t);
  const keep = new Set([t, t - 1, 1]);
  if (activeK !== null && activeK >= 1 && activeK <= t) {
    for (let k = activeK - around; k <= activeK + around; k += 1) if (k >= 1 && k <= t) keep.add(k);
  }
  const out = [];
  let gap = null;
  for (let k = t; k >= 1; k -= 1) {
    if (keep.has(k)) {
      if (gap) out.push({ gap });
      gap = null;
      out.push(k);
    } else if (gap) gap[1] = k;
    else gap = [k, k];
  }
  return out;
}
