// The gradient-flow lab's numbers: pure functions of /api/bptt answers, no DOM, no fetch.

/** Every number of a (nested) array, in row-major order; null stays null. */
export function flatten(m) {
  return Array.isArray(m) ? m.flatMap(flatten) : [m];
}

/** ‖a‖₂ of a flat list (null when any entry is missing or not finite). */
function l2(values) {
  if (!values.every(Number.isFinite)) return null;
  return Math.sqrt(values.reduce((acc, v) => acc + v * v, 0));
}

/**
 * The gap between full and truncated BPTT for one weight: ‖g − g_K‖_F, ‖g − g_K‖ / ‖g‖ and
 * cos(g, g_K) = ⟨g, g_K⟩ / (‖g‖ ‖g_K‖). Null where a value overflowed or a norm is zero.
 */
export function gap(full, trunc) {
  const a = flatten(full);
  const b = flatten(trunc);
  if (a.length !== b.length) throw new Error(`shapes differ: ${a.length} vs ${b.length} entries`);
  const na = l2(a);
  const nb = l2(b);
  const diff = na === null || nb === null ? null : l2(a.map((v, i) => v - b[i]));
  const dot = na === null || nb === null ? null : a.reduce((acc, v, i) => acc + v * b[i], 0);
  return {
    full: na,
    truncated: nb,
    diff,
    rel: diff !== null && na > 0 ? diff / na : null,
    cosine: dot !== null && na > 0 && nb > 0 ? Math.max(-1, Math.min(1, dot / (na * nb))) : null,
  };
}

/** gap() for each named weight, from two /api/bptt answers (full BPTT and truncated). */
export function gradientGap(full, trunc, names = ["Ws", "Wx"]) {
  return Object.fromEntries(names.map((n) => [n, gap(full.grads[n], trunc.grads[n])]));
}

/**
 * ‖∂s_T/∂s_k‖₂ against the lag T − k (k = T … 1), with the geometric bound
 * ‖∂s_T/∂s_k‖ ≤ (‖Ws‖₂ · γ)^(T−k), since ∂s_t/∂s_{t−1} = diag(Φ'(z_t)) Wsᵀ.
 */
export function decaySeries(data) {
  const T = data.T;
  const row = data.flow.jacobian ? data.flow.jacobian[T - 1] : new Array(T).fill(null); // null: over the server's budget
  const { ws_spectral_norm: norm, gamma } = data.diagnostics;
  const base = norm !== null && gamma !== null ? norm * gamma : null;
  const lag = [];
  const value = [];
  const bound = [];
  for (let k = T; k >= 1; k -= 1) {
    lag.push(T - k);
    value.push(row[k - 1]);
    bound.push(base === null ? null : base ** (T - k));
  }
  return { lag, value, bound, base };
}

/**
 * Least-squares slope of log10(value) against the lag, over the positive finite values
 * with lag ≥ 1 (lag 0 is ∂s_T/∂s_T = I): about log10 of the per-step factor, so negative
 * when gradients vanish and positive when they explode. Null with fewer than two points.
 */
export function logSlope(lag, value) {
  const pts = lag
    .map((x, i) => [x, value[i]])
    .filter(([x, v]) => x >= 1 && Number.isFinite(v) && v > 0)
    .map(([x, v]) => [x, Math.log10(v)]);
  if (pts.length < 2) return null;
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx > 0 ? sxy / sxx : null;
}

/** log10 of every entry of a T×T flow matrix; null where it is null, zero or not finite. */
export function logGrid(m) {
  return m.map((row) => row.map((v) => (Number.isFinite(v) && v > 0 ? Math.log10(v) : null)));
}

/**
 * What the spectrum says: ‖Ws‖₂·γ < 1 guarantees vanishing (the bound decays);
 * ρ(Ws)·γ > 1 lets gradients grow along the leading eigenvector (exploding, if Φ' stays near γ).
 */
export function regime({ ws_spectral_radius: rho, ws_spectral_norm: norm, gamma }) {
  if (rho === null || norm === null || gamma === null) return "overflow";
  if (norm * gamma < 1) return "vanishing";
  if (rho * gamma > 1) return "exploding";
  return "borderline";
}

/**
 * What the measured decay says: the per-step factor 10^slope of ‖∂s_T/∂s_k‖ below 1 is
 * vanishing, above 1 exploding (within ±1 % per step: neither). Null without a slope.
 */
export function measuredRegime(slope, tolerance = 0.0043) {
  if (slope === null || slope === undefined || !Number.isFinite(slope)) return null;
  if (slope < -tolerance) return "vanishing";
  if (slope > tolerance) return "exploding";
  return "borderline";
}
