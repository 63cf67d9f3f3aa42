// The trained weights' buttons in the training panel: a link that carries them, a JSON file to
// save and to load. Intents go to the controller; this module draws its answer and does the
// browser's part (clipboard, download, file picker).

export class WeightsShare {
  /** root: the group of buttons; store: the page's store; intents: {link(base), file(), load(text)}. */
  constructor(root, store, { link, file, load }) {
    this.root = root;
    const $ = (id) => root.querySelector(`#${id}`);
    this.msg = $("weights-msg");
    this.linkBox = $("weights-link");
    $("btn-weights-link").addEventListener("click", async () => {
      const base = location.href.replace(/#.*$/, "");
      const { url } = await link(base);
      if (!url) return;
      this.linkBox.value = url;
      this.linkBox.hidden = false;
      this.linkBox.select();
      // the clipboard needs a secure context and the user's permission; the box has the link anyway
      navigator.clipboard?.writeText(url).catch(() => {});
    });
    $("btn-weights-save").addEventListener("click", async () => {
      const json = await file();
      if (!json) return;
      const blob = new Blob([JSON.stringify(json, null, 1)], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `bptt-weights-${json.model.cell}-H${json.model.n_hidden}${json.task ? `-${json.task}` : ""}-step${json.step}.json`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });
    const input = $("weights-file");
    input.addEventListener("change", async () => {
      const chosen = input.files && input.files[0];
      input.value = ""; // the same file can be chosen again
      if (chosen) await load(await chosen.text());
    });
    store.subscribe((next, prev) => {
      if (next.weightsMessage !== prev.weightsMessage) this.show(next.weightsMessage);
    });
  }

  show(message) {
    const error = Boolean(message && message.error);
    this.msg.textContent = message ? message.error || message.note : "";
    this.msg.hidden = !message;
    this.msg.classList.toggle("train-error", error);
    this.root.dataset.weights = error ? "error" : message ? "ok" : "";
    if (!message || !message.url) this.linkBox.hidden = true;
  }
}
