// The graph's first request, sent as soon as this module and the four it needs have loaded,
// before the forty others: the server computes while the browser still loads the page. The
// controller takes the answer when its own first request is the same body (once).

import { postBptt } from "./api.js";
import { checkState, fullFits, readLimits } from "./limits.js";
import { bpttRequest, sequenceOf, stateFromHash } from "./state.js";

let early = null; // {key, answer}: the request sent and the promise of its answer

/** The first request of a plain link (no task, no trained weights, values within the limits). */
function prefetchGraph() {
  const state = stateFromHash(location.hash);
  const data = document.getElementById("page-data");
  const limits = readLimits(JSON.parse(data?.textContent || "{}"));
  if (state.task || state.w || Object.keys(checkState(state, limits)).length) return;
  const T = sequenceOf(state).xs.length;
  if (T < 1) return;
  const body = bpttRequest(state, { detail: fullFits({ T, H: state.H, nIn: 1 }, limits) ? "full" : "norms" });
  const answer = postBptt(body);
  answer.catch(() => {}); // a refusal is the controller's to show, when it asks for the same
  early = { key: JSON.stringify(body), answer };
}

/** The early answer's promise when `body` is the request it sent (then forgotten), else null. */
export function takePrefetch(body) {
  if (!early || early.key !== JSON.stringify(body)) return null;
  const { answer } = early;
  early = null;
  return answer;
}

prefetchGraph();
