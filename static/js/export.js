// Export: the graph as a standalone SVG (computed styles inlined) or PNG, the run as JSON (the
// answer with its request), and the call itself copied as Python or curl (copycall.js).

import { curlCall, pythonCall } from "./copycall.js";

/** The presentation properties copied from the page's CSS into each exported element. */
const STYLE_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
  "stroke-linecap", "stroke-linejoin", "opacity", "visibility", "display", "font-family",
  "font-size", "font-style", "font-weight", "text-anchor", "dominant-baseline", "transform",
];

const XMLNS = "http://www.w3.org/2000/svg";

/** A standalone SVG document of `svg`: every element carries its computed style inline. */
export function serializeSvg(svg) {
  const clone = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll("*")];
  const to = [clone, ...clone.querySelectorAll("*")];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    const style = STYLE_PROPS.map((p) => [p, cs.getPropertyValue(p)])
      .filter(([p, v]) => v && !(p === "transform" && v === "none"))
      .map(([p, v]) => `${p}:${v}`)
      .join(";");
    if (style) to[i].setAttribute("style", style);
  });
  const { width, height } = graphSize(svg);
  clone.setAttribute("xmlns", XMLNS);
  clone.setAttribute("width", String(width));
  clone.setAttribute("height", String(height));
  const bg = document.createElementNS(XMLNS, "rect");
  for (const [k, v] of Object.entries({ x: 0, y: 0, width: "100%", height: "100%", fill: "#ffffff" })) bg.setAttribute(k, v);
  clone.insertBefore(bg, clone.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** The graph's size in CSS pixels: its width and height attributes. */
export function graphSize(svg) {
  return { width: Math.round(Number(svg.getAttribute("width"))), height: Math.round(Number(svg.getAttribute("height"))) };
}

/** A PNG of the SVG text at width×height pixels (the graph's size on screen). */
export async function svgToPng(text, width, height) {
  const img = new Image();
  img.width = width;
  img.height = height;
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(img, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the PNG could not be made"))), "image/png");
  });
}

/** Offer a blob as a download named `filename` (an <a download> clicked once). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A file name for the current run, e.g. "bptt-T3-H2-tanh" (a gated cell: "bptt-T3-H2-lstm"). */
export function baseName(data, state) {
  const kind = state.cell && state.cell !== "rnn" ? state.cell : state.act;
  return `bptt-T${data.T}-H${data.s0.length}-${kind}${state.K > 0 ? `-K${state.K}` : ""}`;
}

/** The JSON file of a run: the /api/bptt answer as the API sent it, and under "request" the
 * exact body that asked for it (post it to /api/bptt to get the same answer again). */
export function exportJson(answer) {
  return JSON.stringify({ request: answer.body, ...answer.vm.raw }, null, 1);
}

/** The export buttons: SVG, PNG, JSON; and Copy as Python / curl of the answer's request. */
export class Exporter {
  /** getAnswer(): the store's answer {vm, body} (or null); copy: {panel, text, status, close}. */
  constructor({ svg, getAnswer, getState, buttons, error, copy }) {
    this.svg = svg;
    this.error = error;
    this.copyBox = copy;
    const guard = (fn) => async () => {
      const answer = getAnswer();
      if (!answer) return;
      try {
        this.error.hidden = true;
        await fn(answer.vm.raw, getState(), answer);
      } catch (err) {
        this.error.textContent = `Export failed: ${err.message || err}`;
        this.error.hidden = false;
      }
    };
    buttons.svg.addEventListener("click", guard((data, st) => {
      download(new Blob([serializeSvg(this.svg)], { type: "image/svg+xml" }), `${baseName(data, st)}.svg`);
    }));
    buttons.png.addEventListener("click", guard(async (data, st) => {
      const { width, height } = graphSize(this.svg);
      download(await svgToPng(serializeSvg(this.svg), width, height), `${baseName(data, st)}.png`);
    }));
    buttons.json.addEventListener("click", guard((data, st, answer) => {
      download(new Blob([exportJson(answer)], { type: "application/json" }), `${baseName(data, st)}.json`);
    }));
    buttons.python.addEventListener("click", guard((data, st, answer) => this.copy(pythonCall(answer.body), "Python (bptt_explorer)")));
    buttons.curl.addEventListener("click", guard((data, st, answer) => this.copy(curlCall(answer.body, location.origin), "curl")));
    copy.close.addEventListener("click", () => { copy.panel.hidden = true; });
  }

  /** Show the call in the box (selected, for Ctrl+C) and put it on the clipboard when allowed. */
  async copy(text, what) {
    const { panel, text: box, status } = this.copyBox;
    box.value = text;
    panel.hidden = false;
    panel.dataset.kind = what;
    box.select();
    try {
      await navigator.clipboard.writeText(text); // absent on plain http to another host
      status.textContent = `Copied as ${what}: the call for this view.`;
      panel.dataset.copied = "true";
    } catch {
      status.textContent = `${what}: the clipboard is not available here; the text is selected, press Ctrl+C.`;
      panel.dataset.copied = "false";
    }
  }
}
