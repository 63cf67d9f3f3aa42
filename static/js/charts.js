// plotly.js renderers of the lab: they take numbers and draw, nothing else.
// Colour: Viridis for magnitudes (perceptually uniform, colour-blind safe); blue / orange lines.

import { fmt } from "./colors.js";

const FONT = { family: "system-ui, 'DejaVu Sans', sans-serif", size: 12, color: "#1d1d1f" };
const CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };
const LAYOUT = {
  font: FONT,
  paper_bgcolor: "#ffffff",
  plot_bgcolor: "#ffffff",
  margin: { l: 56, r: 12, t: 8, b: 44 },
  hoverlabel: { font: { family: FONT.family, size: 12 } },
};

/** Plotly.react with the page's defaults; `div` keeps the traces in `div.data` for tests. */
function react(Plotly, div, traces, layout) {
  return Plotly.react(div, traces, { ...LAYOUT, ...layout }, CONFIG);
}

const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const pow10 = (e) => `10${String(e).replace(/./g, (c) => SUP[c] ?? c)}`;

/**
 * The T×T map of log10 ‖C_{t,k}‖: rows t (loss step), columns k (the step the term comes
 * from); holes where k > t, t is no loss step, or k was cut by truncation.
 */
export function drawFlowMap(Plotly, div, { logZ, raw, label, jacobian = false }) {
  const T = logZ.length;
  const ks = Array.from({ length: T }, (_, i) => i + 1);
  const finite = logZ.flat().filter((v) => v !== null);
  const lo = finite.length ? Math.floor(Math.min(...finite)) : -1;
  const hi = finite.length ? Math.ceil(Math.max(...finite)) : 0;
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  const ticks = [];
  for (let e = lo; e <= hi; e += step) ticks.push(e);
  const text = raw.map((row, i) => row.map((v, j) => `t = ${i + 1}, k = ${j + 1}<br>${label} = ${fmt(v, 4)}`));
  const trace = {
    type: "heatmap", x: ks, y: ks, z: logZ, text, hoverinfo: "text", colorscale: "Viridis",
    zmin: lo, zmax: hi === lo ? lo + 1 : hi, hoverongaps: false,
    colorbar: { tickvals: ticks, ticktext: ticks.map(pow10), thickness: 12 },
  };
  const dtick = T <= 12 ? 1 : undefined;
  return react(Plotly, div, [trace], {
    // ‖∂s_t/∂s_k‖ is a map of states, not of losses: there t is the later state's step
    xaxis: { title: { text: jacobian ? "k (the earlier state s_k)" : "k (where the term comes from)" }, dtick, range: [0.5, T + 0.5], constrain: "domain" },
    yaxis: { title: { text: jacobian ? "t (the later state s_t)" : "t (loss step)" }, dtick, range: [T + 0.5, 0.5], scaleanchor: "x" },
    margin: { ...LAYOUT.margin, r: 4 },
  });
}

/** ‖∂s_T/∂s_k‖ against T − k on a log axis, with the bound (‖Ws‖₂·γ)^(T−k). */
export function drawDecay(Plotly, div, { lag, value, bound, base }) {
  const pos = (v) => (Number.isFinite(v) && v > 0 ? v : null);
  return react(Plotly, div, [
    {
      type: "scatter", mode: "lines+markers", name: "‖∂s_T/∂s_k‖₂", x: lag, y: value.map(pos),
      line: { color: "#2166ac", width: 2.5 }, marker: { size: 6 },
      hovertemplate: "T − k = %{x}<br>‖∂s_T/∂s_k‖ = %{y:.3e}<extra></extra>",
    },
    {
      type: "scatter", mode: "lines", name: base === null ? "bound" : `(‖Ws‖·γ)^(T−k), ‖Ws‖·γ = ${fmt(base, 3)}`,
      x: lag, y: bound.map(pos), line: { color: "#d95f02", width: 2, dash: "dash" },
      hovertemplate: "T − k = %{x}<br>bound = %{y:.3e}<extra></extra>",
    },
  ], {
    xaxis: { title: { text: "T − k (steps back in time)" }, zeroline: false },
    yaxis: { title: { text: "norm (log)" }, type: "log", exponentformat: "power" },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
    margin: { ...LAYOUT.margin, t: 30 },
  });
}

/** Eigenvalues of Ws in the complex plane with the unit circle (and |λ| = 1/γ when γ ≠ 1). */
export function drawEigen(Plotly, div, { eig, gamma }) {
  const circle = (r) => {
    const a = Array.from({ length: 121 }, (_, i) => (2 * Math.PI * i) / 120);
    return { x: a.map((t) => r * Math.cos(t)), y: a.map((t) => r * Math.sin(t)) };
  };
  const pts = eig.filter(([re, im]) => re !== null && im !== null);
  const reach = Math.max(1.1, ...pts.map(([re, im]) => 1.1 * Math.hypot(re, im)));
  const traces = [
    { type: "scatter", mode: "lines", name: "|λ| = 1", ...circle(1), line: { color: "#8d8a84", width: 1.5 }, hoverinfo: "skip" },
  ];
  if (gamma && Math.abs(gamma - 1) > 1e-12) {
    traces.push({
      type: "scatter", mode: "lines", name: `|λ| = 1/γ = ${fmt(1 / gamma, 3)}`, ...circle(1 / gamma),
      line: { color: "#d95f02", width: 1.5, dash: "dash" }, hoverinfo: "skip",
    });
  }
  traces.push({
    type: "scatter", mode: "markers", name: "λ(Ws)", x: pts.map((p) => p[0]), y: pts.map((p) => p[1]),
    marker: { size: 10, color: "#7b3294", line: { color: "#ffffff", width: 1 } },
    text: pts.map(([re, im]) => `λ = ${fmt(re, 4)} ${im < 0 ? "−" : "+"} ${fmt(Math.abs(im), 4)}i<br>|λ| = ${fmt(Math.hypot(re, im), 4)}`),
    hoverinfo: "text",
  });
  const range = [-reach, reach];
  return react(Plotly, div, traces, {
    xaxis: { title: { text: "Re λ" }, range, zeroline: true, zerolinecolor: "#ccc" },
    yaxis: { title: { text: "Im λ" }, range, scaleanchor: "x", zeroline: true, zerolinecolor: "#ccc" },
    showlegend: true, legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
    margin: { l: 48, r: 8, t: 30, b: 40 },
  });
}
