// Definitions on demand: hovering, focusing or tapping any element marked data-def="key" (several
// keys space-separated) shows their definitions (definitions.js) in one box. Generated text
// (captions, labels, plot titles) gets its symbols marked by symbolParts / markPlot.

import { DEFINITIONS, defKeys, readable } from "./definitions.js";
import { withDef } from "./mathml.js";

export { withDef as markDef };

const SUB = "₀-₉ₜₖ₋ᵢⱼ";
const INDEX = `(?:[${SUB}]+(?:,[${SUB}]+)?|_\\{?[A-Za-z0-9,−+-]+\\}?)?`; // "₃,₂", "ₜ,ₖ", "_k", "_{t,k}"
const NOT_BEFORE = "(?<![A-Za-z\\u0370-\\u03ff])"; // not inside a word
const NOT_AFTER = "(?![A-Za-z\\u0370-\\u03ff])";

/** The symbols generated text may hold, in the order they are tried: [key, source]. */
const PATTERNS = [
  ["zero_s0", "s₀ = 0"],
  ["norm2", "‖[^‖]*‖₂"],
  ["jacobian", `∂s${INDEX}/∂s${INDEX}`],
  ["sigma", `∂E${INDEX}/∂s${INDEX}`], // σ_{t,k} = ∂E_t/∂s_k, the error at the state
  ["C", `${NOT_BEFORE}C(?:ᵂ[ˢˣ])?${INDEX}${NOT_AFTER}`],
  ["delta", `δ${INDEX}`],
  ["logistic", "σ(?=\\()"],
  ["sigma", `σ${INDEX}`],
  ["kappa", `κ${INDEX}`],
  ["gamma", "γ"],
  ["rho", "ρ"],
  ["epsilon", `ε${INDEX}`],
  ["phi", "Φ′?"],
];
/** The gated cells' letters, marked only in that cell's text (z is the plain RNN's pre-activation). */
const GATES = { lstm: "figoc", gru: "rzn" };

function patternsFor(cell) {
  const list = [...PATTERNS];
  const letters = GATES[cell];
  if (letters) list.push(["gate", `${NOT_BEFORE}[${letters}]${INDEX}(?![A-Za-z(])`]);
  return list;
}

const compiled = new Map();
function regexFor(cell) {
  const key = GATES[cell] ? cell : "rnn";
  if (!compiled.has(key)) {
    const list = patternsFor(key);
    compiled.set(key, { list, re: new RegExp(list.map(([, src]) => `(${src})`).join("|"), "gu") });
  }
  return compiled.get(key);
}

/**
 * Generated text cut into strings and symbols: [{text}, {text, def}, …]; `def` is a definition
 * key. A ‖·‖₂ keeps the symbols inside it as `inner`. Pure: no DOM.
 */
export function symbolParts(text, { cell = "rnn" } = {}) {
  const { list, re } = regexFor(cell);
  const parts = [];
  let last = 0;
  for (const match of String(text).matchAll(re)) {
    const i = match.slice(1).findIndex((g) => g !== undefined);
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    const token = match[0];
    let def = list[i][0];
    if (def === "gate") def = token[0];
    const part = { text: token, def };
    if (def === "norm2") part.inner = symbolParts(token.slice(1, -2), { cell });
    parts.push(part);
    last = match.index + token.length;
  }
  if (last < String(text).length) parts.push({ text: String(text).slice(last) });
  return parts;
}

/** The definition keys a piece of text names, each once. */
export function symbolKeys(text, opts) {
  const keys = [];
  const walk = (parts) => parts.forEach((p) => {
    if (p.def && !keys.includes(p.def)) keys.push(p.def);
    if (p.inner) walk(p.inner);
  });
  walk(symbolParts(text, opts));
  return keys;
}

/** Text as DOM nodes, its symbols as marked spans. */
export function symbolNodes(text, opts) {
  const build = (parts) => parts.map((p) => {
    if (!p.def) return document.createTextNode(p.text);
    const span = document.createElement("span");
    if (p.inner) span.append("‖", ...build(p.inner), "‖₂");
    else span.textContent = p.text;
    return withDef(span, p.def);
  });
  return build(symbolParts(text, opts));
}

/** Text with its symbols marked (a caption, a label) as el's children. */
export function setSymbolText(el, text, opts) {
  el.replaceChildren(...symbolNodes(text, opts));
  return el;
}

/**
 * The titles and legend entries of a plotly chart marked with the symbols they name, again after
 * every redraw (plotly writes them anew); `axes` adds keys to the axis titles, e.g. {x: "k", y: "t"}.
 */
export function markPlot(div, { cell = "rnn", axes = {} } = {}) {
  div.symbolOpts = { cell, axes };
  const mark = () => {
    const { cell: c, axes: a } = div.symbolOpts;
    for (const t of div.querySelectorAll(".g-xtitle text, .g-ytitle text, .gtitle, .legendtext, .cbtitle text")) {
      const axis = t.closest(".g-xtitle") ? a.x : t.closest(".g-ytitle") ? a.y : null;
      const keys = [...(axis ? axis.split(" ") : []), ...symbolKeys(t.textContent, { cell: c })];
      if (keys.length) withDef(t, [...new Set(keys)]);
    }
  };
  if (div.on && !div.symbolsWatched) {
    div.symbolsWatched = true;
    div.on("plotly_afterplot", mark);
  }
  mark();
}

/** Shows the definitions of the hovered, focused or tapped [data-def] element in one shared box. */
export class Definitions {
  constructor(box) {
    this.box = box;
    this.pinned = null; // the element a tap or click opened the box for
    const target = (ev) => {
      if (!ev.target || !ev.target.closest) return null;
      // plotly lays a click target over each legend entry: it stands for the entry's text
      const legend = ev.target.classList.contains("legendtoggle") ? ev.target.closest(".traces") : null;
      return ev.target.closest("[data-def]") || (legend && legend.querySelector(".legendtext[data-def]"));
    };
    document.addEventListener("mouseover", (ev) => {
      const el = target(ev);
      if (el && !this.pinned) this.show(el);
    });
    document.addEventListener("focusin", (ev) => {
      const el = target(ev);
      if (el) this.show(el);
    });
    const leave = (ev) => {
      const el = target(ev);
      if (el && !this.pinned && !(ev.relatedTarget && el.contains(ev.relatedTarget))) this.hide();
    };
    document.addEventListener("mouseout", leave);
    document.addEventListener("focusout", leave);
    // a tap (phones have no hover) opens the box and keeps it open until the next tap or Esc
    document.addEventListener("click", (ev) => {
      const el = target(ev);
      if (el && el !== this.pinned) {
        this.show(el);
        this.pinned = el;
      } else if (this.pinned) {
        this.pinned = null;
        this.hide();
      }
    });
    // keyup: the lesson and the storyboard take Escape's keydown for themselves
    document.addEventListener("keyup", (ev) => {
      if (ev.key === "Escape" && !this.box.hidden) {
        this.pinned = null;
        this.hide();
      }
    });
    window.addEventListener("scroll", () => {
      if (!this.box.hidden && this.shown) this.place(this.shown);
    }, { passive: true, capture: true });
  }

  show(el) {
    const keys = defKeys(el.dataset.def);
    if (!keys.length) return;
    const parts = keys.flatMap((key) => {
      const def = DEFINITIONS[key];
      const title = document.createElement("strong");
      title.textContent = readable(def.name);
      const text = document.createElement("p");
      text.textContent = readable(def.text);
      const item = document.createElement("div");
      item.className = "def-item";
      item.dataset.key = key;
      item.append(title, def.formula(), text);
      return [item];
    });
    this.box.replaceChildren(...parts);
    this.box.dataset.def = keys.join(" ");
    this.box.hidden = false;
    this.shown = el;
    this.place(el);
    el.setAttribute("aria-describedby", this.box.id);
  }

  /** Beside the element, inside the window: above it when there is room, else below. */
  place(el) {
    if (!el.isConnected) {
      this.hide(); // redrawn away (a new caption, a replotted title)
      return;
    }
    const r = el.getBoundingClientRect();
    const w = this.box.offsetWidth;
    const h = this.box.offsetHeight;
    this.box.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, r.left))}px`;
    const top = r.top - h - 8 > 8 ? r.top - h - 8 : Math.min(window.innerHeight - h - 8, r.bottom + 8);
    this.box.style.top = `${Math.max(8, top)}px`;
  }

  hide() {
    this.box.hidden = true;
    this.shown = null;
  }
}
