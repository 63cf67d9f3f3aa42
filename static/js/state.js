// All user state in one object, described by a declarative table and serialised to the URL
// hash (TensorFlow Playground's state.ts idea), and the store that holds it with everything the
// server answered (the graph's answer, the training run, the lab's comparison). Pure: no DOM,
// no fetch.

import { runModel } from "./trainrun.js";

/**
 * The properties of the page state. `request: true` marks the ones that change the
 * /api/bptt request (a change re-queries the API); the others only change the drawing.
 */
export const PROPS = [
  { name: "T", type: "int", def: 3, min: 1, max: 1000, request: true },
  { name: "H", type: "int", def: 3, min: 1, max: 100000, request: true },
  { name: "cell", type: "enum", def: "rnn", options: ["rnn", "lstm", "gru"], request: true },
  { name: "act", type: "enum", def: "tanh", options: ["tanh", "sigmoid", "relu", "identity"], request: true },
  { name: "seed", type: "int", def: 0, min: 0, max: 4294967295, request: true },
  { name: "c0", type: "string", def: "", request: true }, // LSTM's c_0: "" zeros, one number for every unit, or H numbers
  { name: "loss", type: "enum", def: "last", options: ["last", "all"], request: true },
  { name: "K", type: "int", def: 0, min: 0, max: 1000, request: true }, // 0 = full BPTT; the lab and training follow it
  { name: "seq", type: "enum", def: "sine", options: ["sine", "custom"], request: true },
  { name: "xs", type: "string", def: "", request: true }, // custom inputs, comma-separated
  { name: "ds", type: "string", def: "", request: true }, // custom targets, comma-separated
  { name: "t", type: "int", def: 0, min: 0, max: 1000 }, // chosen loss step, 0 = last
  { name: "mode", type: "enum", def: "one", options: ["one", "all"] }, // one loss step / all
  { name: "view", type: "enum", def: "unfolded", options: ["unfolded", "folded"] },
  { name: "step", type: "int", def: 0, min: 0, max: 1000000 }, // animation step index
  { name: "speed", type: "float", def: 1, min: 0.25, max: 16 }, // play speed (× the lecture pace)
  { name: "follow", type: "int", def: 1, min: 0, max: 1 }, // the camera follows the active term
  { name: "fit", type: "int", def: 0, min: 0, max: 1 }, // the graph fitted to the panel's width
  { name: "zoom", type: "int", def: 1, min: 0, max: 1 }, // long T: the middle columns fold away
  { name: "gates", type: "int", def: 0, min: 0, max: 1 }, // gated cells: the animated step's gates drawn beside it
  { name: "gx", type: "int", def: 0, min: 0, max: 1000 }, // gated cells: a step expanded to its gates (0 = none)
  // training (training.js): "" = the page's own sequence, else a task whose sample the graph shows
  { name: "task", type: "enum", def: "", options: ["", "sine", "echo", "adding", "binary_addition", "chars"], request: true },
  { name: "opt", type: "enum", def: "adam", options: ["sgd", "momentum", "adam"] },
  { name: "lr", type: "float", def: 0.01, min: 1e-12, max: 1e6 },
  { name: "clip", type: "float", def: 0, min: 0, max: 1e6 }, // 0 = no clipping
  // exploration lab (lab.js), lecture mode (lecture.js), presets (presets.js)
  { name: "rho", type: "float", def: 0, min: 0, max: 100, request: true }, // ρ(Ws); 0 = as seeded
  { name: "flow", type: "enum", def: "Ws", options: ["Ws", "Wx", "state", "jacobian", "cell"] }, // flow map ("cell": the LSTM's κ)
  { name: "cmp", type: "enum", def: "long", options: ["long", "short"] }, // "why gates": the task compared
  { name: "lecture", type: "int", def: 0, min: 0, max: 1 },
  { name: "lesson", type: "int", def: 0, min: 0, max: 99 }, // guided lesson step (lesson.js), 0 = off
  { name: "preset", type: "string", def: "" },
  // trained weights carried by a share link (weightslink.js: deflate-raw, base64url); "" = none
  { name: "w", type: "string", def: "" },
];

const BY_NAME = new Map(PROPS.map((p) => [p.name, p]));

/** A fresh state with every default. */
export function defaultState() {
  return Object.fromEntries(PROPS.map((p) => [p.name, p.def]));
}

/** Parse one raw string into the property's type; undefined when it is not valid. */
export function parseValue(prop, raw) {
  if (raw === undefined || raw === null) return undefined;
  if (prop.type === "int") {
    if (!/^-?\d+$/.test(raw.trim())) return undefined;
    const v = Number.parseInt(raw, 10);
    return v >= prop.min && v <= prop.max ? v : undefined;
  }
  if (prop.type === "float") {
    const v = raw.trim() === "" ? Number.NaN : Number(raw);
    return Number.isFinite(v) && v >= prop.min && v <= prop.max ? v : undefined;
  }
  if (prop.type === "enum") return prop.options.includes(raw) ? raw : undefined;
  return String(raw);
}

/** State from a URL hash such as "#T=5&H=2&step=3"; unknown keys and bad values fall back to defaults. */
export function stateFromHash(hash) {
  const state = defaultState();
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  for (const [key, raw] of params) {
    const prop = BY_NAME.get(key);
    if (!prop) continue;
    const v = parseValue(prop, raw);
    if (v !== undefined) state[key] = v;
  }
  return state;
}

/** URL hash of a state; properties at their default are left out so links stay short. */
export function hashFromState(state) {
  const params = new URLSearchParams();
  for (const p of PROPS) {
    const v = state[p.name];
    if (v !== undefined && v !== p.def) params.set(p.name, String(v));
  }
  const s = params.toString();
  return s ? `#${s}` : "#";
}

/** True when two states differ in the animation step alone (a step redraws the step, not the controls). */
export function onlyStepChanged(a, b) {
  if (a === b || !a || !b || a.step === b.step) return false;
  return PROPS.every((p) => p.name === "step" || a[p.name] === b[p.name]);
}

/** True when the two states would send different /api/bptt requests. */
export function requestChanged(a, b) {
  return PROPS.some((p) => p.request && a[p.name] !== b[p.name]);
}

/** Parse "0.1, -2, 3e-1" into numbers; null if any entry is not a finite number. */
export function parseNumberList(text) {
  const parts = String(text).split(/[,\s;]+/).filter((s) => s.length > 0);
  const values = parts.map(Number);
  return values.length > 0 && values.every(Number.isFinite) ? values : null;
}

/**
 * The default "sine" sequence, like the lecture's sample notebook: the input is a sampled
 * sine wave and the target is the next sample (next-value prediction).
 */
export function sineSequence(T, omega = 0.6) {
  const round = (v) => Math.round(v * 1000) / 1000;
  const xs = Array.from({ length: T }, (_, i) => round(Math.sin(omega * (i + 1))));
  const ds = Array.from({ length: T }, (_, i) => round(Math.sin(omega * (i + 2))));
  return { xs, ds };
}

/** Gated cells (lstm, gru) fix their own nonlinearities: their Φ is always tanh. */
export function activationOf(state) {
  return state.cell && state.cell !== "rnn" ? "tanh" : state.act;
}

/**
 * Check the LSTM's c₀ field against the hidden size H: empty (zeros), one number (every unit)
 * or H numbers. {value: the text} or {error: a message for beside the field}.
 */
export function checkC0(text, H) {
  const raw = String(text ?? "").trim();
  if (raw === "") return { value: "" };
  const values = parseNumberList(raw);
  if (!values) return { error: "c₀: numbers separated by commas, e.g. 0.5 (every unit) or one per unit; empty = zeros" };
  if (values.length !== 1 && values.length !== H) {
    return { error: `c₀ takes 1 number or H = ${H}, got ${values.length}` };
  }
  return { value: String(text) };
}

/**
 * The c_0 a state sends: null for zeros or a cell other than the LSTM; one number fills every
 * unit; a list of another length is sent as typed, so the server's message names it.
 */
export function c0Of(state) {
  if (state.cell !== "lstm" || !String(state.c0 ?? "").trim()) return null;
  const values = parseNumberList(state.c0);
  if (!values) return null;
  return values.length === 1 ? new Array(state.H).fill(values[0]) : values;
}

/** The input and target sequences a state asks for (custom lists set T). */
export function sequenceOf(state) {
  if (state.seq === "custom") {
    const xs = parseNumberList(state.xs) ?? [];
    const ds = parseNumberList(state.ds) ?? [];
    return { xs, ds };
  }
  return sineSequence(state.T);
}

/**
 * The /api/bptt request body for a state. With a task (`task`, its `sample`) the model takes
 * the task's sizes, output and loss and the sequence is the task's sample; `weights` (a
 * trained run's) replace the seeded ones; `detail` is "full" or "norms".
 */
export function bpttRequest(state, { task = null, sample = null, weights = null, detail = "full" } = {}) {
  const model = task || weights ? runModel(state, task, weights) : {
    n_in: 1, n_hidden: state.H, n_out: 1, activation: activationOf(state), seed: state.seed,
  };
  if (state.cell !== "rnn") model.cell = state.cell;
  if (state.rho > 0 && !weights) model.ws_spectral_radius = state.rho; // rescale the seeded Ws (lab slider)
  const seq = task && sample ? sample : null;
  const { xs, ds } = seq ? { xs: null, ds: null } : sequenceOf(state);
  const c0 = c0Of(state);
  return {
    model,
    inputs: seq ? seq.inputs : xs.map((v) => [v]),
    targets: seq ? seq.targets : ds.map((v) => [v]),
    loss_steps: seq ? seq.loss_steps : state.loss,
    ...(c0 ? { c0 } : {}),
    truncate: state.K > 0 ? state.K : null,
    detail,
  };
}

/** The store: one object with the page state and what the server answered; listeners hear every change. */
export class Store {
  constructor(initial) {
    this.value = initial;
    this.listeners = new Set();
  }

  get() {
    return this.value;
  }

  /** Merge `patch` into the top level and tell every listener (next, previous). */
  set(patch) {
    const prev = this.value;
    this.value = { ...prev, ...patch };
    for (const fn of this.listeners) fn(this.value, prev);
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/**
 * Which control a server error's `loc` (e.g. ["body", "model", "n_hidden"]) belongs to:
 * the state property whose control shows the message, or null for a general message.
 */
export function controlForLoc(loc, state) {
  const path = (loc || []).filter((p) => p !== "body").map(String);
  const head = path[0];
  if (head === "model") {
    if (path.includes("ws_spectral_radius")) return "rho";
    if (path.includes("n_hidden") || path.includes("weights")) return "H";
    if (path.includes("activation")) return "act";
    if (path.includes("cell")) return "cell";
    if (path.includes("seed")) return "seed";
    return "H";
  }
  if (head === "c0") return "c0";
  if (head === "inputs") return state.seq === "custom" ? "xs" : "T";
  if (head === "targets") return state.seq === "custom" ? "ds" : "T";
  if (head === "loss_steps") return "loss";
  if (head === "truncate") return "K";
  if (head === "detail") return "H";
  if (head === "query") return path[1] === "T" ? "T" : null; // a task sample's T (training.js)
  return null;
}
