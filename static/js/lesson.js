// The guided lesson: a card that walks the lecture's path step by step (lessonsteps.js), each
// step a state of the page set through the controller, its sentences quoting the live numbers
// of the store's view-model and lighting the graph elements they name. Keys: → / n next,
// ← / p back, Esc leaves (the page returns to the state it had before the lesson).

import { fmt } from "./colors.js";
import { lessonSteps, quantity, quotedKs, sub, timelineIndex } from "./lessonsteps.js";
import { isTyping } from "./lecture.js";
import { requestChanged } from "./state.js";
import { symbolNodes } from "./symbols.js";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...kids.filter((c) => c !== null && c !== undefined));
  return e;
};

/** The options of the "which terms belong in the sum?" guess: the real terms and two impostors. */
export function termOptions(t) {
  const real = quotedKs(t).map((k) => ({ id: `C:${t}:${k}`, label: `C${sub(`${t},${k}`)}`, belongs: true }));
  const fake = [{ id: "Wy", label: `∂E${sub(t)}/∂Wy`, belongs: false }];
  if (t > 1) fake.push({ id: `C:${t - 1}:${t - 1}`, label: `C${sub(`${t - 1},${t - 1}`)} (of E${sub(t - 1)})`, belongs: false });
  return [...real, ...fake];
}

export class Lesson {
  /** store: the page's store; intents: setState(patch, opts). */
  constructor(store, { setState }) {
    this.store = store;
    this.setState = setState;
    this.card = $("#lesson");
    this.guesses = {}; // step id → {guess, revealed, truth, error}
    this.saved = null; // the page state before the lesson
    // the last full-BPTT answer of each cell: the truncation step compares with its own cell's,
    // the gates step with the plain RNN's
    this.fullByCell = {};
    // ?lesson=1 starts the lesson once the first answer is in; from then on the hash holds the step
    this.pendingStart = Number(new URLSearchParams(location.search).get("lesson")) || 0;
    if (this.pendingStart) history.replaceState(null, "", location.pathname + location.hash);
    $("#btn-lesson").addEventListener("click", () => (this.active() ? this.leave() : this.start(1)));
    window.addEventListener("keydown", (ev) => this.onKey(ev), true); // before the page's own keys
    window.addEventListener("bptt:rendered", () => this.highlight());
    this.card.addEventListener("mouseover", (ev) => this.hoverPart(ev.target.closest("[data-hl]")));
    this.card.addEventListener("mouseout", () => this.hoverPart(null));
    store.subscribe((next, prev) => this.update(next, prev));
  }

  active() {
    return this.store.get().state.lesson > 0;
  }

  steps() {
    const { answer } = this.store.get();
    return answer ? lessonSteps(answer.vm) : [];
  }

  update(next, prev) {
    if (next.answer && this.pendingStart && next.answer !== prev.answer) {
      const n = this.pendingStart;
      this.pendingStart = 0;
      this.start(n);
      return;
    }
    if (next.answer && next.answer.state.K === 0) this.fullByCell[next.answer.state.cell] = next.answer;
    if (next.state.lesson !== prev.state.lesson || next.answer !== prev.answer) this.render();
  }

  start(n) {
    if (!this.active()) this.saved = { ...this.store.get().state };
    this.go(n);
  }

  leave() {
    const back = this.saved ? { ...this.saved, lesson: 0 } : { lesson: 0, K: 0, view: "unfolded" };
    this.saved = null;
    this.setState(back);
  }

  /** Show lesson step n (1-based): its page state, then its text once the answer is there. */
  go(n) {
    const steps = this.steps();
    if (steps.length === 0) return;
    const i = Math.max(1, Math.min(steps.length, n));
    const step = steps[i - 1];
    const T = this.store.get().answer.vm.T;
    // a step that switches the cell (why gates) switches it back for every other step: the learner's
    const own = this.saved ? { cell: this.saved.cell, flow: this.saved.flow } : {};
    this.setState({
      mode: "one", t: 0, K: 0, view: "unfolded", ...own, ...step.patch, lesson: i, step: timelineIndex(T, T, step.at),
    });
  }

  next() {
    const { state } = this.store.get();
    const step = this.steps()[state.lesson - 1];
    if (step && step.predict && !this.guesses[step.id]?.revealed) {
      this.reveal(step);
      return;
    }
    if (state.lesson < this.steps().length) this.go(state.lesson + 1);
  }

  prev() {
    const n = this.store.get().state.lesson;
    if (n > 1) this.go(n - 1);
  }

  onKey(ev) {
    if (!this.active() || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (!$("#keys-help").hidden) return;
    if (isTyping(ev.target) && ev.key !== "Escape") return;
    const key = ev.key;
    if (key === "ArrowRight" || key === "n" || key === "N") this.next();
    else if (key === "ArrowLeft" || key === "p" || key === "P") this.prev();
    else if (key === "Escape") this.leave();
    else return;
    ev.preventDefault();
    ev.stopImmediatePropagation(); // the lesson owns these keys while it runs
  }

  // ---------------------------------------------------------------- drawing

  /** The value a part quotes: from the answer drawn (or the full-BPTT one it is compared with). */
  valueOf(part, vm) {
    if (!part.src) return quantity(vm, part.q);
    // "full": the last full-BPTT answer of the same model and sequence; "rnn": the plain RNN's
    const state = this.store.get().state;
    const cell = part.src === "rnn" ? "rnn" : state.cell;
    const other = this.fullByCell[cell];
    const same = other && !requestChanged({ ...other.state, K: 0 }, { ...state, cell, K: 0 });
    return same ? quantity(other.vm, part.q) : null;
  }

  renderParts(parts, vm) {
    const opts = { cell: vm.cell };
    return parts.filter((p) => p !== null && p !== "").flatMap((p) => {
      // the sentence's own symbols (Cₜ,ₖ, ∂sₜ/∂sₖ, γ …) get their definitions too
      if (typeof p === "string") return symbolNodes(p, opts);
      if (p.def && !p.q) return el("span", { class: "sym", "data-def": p.def, tabindex: "0", text: p.text });
      const value = this.valueOf(p, vm);
      const label = p.def ? el("span", { class: "sym", "data-def": p.def, tabindex: "0", text: p.label }) : el("span", {}, ...symbolNodes(p.label, opts));
      const span = el("span", { class: "lq", "data-q": p.q, "data-hl": p.hl.join(" ") },
        label, document.createTextNode(" = "), el("b", { text: fmt(value, 4) }));
      span.dataset.value = value === null ? "" : String(value);
      if (p.src) span.dataset.src = p.src;
      return span;
    });
  }

  render() {
    const { state, answer } = this.store.get();
    const on = state.lesson > 0 && !!answer;
    const was = document.documentElement.classList.contains("in-lesson");
    document.documentElement.classList.toggle("in-lesson", on);
    // the graph at the top of the window, the card below it: both in view at 1280×720
    if (on && !was) requestAnimationFrame(() => $("#unfolded").closest("section, .panel").scrollIntoView({ block: "start" }));
    $("#btn-lesson").setAttribute("aria-pressed", String(on));
    this.card.hidden = !on;
    if (!on) {
      this.highlight();
      return;
    }
    const vm = answer.vm;
    const steps = lessonSteps(vm);
    const n = Math.min(state.lesson, steps.length);
    const step = steps[n - 1];
    const guess = this.guesses[step.id];
    const waiting = !!(step.predict && !guess?.revealed);
    const body = el("p", { class: "lesson-text" }, ...this.renderParts(step.text, vm));
    body.hidden = waiting;
    // a note that compares with another answer is left out when that answer is not at hand
    const noteOk = step.note && step.note.every((p) => typeof p !== "object" || !p || !p.src || this.valueOf(p, vm) !== null);
    const note = noteOk ? el("p", { class: "lesson-note" }, ...this.renderParts(step.note, vm)) : null;
    if (note) note.hidden = waiting;
    const main = el("div", { class: "lesson-main" },
      el("p", { class: "lesson-count", text: `Lesson ${n} / ${steps.length}` }),
      el("h2", { id: "lesson-title", text: step.title }),
      waiting ? el("p", { class: "lesson-text help", text: "Make your guess first; → (or Reveal) shows the truth and how far off you were." }) : null,
      body,
      note);
    const side = el("div", { class: "lesson-side" },
      step.predict ? this.predictBox(step, vm) : null,
      step.rho && !waiting ? this.rhoBox(vm) : null,
      this.navBox(n, steps.length, waiting));
    this.card.replaceChildren(main, side);
    this.card.dataset.step = String(n);
    this.card.dataset.stepId = step.id;
    this.card.dataset.ready = String(!requestChanged(answer.state, state));
    this.card.dataset.waiting = String(waiting);
    this.card.dataset.controls = (step.controls || []).join(" ");
    this.highlight();
  }

  navBox(n, count, waiting) {
    const back = el("button", { type: "button", id: "lesson-prev", text: "← Back" });
    back.disabled = n === 1;
    back.addEventListener("click", () => this.prev());
    const next = el("button", { type: "button", id: "lesson-next", class: "primary", text: waiting ? "Reveal →" : n === count ? "End of the lesson" : "Next →" });
    next.disabled = !waiting && n === count;
    next.addEventListener("click", () => this.next());
    const quit = el("button", { type: "button", id: "lesson-leave", text: "Leave (Esc)" });
    quit.addEventListener("click", () => this.leave());
    return el("div", { class: "lesson-nav" }, back, next, quit, el("span", { class: "help", text: "→ / n next · ← / p back" }));
  }

  /** The guess asked for before the truth: which terms, or how big a norm is. */
  predictBox(step, vm) {
    const g = this.guesses[step.id];
    const box = el("div", { class: "lesson-predict", "data-kind": step.predict.kind });
    if (step.predict.kind === "terms") {
      const t = step.predict.t;
      const picked = new Set(g ? g.guess : []);
      box.append(el("p", { class: "lesson-ask", text: `Predict first: which terms are added into ∂E${sub(t)}/∂Ws?` }));
      const list = el("div", { class: "lesson-options", role: "group", "aria-label": "terms of the sum" });
      for (const opt of termOptions(t)) {
        const input = el("input", { type: "checkbox", value: opt.id, id: `lesson-opt-${opt.id.replace(/:/g, "-")}` });
        input.checked = picked.has(opt.id);
        input.disabled = !!g?.revealed;
        const label = el("label", { for: input.id }, input, document.createTextNode(` ${opt.label}`));
        if (g?.revealed) label.dataset.truth = String(opt.belongs);
        list.append(label);
      }
      box.append(list);
    } else {
      const truth = quantity(vm, step.predict.key);
      const x = g ? g.guess : 0;
      box.append(el("p", { class: "lesson-ask", text: `Predict first: how big is ‖∂s${sub(vm.T)}/∂s₁‖₂? (1 = the state change survives intact)` }));
      const input = el("input", { type: "range", id: "lesson-guess", min: "-8", max: "3", step: "0.1", "aria-label": "your guess, as a power of ten" });
      input.value = String(x);
      input.disabled = !!g?.revealed;
      const out = el("output", { for: "lesson-guess", id: "lesson-guess-out", text: `10^${x} = ${fmt(10 ** x, 3)}` });
      input.addEventListener("input", () => {
        out.textContent = `10^${input.value} = ${fmt(10 ** Number(input.value), 3)}`;
      });
      box.append(el("label", { class: "lesson-slider" }, document.createTextNode("your guess "), input), out);
      if (truth === null) box.append(el("p", { class: "help", text: "This answer has no Jacobian norms (over the server's budget)." }));
    }
    if (g?.revealed) box.append(el("p", { class: "lesson-result", "data-error": String(g.error), text: g.message }));
    return box;
  }

  /** Record the guess shown in the card and reveal the truth with the error. */
  reveal(step) {
    const vm = this.store.get().answer.vm;
    if (step.predict.kind === "terms") {
      const picked = [...this.card.querySelectorAll(".lesson-options input:checked")].map((i) => i.value);
      const options = termOptions(step.predict.t);
      const missed = options.filter((o) => o.belongs && !picked.includes(o.id)).length;
      const extra = options.filter((o) => !o.belongs && picked.includes(o.id)).length;
      const n = vm.keptKs(step.predict.t).length;
      const message = missed + extra === 0
        ? `Right: all ${n} terms, k = ${step.predict.t} down to 1, and nothing else.`
        : `The sum has all ${n} terms C${sub(`${step.predict.t},k`)} for k = 1..${step.predict.t}: you missed ${missed} and added ${extra} that belong elsewhere.`;
      this.guesses[step.id] = { guess: picked, revealed: true, error: missed + extra, message };
    } else {
      const x = Number($("#lesson-guess").value);
      const truth = quantity(vm, step.predict.key);
      const exp = truth > 0 ? Math.log10(truth) : null;
      const error = exp === null ? null : Math.abs(x - exp);
      const message = exp === null
        ? `You guessed 10^${x}; the norm is ${fmt(truth, 4)}.`
        : `You guessed 10^${x} = ${fmt(10 ** x, 3)}; the truth is ${fmt(truth, 4)} = 10^${fmt(exp, 3)}: off by ${fmt(error, 2)} decade${error === 1 ? "" : "s"}.`;
      this.guesses[step.id] = { guess: x, revealed: true, truth, error, message };
    }
    this.render();
  }

  rhoBox(vm) {
    const { state } = this.store.get();
    const input = el("input", { type: "range", id: "lesson-rho", min: "0.1", max: "3", step: "0.05", "aria-label": "spectral radius of Ws" });
    const rho = state.rho > 0 ? state.rho : vm.diagnostics.ws_spectral_radius ?? 1;
    input.value = String(rho);
    const out = el("output", { for: "lesson-rho", text: `ρ(Ws) = ${fmt(rho, 3)}` });
    let timer = null;
    input.addEventListener("input", () => {
      out.textContent = `ρ(Ws) = ${fmt(Number(input.value), 3)}`;
      clearTimeout(timer);
      timer = setTimeout(() => this.setState({ rho: Number(input.value) }, { push: false }), 150);
    });
    return el("label", { class: "lesson-slider" }, el("span", { class: "sym", "data-def": "rho", tabindex: "0", text: "ρ(Ws)" }), input, out);
  }

  /** Light the graph elements the step's sentences name (data-lesson-hl), after every redraw. */
  highlight() {
    const svg = $("#unfolded");
    for (const e of document.querySelectorAll("[data-lesson-hl]")) e.removeAttribute("data-lesson-hl");
    if (this.card.hidden) return;
    // the page controls the step set (the cell, the truncation): lit too
    for (const id of (this.card.dataset.controls || "").split(" ").filter(Boolean)) {
      document.getElementById(id)?.setAttribute("data-lesson-hl", "true");
    }
    const waiting = this.card.dataset.waiting === "true";
    for (const part of this.card.querySelectorAll("[data-hl]")) {
      if (waiting && part.closest("[hidden]")) continue;
      for (const id of part.dataset.hl.split(" ").filter(Boolean)) {
        for (const e of svg.querySelectorAll(`[data-node="${id}"], [data-edge="${id}"]`)) e.setAttribute("data-lesson-hl", "true");
      }
    }
  }

  hoverPart(part) {
    const svg = $("#unfolded");
    for (const e of svg.querySelectorAll("[data-lesson-hover]")) e.removeAttribute("data-lesson-hover");
    if (!part) return;
    for (const id of part.dataset.hl.split(" ").filter(Boolean)) {
      for (const e of svg.querySelectorAll(`[data-node="${id}"], [data-edge="${id}"]`)) e.setAttribute("data-lesson-hover", "true");
    }
  }
}
