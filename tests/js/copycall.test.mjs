// The copied calls: curl quoting, exact Python literals, and the package call of a request.
import assert from "node:assert/strict";
import { test } from "node:test";

import { curlCall, pyLiteral, pythonCall, shellQuote } from "../../static/js/copycall.js";
import { bpttRequest, defaultState } from "../../static/js/state.js";

test("a shell word keeps every character, a single quote included", () => {
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote(`it's "x"`), `'it'\\''s "x"'`);
});

test("curl posts the body's JSON, as the page sends it, to the origin's /api/bptt", () => {
  const body = bpttRequest(defaultState());
  const cmd = curlCall(body, "http://127.0.0.1:8000");
  const prefix = "curl -s http://127.0.0.1:8000/api/bptt -H 'content-type: application/json' -d '";
  assert.ok(cmd.startsWith(prefix), cmd);
  assert.ok(cmd.endsWith("'"));
  assert.deepEqual(JSON.parse(cmd.slice(prefix.length, -1)), body);
});

test("Python literals: doubles written so they read back as the same number", () => {
  for (const v of [0.1 + 0.2, 1 / 3, -2.5e-300, 5e-324, 1.7976931348623157e308, 1e21, 3]) {
    const text = pyLiteral(v);
    assert.equal(Number(text), v, text);
    assert.match(text, /^-?\d+(\.\d+)?(e[+-]?\d+)?$/); // a Python float or int literal
  }
  assert.equal(pyLiteral([true, false, null, "a\"b"]), '[True, False, None, "a\\"b"]');
  assert.equal(pyLiteral({ Wx: [[1, 2]] }), '{"Wx": [[1, 2]]}');
  assert.throws(() => pyLiteral(Number.NaN), /no JSON form/);
});

test("a seeded model: RNNConfig from the request's model, init_params with its seed and ρ", () => {
  const body = bpttRequest({ ...defaultState(), H: 4, seed: 7, rho: 1.5, K: 2, cell: "lstm" });
  const py = pythonCall(body);
  assert.match(py, /^config = bx\.RNNConfig\(n_in=1, n_hidden=4, n_out=1, activation="tanh", cell="lstm"\)$/m);
  assert.match(py, /^params = bx\.init_params\(config, seed=7, ws_spectral_radius=1\.5\)$/m);
  assert.ok(py.includes(`x = np.array(${pyLiteral(body.inputs)}, dtype=np.float64)`));
  assert.ok(py.includes(`d = np.array(${pyLiteral(body.targets)}, dtype=np.float64)`));
  assert.match(py, new RegExp(`^result = bx\\.bptt\\(config, params, x, d, loss_steps="${body.loss_steps}", truncate=2, detail="full"\\)$`, "m"));
});

test("given weights go in as RNNParams.from_dict; listed loss steps ascending; s0 when sent", () => {
  const weights = { Wx: [[0.5, -0.25]], Ws: [[0.1, 0.2], [0.3, 0.4]], Wy: [[1], [2]] };
  const body = {
    model: { n_in: 1, n_hidden: 2, n_out: 1, seed: 0, weights },
    inputs: [[1], [0.5], [-1]], targets: [[0], [0], [1]], s0: [0.1, -0.1], loss_steps: [3, 1], truncate: null,
  };
  const py = pythonCall(body);
  assert.match(py, /^params = bx\.RNNParams\.from_dict\(config, \{"Wx": \[\[0\.5, -0\.25\]\], "Ws": .*\}\)$/m);
  assert.ok(!py.includes("init_params"));
  assert.match(py, /s0=np\.array\(\[0\.1, -0\.1\], dtype=np\.float64\), loss_steps=\[1, 3\], truncate=None\)$/m);
  assert.deepEqual(body.loss_steps, [3, 1]); // the request itself is left as it was
});
