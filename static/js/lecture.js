// Lecture mode and the keys of ui.md §4 that main.js does not handle: f full screen,
// l lecture mode, ? the list of keys (Esc closes it). Keys typed into a control stay there.

const $ = (sel) => document.querySelector(sel);

/** True when a key event belongs to a control that takes typing (inputs keep their keys). */
export function isTyping(target) {
  return !!(target && target.closest && target.closest("input, select, textarea, [contenteditable]"));
}

export class Lecture {
  constructor({ getState, setState }) {
    this.getState = getState;
    this.setState = setState;
    this.overlay = $("#keys-help");
    this.returnFocus = null;
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    $("#btn-lecture").addEventListener("click", () => this.toggleLecture());
    $("#btn-full").addEventListener("click", () => this.toggleFullscreen());
    $("#btn-keys").addEventListener("click", () => this.openHelp());
    // lecture mode hides the panels; these bring the sums or the lab back on demand
    for (const [id, cls] of [["#btn-show-sums", "show-sums"], ["#btn-show-lab", "show-lab"]]) {
      $(id).addEventListener("click", () => {
        const on = document.documentElement.classList.toggle(cls);
        $(id).setAttribute("aria-pressed", String(on));
        if (cls === "show-lab" && on) $(".lab").scrollIntoView({ behavior: "smooth", block: "start" });
      });
    }
    $("#keys-close").addEventListener("click", () => this.closeHelp());
    this.overlay.addEventListener("click", (ev) => {
      if (ev.target === this.overlay) this.closeHelp(); // a click on the backdrop
    });
    document.addEventListener("fullscreenchange", () => {
      $("#btn-full").setAttribute("aria-pressed", String(!!document.fullscreenElement));
    });
  }

  onKey(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (!this.overlay.hidden) {
      if (ev.key === "Escape" || ev.key === "?") {
        ev.preventDefault();
        this.closeHelp();
      } else if (ev.key === "Tab") {
        ev.preventDefault(); // one control in the dialog: focus stays on it
        $("#keys-close").focus();
      }
      return;
    }
    if (isTyping(ev.target)) return;
    if (ev.key === "?") {
      ev.preventDefault();
      this.openHelp();
    } else if (ev.key === "l" || ev.key === "L") {
      ev.preventDefault();
      this.toggleLecture();
    } else if (ev.key === "f" || ev.key === "F") {
      ev.preventDefault();
      this.toggleFullscreen();
    }
  }

  toggleLecture() {
    this.setState({ lecture: this.getState().lecture ? 0 : 1 });
  }

  /** Body class and button ← state; the graph is laid out again for the new width. */
  sync(state) {
    const on = state.lecture === 1;
    const was = document.documentElement.classList.contains("lecture");
    document.documentElement.classList.toggle("lecture", on);
    $("#btn-lecture").setAttribute("aria-pressed", String(on));
    if (on !== was) window.dispatchEvent(new Event("resize"));
  }

  async toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await document.documentElement.requestFullscreen();
    } catch {
      // refused (e.g. not allowed without a user gesture): nothing to undo
    }
  }

  openHelp() {
    this.returnFocus = document.activeElement;
    this.overlay.hidden = false;
    $("#keys-close").focus();
  }

  closeHelp() {
    this.overlay.hidden = true;
    if (this.returnFocus && this.returnFocus.focus) this.returnFocus.focus();
    this.returnFocus = null;
  }
}
