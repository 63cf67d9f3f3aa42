// A lecturer's storyboard: a sequence of views (the page state's URL hash, with a note each),
// kept as a JSON file or a link (?board=…), presented with the presenter keys
// (→ / PageDown next, ← / PageUp back, Esc stops). Applies views through the controller.

import { isTyping } from "./lecture.js";
import { hashFromState, stateFromHash } from "./state.js";

const $ = (sel) => document.querySelector(sel);

/** The file / link form of a storyboard: {format, frames: [{hash, note}]}. */
export function boardJson(frames) {
  return { format: "bptt-storyboard/1", frames: frames.map(({ hash, note }) => ({ hash, note })) };
}

/** Frames from a parsed storyboard; throws with a message naming what was expected. */
export function parseBoard(data) {
  if (!data || data.format !== "bptt-storyboard/1" || !Array.isArray(data.frames)) {
    throw new Error('expected a storyboard: {"format": "bptt-storyboard/1", "frames": [...]}');
  }
  return data.frames.map((f, i) => {
    if (!f || typeof f.hash !== "string") throw new Error(`frame ${i + 1}: expected a "hash" string`);
    // a frame's view passes through the state's table: unknown keys and bad values fall away
    return { hash: hashFromState(stateFromHash(f.hash)), note: String(f.note ?? "") };
  });
}

/** base64url of UTF-8 text, and back (a storyboard inside a link). */
export function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text) {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export class Storyboard {
  /** store: the page's store; setState(patch): the controller's. */
  constructor(store, setState) {
    this.store = store;
    this.setState = setState;
    this.frames = [];
    this.at = -1; // the frame presented, -1 when not presenting
    this.panel = $("#storyboard");
    $("#btn-board").addEventListener("click", () => this.toggle());
    $("#board-add").addEventListener("click", () => this.add());
    $("#board-present").addEventListener("click", () => this.present(0));
    $("#board-save").addEventListener("click", () => this.save());
    $("#board-file").addEventListener("change", (ev) => this.loadFile(ev.target.files[0]));
    $("#board-close").addEventListener("click", () => this.toggle(false));
    window.addEventListener("keydown", (ev) => this.onKey(ev), true);
    const link = new URLSearchParams(location.search).get("board");
    if (link) {
      try {
        this.frames = parseBoard(JSON.parse(fromBase64Url(link)));
        this.toggle(true);
      } catch (err) {
        this.toggle(true);
        this.error(`The link's storyboard was not read: ${err.message}`);
      }
      history.replaceState(null, "", location.pathname + location.hash);
    }
    this.render();
  }

  toggle(on = this.panel.hidden) {
    this.panel.hidden = !on;
    $("#btn-board").setAttribute("aria-pressed", String(on));
    if (on) $("#board-note").focus();
  }

  error(msg) {
    const box = $("#err-board");
    box.textContent = msg;
    box.hidden = !msg;
  }

  /** The current view, with the note typed, as the next frame. */
  add() {
    const note = $("#board-note").value.trim();
    this.frames.push({ hash: hashFromState(this.store.get().state), note });
    $("#board-note").value = "";
    this.render();
  }

  remove(i) {
    this.frames.splice(i, 1);
    if (this.at >= this.frames.length) this.at = this.frames.length - 1;
    this.render();
  }

  /** Show frame i: its whole state, through the controller (URL, requests, drawing). */
  show(i) {
    if (i < 0 || i >= this.frames.length) return;
    this.at = i;
    this.setState({ ...stateFromHash(this.frames[i].hash), lesson: 0 });
    this.render();
  }

  present(i) {
    if (this.frames.length === 0) return;
    document.activeElement?.blur?.();
    this.toggle(false); // the room sees the views, not the list
    this.show(i);
  }

  stop() {
    this.at = -1;
    this.toggle(true);
    this.render();
  }

  onKey(ev) {
    if (this.at < 0 || ev.altKey || ev.ctrlKey || ev.metaKey || isTyping(ev.target)) return;
    const key = ev.key;
    if (key === "ArrowRight" || key === "PageDown" || key === "n") this.show(this.at + 1);
    else if (key === "ArrowLeft" || key === "PageUp" || key === "p") this.show(this.at - 1);
    else if (key === "Escape") this.stop();
    else return;
    ev.preventDefault();
    ev.stopImmediatePropagation(); // presenting: the keys step through the views
  }

  link() {
    const url = new URL(location.href);
    url.hash = "";
    url.search = `?board=${toBase64Url(JSON.stringify(boardJson(this.frames)))}`;
    return url.toString();
  }

  save() {
    const blob = new Blob([JSON.stringify(boardJson(this.frames), null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "bptt-storyboard.json";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async loadFile(file) {
    if (!file) return;
    try {
      this.frames = parseBoard(JSON.parse(await file.text()));
      this.at = -1;
      this.error("");
      this.render();
    } catch (err) {
      this.error(`${file.name} was not read: ${err.message}`);
    }
  }

  render() {
    const list = $("#board-frames");
    list.replaceChildren(...this.frames.map((f, i) => {
      const li = document.createElement("li");
      li.dataset.hash = f.hash;
      if (i === this.at) li.setAttribute("aria-current", "step");
      const go = document.createElement("button");
      go.type = "button";
      go.className = "board-go";
      go.textContent = f.note || `view ${i + 1}`;
      go.title = f.hash;
      go.addEventListener("click", () => this.present(i));
      const del = document.createElement("button");
      del.type = "button";
      del.textContent = "×";
      del.setAttribute("aria-label", `remove view ${i + 1}`);
      del.addEventListener("click", () => this.remove(i));
      li.append(go, del);
      return li;
    }));
    const empty = this.frames.length === 0;
    $("#board-present").disabled = empty;
    $("#board-save").disabled = empty;
    $("#board-link").value = empty ? "" : this.link();
    const caption = $("#board-caption");
    caption.hidden = this.at < 0;
    if (this.at >= 0) {
      caption.textContent = `${this.at + 1} / ${this.frames.length}  ${this.frames[this.at].note}`;
      caption.dataset.at = String(this.at);
    }
    this.panel.dataset.frames = String(this.frames.length);
  }
}
