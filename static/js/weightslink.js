// Trained weights outside the page, with the optimizer's state (Adam's moments and step count)
// so that training continues exactly: compressed into a share link (JSON → deflate-raw →
// base64url, the browser's own CompressionStream) when small, or a JSON file when not; both
// checked against the page's model before they are used. Pure but for the streams: no DOM.

/** Longest encoded weights a link carries; beyond it the weights go to a file. */
export const LINK_MAX_CHARS = 8000;

/** The `kind` of a weights file (a storyboard or an API answer is not one). */
export const FILE_KIND = "bptt-explorer-weights";

const GATE_COUNT = { rnn: 1, lstm: 4, gru: 3 };

/** Bytes → base64url without padding (the URL hash keeps it as it is). */
export function toBase64Url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url → bytes; throws on characters outside the alphabet. */
export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function through(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** {weights, step, optimizerState} → the text a link carries. JSON keeps every float64 exactly. */
export async function encodeWeights({ weights, step = 0, optimizerState = null }) {
  const payload = optimizerState ? { step, weights, optimizer_state: optimizerState } : { step, weights };
  const json = new TextEncoder().encode(JSON.stringify(payload));
  return toBase64Url(await through(json, new CompressionStream("deflate-raw")));
}

/**
 * The optimizer's state as a link or file carries it (/api/train's optimizer_state: its name,
 * step count and buffers), or null when there is none or it is not an object with a name: the
 * run then continues with fresh buffers. The server checks the buffers when training sends them.
 */
export function optimizerStateOf(value) {
  if (!value || typeof value !== "object" || Array.isArray(value) || typeof value.name !== "string") return null;
  return value;
}

/** What a link or a file holds (checked for weights already) → {weights, step, optimizerState}. */
function savedRun(saved) {
  return {
    weights: saved.weights,
    step: Number.isInteger(saved.step) && saved.step >= 0 ? saved.step : 0,
    optimizerState: optimizerStateOf(saved.optimizer_state),
  };
}

/** The text of a link → {weights, step, optimizerState}; an Error with a message a person can act on. */
export async function decodeWeights(text) {
  let payload;
  try {
    const json = await through(fromBase64Url(text), new DecompressionStream("deflate-raw"));
    payload = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new Error("The link's weights are damaged (cut short when copied?): the seeded weights are shown.");
  }
  if (!payload || typeof payload !== "object" || !payload.weights) {
    throw new Error("The link's weights are damaged (no weights in it): the seeded weights are shown.");
  }
  return savedRun(payload);
}

/** The shapes a model's weights must have: {Wx: [n_in, G·H], Ws: [H, G·H], Wy: [H, n_out]}. */
export function weightShapes(model) {
  const G = GATE_COUNT[model.cell ?? "rnn"] ?? 1;
  const H = model.n_hidden;
  return { Wx: [model.n_in, G * H], Ws: [H, G * H], Wy: [H, model.n_out] };
}

/** "this model (rnn, H = 3, 1 input, 1 output)". */
function describe(model) {
  const io = (n, what) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return `this model (${model.cell ?? "rnn"}, H = ${model.n_hidden}, ${io(model.n_in, "input")}, ${io(model.n_out, "output")})`;
}

/** Rows × columns of a matrix of finite numbers, or a message naming what is wrong with it. */
function shapeOf(name, m) {
  if (!Array.isArray(m) || m.length === 0 || !m.every(Array.isArray)) return { error: `${name} is not a matrix (a list of rows)` };
  const cols = m[0].length;
  for (let i = 0; i < m.length; i += 1) {
    if (m[i].length !== cols) return { error: `${name} has rows of different lengths (row 1: ${cols}, row ${i + 1}: ${m[i].length})` };
    const j = m[i].findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
    if (j >= 0) return { error: `${name}[${i + 1}][${j + 1}] is ${JSON.stringify(m[i][j])}, not a finite number` };
  }
  return { shape: [m.length, cols] };
}

/**
 * What is wrong with `weights` for `model` ({cell, n_in, n_hidden, n_out}): a list of
 * messages, empty when they fit. The page's models have no biases.
 */
export function checkWeights(weights, model) {
  if (!weights || typeof weights !== "object" || Array.isArray(weights)) return ["the weights are not an object {Wx, Ws, Wy}"];
  const errors = [];
  const want = weightShapes(model);
  for (const [name, [rows, cols]] of Object.entries(want)) {
    if (!(name in weights)) {
      errors.push(`${name} is missing`);
      continue;
    }
    const got = shapeOf(name, weights[name]);
    if (got.error) errors.push(got.error);
    else if (got.shape[0] !== rows || got.shape[1] !== cols) {
      errors.push(`${name} is ${got.shape[0]}×${got.shape[1]}, ${describe(model)} needs ${rows}×${cols}`);
    }
  }
  for (const name of Object.keys(weights)) {
    if (name in want) continue;
    if (weights[name] === null) continue;
    errors.push(["bx", "bs", "by"].includes(name) ? `${name}: the page's models have no biases` : `${name} is not a weight of the model`);
  }
  return errors;
}

/** The JSON file of a run's weights and optimizer state, with the model they belong to. */
export function weightsFile({ weights, step = 0, model, task = "", optimizerState = null }) {
  const { cell = "rnn", n_in, n_hidden, n_out, activation, output, loss, seed } = model;
  return {
    kind: FILE_KIND,
    version: 1,
    model: { cell, n_in, n_hidden, n_out, activation, output, loss, seed },
    task,
    step,
    weights: Object.fromEntries(Object.entries(weights).filter(([, v]) => v !== null && v !== undefined)),
    ...(optimizerState ? { optimizer_state: optimizerState } : {}),
  };
}

/**
 * A weights file's parsed JSON → {weights, step} for `model`, or an Error whose message
 * names what does not fit (and, when the file says so, the model it was saved from).
 */
export function readWeightsFile(json, model) {
  if (!json || typeof json !== "object" || json.kind !== FILE_KIND) {
    throw new Error(`Not a weights file (its "kind" should be "${FILE_KIND}"): nothing was loaded.`);
  }
  const errors = checkWeights(json.weights, model);
  if (errors.length) {
    const from = json.model && Number.isInteger(json.model.n_hidden)
      ? ` The file was saved from ${describe({ ...json.model, n_in: json.model.n_in ?? "?", n_out: json.model.n_out ?? "?" })}${json.task ? `, task ${json.task}` : ""}: set the same model, then load it again.`
      : "";
    throw new Error(`These weights do not fit: ${errors.join("; ")}.${from} The weights shown are unchanged.`);
  }
  return savedRun(json);
}
