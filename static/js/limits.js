// The server's limits (GET /api/limits, embedded in the page's initial data) and the checks a
// control's value passes before it is sent or written into the URL. Pure: no DOM, no fetch.

import { checkC0, parseNumberList } from "./state.js";

/** The limits api.md promises, used until the server's own arrive. */
export const DEFAULT_LIMITS = {
  max_T: 1000,
  max_n_hidden: 256,
  max_n_io: 64,
  max_full_numbers: 4_000_000,
  max_train_steps: 5000,
  max_compute_seconds: 6,
  max_response_numbers: 3_000_000,
};

/** The limits in the page's initial data merged over the defaults (unknown keys ignored). */
export function readLimits(pageData) {
  const given = (pageData && pageData.limits) || {};
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS)) {
    if (typeof given[key] === "number" && Number.isFinite(given[key]) && given[key] > 0) out[key] = given[key];
  }
  return out;
}

/** A whole number typed into a field: {value} or {error} naming the field and its range. */
export function checkInt(raw, { label, min, max }) {
  const text = String(raw ?? "").trim();
  const range = `${label} must be a whole number from ${min} to ${max}`;
  if (text === "") return { error: `${range}; the field is empty` };
  // Number("1e9") is fine to parse: the value is only compared, never used to build arrays
  const v = Number(text);
  if (!Number.isFinite(v)) return { error: `${range}, got "${text}"` };
  if (!Number.isInteger(v)) return { error: `${range}, got ${text}` };
  if (v < min || v > max) return { error: `${label} must be ${min}–${max}, got ${text}` };
  return { value: v };
}

/**
 * Check a Model control's raw text against the limits: {value} (the typed value) or {error}
 * (a message for beside the field). T, H and the seed are whole numbers; custom sequences are
 * lists of finite numbers of at most max_T entries; the LSTM's c₀ is 1 or H numbers (`H`).
 */
export function checkControl(name, raw, limits, { H = 1 } = {}) {
  if (name === "c0") return checkC0(raw, H);
  if (name === "T") return checkInt(raw, { label: "T", min: 1, max: limits.max_T });
  if (name === "H") return checkInt(raw, { label: "hidden size", min: 1, max: limits.max_n_hidden });
  if (name === "seed") return checkInt(raw, { label: "seed", min: 0, max: 4294967295 });
  if (name === "xs" || name === "ds") {
    const label = name === "xs" ? "inputs" : "targets";
    const values = parseNumberList(raw);
    if (!values) return { error: `${label}: a list of numbers separated by commas, e.g. 0.5, -0.2, 0.9` };
    if (values.length > limits.max_T) return { error: `${label}: at most ${limits.max_T} values, got ${values.length}` };
    return { value: String(raw) };
  }
  return { value: raw };
}

/** The messages of a whole state (a link can carry anything): {name: message} of its bad values. */
export function checkState(state, limits) {
  const errors = {};
  for (const name of ["T", "H"]) {
    const r = checkControl(name, String(state[name]), limits);
    if (r.error) errors[name] = r.error;
  }
  if (state.cell === "lstm") {
    const r = checkC0(state.c0, state.H);
    if (r.error) errors.c0 = r.error;
  }
  if (state.seq === "custom") {
    for (const name of ["xs", "ds"]) {
      const r = checkControl(name, state[name], limits);
      if (r.error) errors[name] = r.error;
    }
  }
  return errors;
}

/** Whether detail "full" fits the limit: T²·H·(H + n_in) ≤ max_full_numbers. */
export function fullFits({ T, H, nIn = 1 }, limits) {
  return T * T * H * (H + nIn) <= limits.max_full_numbers;
}

/** Why the page draws norms only: a sentence naming the numbers and the limit. */
export function normsOnlyNote({ T, H, nIn = 1 }, limits) {
  const n = T * T * H * (H + nIn);
  return `Norms only: every term at T = ${T}, H = ${H} would be ${n.toLocaleString("en")} numbers, `
    + `over the server's limit of ${limits.max_full_numbers.toLocaleString("en")}; the graph and the sums show norms.`;
}

/**
 * The messages about a link's own values for T and H that could not be used (out of range,
 * not numbers): {name: {raw, message}}; the page shows the defaults and says why.
 */
export function linkErrors(hash, state, limits) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const out = {};
  for (const name of ["T", "H"]) {
    const raw = params.get(name);
    if (raw === null || String(state[name]) === raw.trim()) continue;
    const r = checkControl(name, raw, limits);
    out[name] = { raw, message: `${r.error ?? `${name} = ${raw} cannot be used`} (from the link; ${state[name]} is shown)` };
  }
  return out;
}
