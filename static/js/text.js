// Text written in place: a step that changes a number edits the element's one text node
// instead of replacing it (a new node is styled and laid out again; an edit is only re-laid out).

/** el's text becomes `text`; nothing is written when it is already that. */
export function setText(el, text) {
  const node = el.firstChild;
  if (node && node.nodeType === Node.TEXT_NODE && node === el.lastChild) {
    if (node.data !== text) node.data = text;
  } else {
    el.textContent = text;
  }
}
