// "Copy as curl" and "Copy as Python": the exact call for the current view, built from the
// /api/bptt body the controller sent (one source: the answer's request), so running it gives
// the page's numbers. Pure functions, no DOM.

/** The model fields that are RNNConfig's (the rest say where the weights come from). */
const CONFIG_FIELDS = ["n_in", "n_hidden", "n_out", "activation", "output", "loss", "bias", "cell", "reduction"];

/** `text` as one POSIX shell word: single quotes, each ' written as '\'' (JSON rarely has one). */
export function shellQuote(text) {
  return `'${String(text).replaceAll("'", "'\\''")}'`;
}

/** The curl command posting `body` to origin's /api/bptt (the same JSON the page sent). */
export function curlCall(body, origin) {
  return `curl -s ${origin}/api/bptt -H 'content-type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
}

/**
 * A JSON value as a Python literal: numbers as JSON writes them (the shortest text that reads
 * back as the same double, so the arrays are exact), true/false/null as True/False/None.
 */
export function pyLiteral(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value); // a JSON string is a Python string literal
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyLiteral(v)}`).join(", ")}}`;
}

const kwargs = (pairs) => pairs.map(([k, v]) => `${k}=${pyLiteral(v)}`).join(", ");

/**
 * A Python script computing `body` with the bptt_explorer package (the engine behind the API,
 * the same NumPy code): the model, its weights (given or seeded), x, d and the call that
 * /api/bptt makes. It prints E and every ∂E/∂W.
 */
export function pythonCall(body) {
  const model = body.model ?? {};
  const config = CONFIG_FIELDS.filter((k) => k in model).map((k) => [k, model[k]]);
  const lines = [
    "# The page's /api/bptt request, computed by the bptt_explorer package",
    "# (pip install bptt-explorer, or the checkout's `pip install .`): the engine the API runs.",
    "import numpy as np",
    "",
    "import bptt_explorer as bx",
    "",
    `config = bx.RNNConfig(${kwargs(config)})`,
  ];
  if (model.weights) {
    lines.push(`params = bx.RNNParams.from_dict(config, ${pyLiteral(model.weights)})`);
  } else {
    const rho = model.ws_spectral_radius ?? null;
    lines.push(`params = bx.init_params(config, ${kwargs([["seed", model.seed ?? 0], ["ws_spectral_radius", rho]])})`);
  }
  lines.push(`x = np.array(${pyLiteral(body.inputs)}, dtype=np.float64)  # (T, n_in)`);
  lines.push(`d = np.array(${pyLiteral(body.targets)}, dtype=np.float64)  # (T, n_out)`);
  const args = ["config", "params", "x", "d"];
  for (const name of ["s0", "c0"]) {
    if (body[name] != null) args.push(`${name}=np.array(${pyLiteral(body[name])}, dtype=np.float64)`);
  }
  const ls = body.loss_steps ?? "all";
  // the API takes the listed loss steps in ascending order
  args.push(`loss_steps=${pyLiteral(Array.isArray(ls) ? [...ls].sort((a, b) => a - b) : ls)}`);
  args.push(`truncate=${pyLiteral(body.truncate ?? null)}`);
  if (body.detail) args.push(`detail=${pyLiteral(body.detail)}`);
  lines.push(`result = bx.bptt(${args.join(", ")})`);
  lines.push(
    'print("E =", result.loss)',
    "for name, grad in result.grads.as_dict().items():",
    '    print(f"dE/d{name} =", grad.tolist())',
  );
  return `${lines.join("\n")}\n`;
}
