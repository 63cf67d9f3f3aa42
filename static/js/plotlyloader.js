// plotly.js is 4.8 MB: load it once, on first use, from the app itself (no CDN).
// The unfolded graph comes first: the bundle is fetched and evaluated only after the first graph
// is drawn (or after GRAPH_FIRST_MS if it never is) and after the page's load event, so its
// evaluation never delays the graph, and a script added before "load" does not hold the event
// back by the bundle's fetch and evaluation (~0.5 s on a loaded machine).

const GRAPH_FIRST_MS = 3000;

const loaded = document.readyState === "complete"
  ? Promise.resolve()
  : new Promise((resolve) => window.addEventListener("load", () => resolve(), { once: true }));

const graphDrawn = new Promise((resolve) => {
  window.addEventListener("bptt:rendered", () => resolve(), { once: true });
  setTimeout(resolve, GRAPH_FIRST_MS);
}).then(() => loaded);

let loading = null;

function inject(src) {
  return new Promise((resolve, reject) => {
    const existing = document.querySelector("script[data-plotly]");
    const script = existing || document.createElement("script");
    script.addEventListener("load", () => resolve(window.Plotly));
    script.addEventListener("error", () => {
      loading = null;
      reject(new Error("plotly.js could not be loaded"));
    });
    if (!existing) {
      script.src = src;
      script.async = true;
      script.dataset.plotly = "true";
      document.head.append(script);
    }
  });
}

/** window.Plotly, loading `src` (the app's /static/vendor/plotly.min.js) if it is not there yet. */
export function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) loading = graphDrawn.then(() => window.Plotly || inject(src));
  return loading;
}
