// Renderer of the gradient check: analytic (full BPTT) against central differences, per weight.

import { fmt } from "./colors.js";
import { flatten } from "./flowlab.js";

const norm = (m) => Math.sqrt(flatten(m).reduce((a, v) => a + v * v, 0));

function cell(tag, text, attrs = {}) {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

export class GradcheckView {
  /** root: the result container (a table and a summary line are drawn into it). */
  constructor(root) {
    this.root = root;
  }

  clear(note = "") {
    this.root.replaceChildren(note ? cell("p", note, { class: "gc-note" }) : "");
    delete this.root.dataset.passed;
  }

  /** Show a /api/gradcheck answer: one row per weight, the largest relative error, pass/fail. */
  render(result, { tolerance = 1e-5 } = {}) {
    const table = document.createElement("table");
    table.className = "gc-table";
    table.append(cell("caption", `central differences, h = ${result.h}`));
    const head = document.createElement("tr");
    for (const h of ["weight", "‖analytic‖", "‖numerical‖", "max rel. error", "result"]) head.append(cell("th", h, { scope: "col" }));
    table.append(head);
    for (const [name, err] of Object.entries(result.max_rel_error)) {
      const ok = err !== null && err < tolerance;
      const row = document.createElement("tr");
      row.dataset.weight = name;
      row.append(
        cell("th", name, { scope: "row" }),
        cell("td", fmt(norm(result.analytic[name]), 6)),
        cell("td", fmt(norm(result.numeric[name]), 6)),
        cell("td", err === null ? "—" : err.toExponential(2), { "data-error": String(err) }),
        cell("td", ok ? "✓ pass" : "✗ fail", { class: ok ? "gc-pass" : "gc-fail" }),
      );
      table.append(row);
    }
    const summary = cell(
      "p",
      result.passed
        ? "Analytic BPTT gradients agree with the numerical ones."
        : "The analytic gradients do NOT agree with the numerical ones.",
      { class: result.passed ? "gc-summary gc-pass" : "gc-summary gc-fail" },
    );
    this.root.replaceChildren(table, summary);
    this.root.dataset.passed = String(result.passed);
  }
}
