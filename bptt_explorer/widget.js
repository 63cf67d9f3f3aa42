// The notebook widget: the page's own renderers (static/js, sent by bptt_explorer/widget.py)
// drawing one /api/bptt answer, stepped term by term with ← / → (or the buttons).
// This file only wires: it loads the page's modules and calls them as main.js does.

/** Import the page's ES modules from their sources: each "./x.js" specifier becomes the blob
 * URL of x.js (dependencies first), so the modules run offline with no server. */
function moduleUrls(sources) {
  const urls = {};
  const load = (name) => {
    if (!(name in urls)) {
      if (!(name in sources)) throw new Error(`bptt_explorer: module ${name} was not sent`);
      const code = sources[name].replace(/from\s+"\.\/([\w.-]+\.js)"/g, (_, dep) => `from "${load(dep)}"`);
      urls[name] = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    }
    return urls[name];
  };
  return load;
}

const ACC = (W) => `
  <div class="acc" id="acc-${W}" data-values="[]">
    <div class="acc-head"></div>
    <div class="acc-body">
      <div class="acc-sum-box">
        <svg class="acc-sum heatmap" role="img" aria-label="running sum of dE/d${W}"></svg>
        <div class="acc-gates" hidden></div>
      </div>
      <div class="acc-add idle">
        <svg class="acc-term heatmap" role="img" aria-label="term being added"></svg>
        <span class="acc-term-label"></span>
      </div>
    </div>
    <div class="acc-chips" aria-label="terms k"></div>
    <div class="acc-total"></div>
  </div>`;

const HTML = `
  <div class="bx-widget" tabindex="0" aria-label="BPTT, term by term: press → and ←">
    <div class="bx-bar">
      <button type="button" class="bx-prev" aria-label="previous step">←</button>
      <span class="bx-count"></span>
      <button type="button" class="bx-next" aria-label="next step">→</button>
      <span class="bx-caption"></span>
    </div>
    <div class="graph-scroll"><svg id="unfolded" role="img" aria-label="the network unfolded in time"></svg></div>
    <div class="bx-panels">
      <section class="acc-panel"><h3>Running sums</h3>${ACC("Ws")}${ACC("Wx")}
        <p class="acc-done" hidden>✓ Every term is in: the sums equal the totals.</p></section>
      <section class="bx-flow"><h3>Flow map: log₁₀ ‖C<sup>Ws</sup><sub>t,k</sub>‖ (rows t, columns k)</h3>
        <svg class="heatmap bx-flowmap" role="img" aria-label="gradient flow map"></svg></section>
    </div>
  </div>`;

const DECADES = 6; // the flow map shows six decades below the largest term

async function render({ model, el }) {
  const load = moduleUrls(model.get("modules"));
  const [{ UnfoldedGraph }, { Accumulator }, { Heatmap }, tl, { viewModel, chosenStep }] = await Promise.all(
    ["unfolded.js", "accumulator.js", "heatmap.js", "timeline.js", "viewmodel.js"].map((m) => import(load(m))),
  );
  // Jupyter's key bindings (Lumino's, at the document in the capture phase) skip a key pressed
  // inside an element with this attribute: ←, →, Home and End reach the widget in Notebook 7,
  // which binds them before the widget would hear them
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const root = el.shadowRoot ?? el.attachShadow({ mode: "open" });
  root.innerHTML = `<style>${model.get("css")}</style>${HTML}`;
  const $ = (sel) => root.querySelector(sel);
  const widget = $(".bx-widget");
  const data = JSON.parse(model.get("data"));
  const vm = viewModel(data, { model: JSON.parse(model.get("model_spec")) });
  const t = chosenStep(vm, model.get("t") || vm.T);
  const timeline = tl.buildTimeline(vm, { t, mode: "t" });
  let sums = null;
  const graph = new UnfoldedGraph($("#unfolded"));
  graph.render(vm, { width: Math.max(480, el.clientWidth || 900), fit: true });
  graph.setView("unfolded");
  const accWs = new Accumulator($("#acc-Ws"), "Ws");
  const accWx = new Accumulator($("#acc-Wx"), "Wx");
  accWs.setup(vm, { t, mode: "t", K: model.get("truncate") });
  accWx.setup(vm, { t, mode: "t", K: model.get("truncate") });
  drawFlow(new Heatmap($(".bx-flowmap"), { budget: 260, max: 30, label: "log₁₀‖C^Ws‖" }), data.flow.Ws);

  const show = () => {
    const i = Math.max(0, Math.min(model.get("step"), timeline.length - 1));
    const step = timeline[i];
    const focus = tl.stepFocus(step, vm.T, vm.cell);
    const backward = ["loss", "output", "term"].includes(step.kind);
    const weights = tl.stepWeights(vm, step);
    const dropped = tl.droppedEdges(t, model.get("truncate"));
    graph.setFocus({ ...focus, dropped, weights, backward, folded: tl.foldedFocus(step) });
    sums = tl.runningSums(vm, timeline, i, sums);
    const doneKs = new Set(timeline.slice(1, i + 1).filter((s) => s.kind === "term").map((s) => s.k));
    const info = { added: sums.added, stepKey: i, currentK: step.kind === "term" ? step.k : null, doneKs };
    const last = backward && i === timeline.length - 1;
    for (const [acc, W] of [[accWs, "Ws"], [accWx, "Wx"]]) {
      const termNorm = step.kind === "term" ? vm.termNorm(step.t, step.k, W) : null;
      acc.update(sums, { ...info, termNorm, total: last && vm.lossSteps.length === 1 ? vm.gradNorms[W] : null });
    }
    const gateWords = step.kind === "term" && step.k < step.t ? tl.gateCaption(vm.cell, step.k + 1, vm.steps[step.k].gates) : "";
    $(".bx-caption").textContent = tl.caption(step, vm.T, { lossKind: vm.lossKind, output: vm.output, cell: vm.cell }) + gateWords;
    $(".bx-count").textContent = `${i + 1} / ${timeline.length}`;
    $(".bx-prev").disabled = i === 0;
    $(".bx-next").disabled = i === timeline.length - 1;
    $(".acc-done").hidden = !(last && vm.finite);
    widget.dataset.step = String(i);
    widget.dataset.stepKind = step.kind;
  };
  const go = (delta) => {
    const i = Math.max(0, Math.min(model.get("step") + delta, timeline.length - 1));
    model.set("step", i);
    model.save_changes();
  };
  $(".bx-prev").addEventListener("click", () => go(-1));
  $(".bx-next").addEventListener("click", () => go(1));
  widget.addEventListener("keydown", (ev) => {
    const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -Infinity, End: Infinity };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    ev.stopPropagation(); // the notebook must not take the key as a cell command
    go(moves[ev.key]); // ±Infinity: clamped to the first or the last step
  });
  model.on("change:step", show);
  show();
  widget.dataset.ready = "true";
  return () => model.off("change:step", show);
}

/** The flow map through the page's Heatmap: log₁₀ of each term's norm over the largest, shifted
 * into [0, DECADES] (white: negligible or no term, strong: the largest terms). */
function drawFlow(heatmap, flow) {
  const max = Math.max(1e-300, ...flow.flat().filter((v) => v !== null));
  const level = (v) => (v === null || v <= 0 ? 0 : Math.max(0, DECADES + Math.log10(v / max)));
  heatmap.draw(flow.map((row) => row.map(level)), DECADES);
}

export default { render };
