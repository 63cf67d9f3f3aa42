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

async function postJson(path, body, signal) {
  const started = performance.now();
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      signal,
    });
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

/** POST /api/bptt: the forward pass, every BPTT term and the totals. */
export function postBptt(body, { signal } = {}) {
  return postJson("/api/bptt", body, signal);
}

// ---------------------------------------------------------------- training (tasks, train, forward)

async function getJson(path, signal) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, signal });
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
  return payload;
}

/** GET /api/tasks: the built-in tasks with the model each needs. */
export function getTasks({ signal } = {}) {
  return getJson("/api/tasks", signal);
}

/** GET /api/tasks/{name}?T=&seed=: one sample (inputs, targets, loss_steps, labels). */
export function getTaskSample(name, { T, seed }, { signal } = {}) {
  const query = new URLSearchParams({ T: String(T), seed: String(seed) });
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
