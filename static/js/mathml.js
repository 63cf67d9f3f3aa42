// Tiny builders for native MathML (rendered by the browser, no CDN, no typesetting library).

const NS = "http://www.w3.org/1998/Math/MathML";

/** A MathML element with attributes and children (strings become text). */
export function m(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export const mi = (s, attrs = {}) => m("mi", attrs, s);
export const mo = (s, attrs = {}) => m("mo", attrs, s);
export const mn = (s) => m("mn", {}, String(s));
export const row = (...c) => m("mrow", {}, ...c);

/** A symbol with a subscript, e.g. sym("s", "t-1") = s_{t-1}; "Ws" becomes W with subscript s. */
export function sym(name, index) {
  const base = /^W[xsy]$/.test(name) ? m("msub", {}, mi("W"), mi(name[1])) : mi(name);
  if (index === undefined || index === null) return base;
  const idx = typeof index === "number" ? mn(index) : indexRow(String(index));
  return m("msub", {}, base, idx);
}

/** "t-1" → t − 1 as MathML (digits as mn, letters as mi, '-' as minus). */
function indexRow(text) {
  const parts = text.match(/[a-zA-Z]+|\d+|[-+,]/g) || [text];
  const kids = parts.map((p) => {
    if (/^\d+$/.test(p)) return mn(p);
    if (p === "-") return mo("−");
    if (p === "+" || p === ",") return mo(p);
    return mi(p);
  });
  return kids.length === 1 ? kids[0] : row(...kids);
}

/** The partial derivative ∂a/∂b as a fraction. */
export function partial(a, b) {
  return m("mfrac", {}, row(mo("∂"), a), row(mo("∂"), b));
}

/** A whole <math> element (inline unless display is "block"). */
export function math(display, ...children) {
  const attrs = display === "block" ? { display: "block" } : {};
  return m("math", attrs, ...children);
}

/**
 * Mark an element (MathML or HTML) as a symbol with a definition (definitions.js, shown by
 * symbols.js on hover, focus or tap): data-def = the key(s); it joins the tab order.
 */
export function withDef(el, keys) {
  const value = Array.isArray(keys) ? keys.join(" ") : keys;
  if (!value) return el;
  el.dataset.def = value;
  if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
  el.classList.add("sym");
  return el;
}

/** mi(s) marked with a definition: the symbol as it appears in an equation, e.g. dmi("δ", "delta"). */
export const dmi = (s, key) => withDef(mi(s), key);
