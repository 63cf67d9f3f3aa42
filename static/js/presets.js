// Presets: named states the page can jump to. The table is pure data; registerPresets() lets
// other panels (training.js: one per task) add their own.

import { PROPS, defaultState } from "./state.js";

/** Properties a preset never resets: how the page is shown, not what it shows. */
const KEEP = new Set(["lecture", "view"]);

const PRESETS = [
  {
    name: "lecture",
    label: "Lecture example (T = 3, loss at step 3)",
    state: { T: 3, H: 2, act: "tanh", seed: 0, loss: "last", K: 0, seq: "sine", rho: 0 },
  },
  {
    name: "vanishing",
    label: "Vanishing gradients (tanh, ρ(Ws) = 0.5, T = 20)",
    state: { T: 20, H: 4, act: "tanh", seed: 0, loss: "all", K: 0, seq: "sine", rho: 0.5, flow: "jacobian" },
  },
  {
    name: "exploding",
    label: "Exploding gradients (identity, ρ(Ws) = 1.3, T = 20)",
    state: { T: 20, H: 4, act: "identity", seed: 0, loss: "all", K: 0, seq: "sine", rho: 1.3, flow: "jacobian" },
  },
  {
    name: "gates",
    label: "Why gates (LSTM and GRU against the plain RNN: echo, delay 5)",
    state: { T: 10, H: 3, cell: "lstm", seed: 0, loss: "last", K: 0, seq: "sine", rho: 0, cmp: "long", flow: "cell" },
  },
  {
    name: "gates-alike",
    label: "Gates not needed (echo, delay 1: all three alike)",
    state: { T: 10, H: 3, cell: "gru", seed: 0, loss: "last", K: 0, seq: "sine", rho: 0, cmp: "short" },
  },
];

const KNOWN = new Set(PROPS.map((p) => p.name));

/** Add presets ({name, label, state}); a preset with a name already known replaces it. */
export function registerPresets(list) {
  for (const preset of list) {
    if (!preset.name || !preset.label || typeof preset.state !== "object") {
      throw new Error(`a preset needs a name, a label and a state: ${JSON.stringify(preset)}`);
    }
    const unknown = Object.keys(preset.state).filter((k) => !KNOWN.has(k));
    if (unknown.length) throw new Error(`preset ${preset.name}: unknown state properties ${unknown}`);
    const i = PRESETS.findIndex((p) => p.name === preset.name);
    if (i >= 0) PRESETS[i] = preset;
    else PRESETS.push(preset);
  }
  if (typeof window !== "undefined") window.dispatchEvent(new CustomEvent("presets:changed"));
}

/** The presets, in menu order. */
export function presetList() {
  return PRESETS.slice();
}

export function findPreset(name) {
  return PRESETS.find((p) => p.name === name) ?? null;
}

/**
 * The state patch that loads a preset: every property back to its default (except how the
 * page is shown), then the preset's own values, from the first animation step.
 */
export function presetPatch(name, current = {}) {
  const preset = findPreset(name);
  if (!preset) return null;
  const base = defaultState();
  for (const key of KEEP) if (key in current) base[key] = current[key];
  return { ...base, ...preset.state, preset: name, step: 0 };
}

/** True when `state` still has every value the named preset sets. */
export function presetMatches(name, state) {
  const preset = findPreset(name);
  return !!preset && Object.entries(preset.state).every(([k, v]) => state[k] === v);
}

/** `state` with its preset name cleared once the user has changed one of the preset's values. */
export function withPreset(state) {
  return state.preset && !presetMatches(state.preset, state) ? { ...state, preset: "" } : state;
}

/** The preset <select>: fills its options, shows the current preset, loads the chosen one. */
export class PresetPicker {
  constructor(select, { getState, setState }) {
    this.select = select;
    this.getState = getState;
    select.addEventListener("change", () => {
      const patch = presetPatch(select.value, getState());
      if (patch) setState(patch);
    });
    window.addEventListener("presets:changed", () => {
      this.fill();
      this.sync(getState());
    });
    this.fill();
  }

  fill() {
    const options = [new Option("— choose a preset —", "")].concat(
      presetList().map((p) => new Option(p.label, p.name)),
    );
    this.select.replaceChildren(...options);
  }

  sync(state) {
    this.select.value = state.preset && findPreset(state.preset) ? state.preset : "";
  }
}
