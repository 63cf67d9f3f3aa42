// The only module that talks to the server.

/** A refused request: HTTP status and the server's messages as [{loc, msg}]. */
export class ApiError extends Error {
  constructor(status, errors) {
    super(errors.map((e) => e.msg).join("; ") || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
  }
}

/** FastAPI's error body ({"detail": [...]} or {"detail": "text"}) as a list of {loc, msg}. */
export function errorsFromBody(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => ({ loc: Array.isArray(d.loc) ? d.loc : [], msg: String(d.msg ?? d) }));
  }
  if (typeof detail === "string") return [{ loc: [], msg: detail }];
  return [{ loc: [], msg: `The server answered ${status}.` }];
}

/** fetch `path`; the parsed JSON and timings, or an ApiError with the server's messages. */
async function request(path, init, signal) {
  const started = performance.now();
  let response;
  try {
    response = await fetch(path, { ...init, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, [{ loc: [], msg: "The server cannot be reached." }]);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) throw new ApiError(response.status, errorsFromBody(response.status, payload));
  return { data: payload, ms: performance.now() - started, timing: response.headers.get("Server-Timing") };
}

function postJson(path, body, signal) {
  const init = {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  };
  return request(path, init, signal);
}

async function getJson(path, signal) {
  const { data } = await request(path, { headers: { Accept: "application/json" } }, signal);
  return data;
}

/** POST /api/bptt: the forward pass, every BPTT term and the totals. */
export function postBptt(body, { signal } = {}) {
  return postJson("/api/bptt", body, signal);
}

// ---------------------------------------------------------------- training (tasks, train, forward)

/** GET /api/tasks: the built-in tasks with the model each needs. */
export function getTasks({ signal } = {}) {
  return getJson("/api/tasks", signal);
}

/** GET /api/tasks/{name}?T=&seed=: one sample (inputs, targets, loss_steps, labels). */
export function getTaskSample(name, { T, seed, ...params }, { signal } = {}) {
  const query = new URLSearchParams({ T: String(T), seed: String(seed) });
  for (const [key, value] of Object.entries(params)) query.set(key, String(value)); // task parameters (delay, …)
  return getJson(`/api/tasks/${encodeURIComponent(name)}?${query}`, signal);
}

/** POST /api/train: one chunk of gradient descent. */
export function postTrain(body, { signal } = {}) {
  return postJson("/api/train", body, signal);
}

/** POST /api/forward: the forward pass only (the predictions y_t). */
export function postForward(body, { signal } = {}) {
  return postJson("/api/forward", body, signal);
}

// ---------------------------------------------------------------- the lab (lab.js)

/** POST /api/gradcheck: full-BPTT gradients against central differences. */
export function postGradcheck(body, { signal } = {}) {
  return postJson("/api/gradcheck", body, signal);
}
