// A small popover showing a term's matrix as a table (opened by a click on a term).

import { divergingColor, fmt, maxAbs, textOn } from "./colors.js";
import { setSymbolText } from "./symbols.js";

const MAX_SHOWN = 12;

/** Show matrix m (nested lists) under the anchor element, titled `title`. */
export function showMatrix(anchor, title, m) {
  const pop = document.getElementById("popover");
  const domain = maxAbs(m);
  const table = document.createElement("table");
  table.className = "matrix";
  m.slice(0, MAX_SHOWN).forEach((rowValues) => {
    const tr = table.insertRow();
    rowValues.slice(0, MAX_SHOWN).forEach((v) => {
      const td = tr.insertCell();
      td.textContent = fmt(v, 3);
      td.title = String(v);
      td.style.setProperty("background", divergingColor(v, domain));
      td.style.setProperty("color", textOn(domain > 0 ? v / domain : 0));
    });
  });
  const head = document.createElement("div");
  head.className = "pop-title";
  setSymbolText(head, title); // its symbols (C, δ, s₀ = 0) with their definitions
  const note = document.createElement("div");
  note.className = "pop-note";
  const rows = m.length;
  const cols = rows ? m[0].length : 0;
  note.textContent = rows > MAX_SHOWN || cols > MAX_SHOWN
    ? `${rows}×${cols}; the first ${MAX_SHOWN}×${MAX_SHOWN} shown. Esc closes.`
    : `${rows}×${cols}. Esc closes.`;
  pop.replaceChildren(head, table, note);
  pop.hidden = false;
  const r = anchor.getBoundingClientRect();
  const left = Math.max(8, Math.min(window.innerWidth - pop.offsetWidth - 8, r.left + window.scrollX));
  pop.style.setProperty("left", `${left}px`);
  pop.style.setProperty("top", `${r.bottom + window.scrollY + 6}px`);
}

/** Close the popover. */
export function hidePopover() {
  const pop = document.getElementById("popover");
  if (pop) pop.hidden = true;
}
