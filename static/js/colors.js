// Colour scales and log-scale weights: pure functions, no DOM.
//
// Diverging scale: PuOr (ColorBrewer), colour-blind safe. Negative values are orange/brown,
// zero is near-white, positive values are purple. Never red/green.

/** PuOr stops from -1 (dark orange) through 0 (near-white) to +1 (dark purple). */
export const PUOR = [
  [-1.0, [179, 88, 6]],
  [-0.75, [224, 130, 20]],
  [-0.5, [253, 184, 99]],
  [-0.25, [254, 224, 182]],
  [0.0, [247, 247, 247]],
  [0.25, [216, 218, 235]],
  [0.5, [178, 171, 210]],
  [0.75, [128, 115, 172]],
  [1.0, [84, 39, 136]],
];

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

const hex2 = (n) => Math.round(n).toString(16).padStart(2, "0");

/** #rrggbb of an [r, g, b] triple. */
export function rgbHex([r, g, b]) {
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

/** Colour of u ∈ [-1, 1] on the PuOr scale (piecewise-linear between the stops). */
export function puor(u) {
  const v = Number.isFinite(u) ? clamp(u, -1, 1) : 0;
  for (let i = 1; i < PUOR.length; i += 1) {
    const [x1, c1] = PUOR[i];
    if (v <= x1) {
      const [x0, c0] = PUOR[i - 1];
      const f = (v - x0) / (x1 - x0);
      return rgbHex(c0.map((c, j) => c + f * (c1[j] - c)));
    }
  }
  return rgbHex(PUOR[PUOR.length - 1][1]);
}

/** Colour of value under a symmetric domain [-maxAbs, maxAbs]; maxAbs 0 maps everything to white. */
export function divergingColor(value, maxAbs) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "#9e9e9e";
  return puor(maxAbs > 0 ? value / maxAbs : 0);
}

/** Text colour that stays readable on a PuOr cell of u ∈ [-1, 1]. */
export function textOn(u) {
  return Math.abs(u) > 0.6 ? "#ffffff" : "#1a1a1a";
}

/** Largest |v| in a (nested) array of numbers; nulls and non-finite values are ignored. */
export function maxAbs(values) {
  let m = 0;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "number" && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  };
  walk(values);
  return m;
}

/**
 * Position of a norm on a log scale relative to the largest norm: 1 at `max`,
 * 0 at `max / 10**decades` or below (and for 0, null or non-finite norms).
 * Vanishing gradients therefore fade smoothly instead of jumping to nothing.
 */
export function logLevel(norm, max, decades = 6) {
  if (!(norm > 0) || !(max > 0) || !Number.isFinite(norm)) return 0;
  const r = Math.log10(norm / max);
  return clamp(1 + r / decades, 0, 1);
}

/** Stroke width and opacity of an arrow carrying a gradient of the given log level. */
export function arrowStyle(level, { minWidth = 1, maxWidth = 9, minOpacity = 0.15 } = {}) {
  const l = clamp(level, 0, 1);
  return { width: minWidth + l * (maxWidth - minWidth), opacity: minOpacity + l * (1 - minOpacity) };
}

/** Short human number: 3 significant digits, exponent form for very small or large values. */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}
