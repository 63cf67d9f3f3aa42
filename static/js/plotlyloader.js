// plotly.js is 4.8 MB: load it once, on first use, from the app itself (no CDN).

let loading = null;

/** window.Plotly, loading `src` (the app's /static/vendor/plotly.min.js) if it is not there yet. */
export function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
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
  return loading;
}
