// Which panels are on screen (IntersectionObserver): heavy plots are drawn only where they
// can be seen, and the moment they come into view.

/** Watch `el`; `onShow()` runs each time it scrolls into view. Returns () => whether it is visible now. */
export function watchVisible(el, onShow = () => {}) {
  let visible = false;
  if (typeof IntersectionObserver === "undefined") return () => true;
  new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const was = visible;
      visible = entry.isIntersecting;
      if (visible && !was) onShow();
    }
  }, { rootMargin: "100px" }).observe(el);
  return () => visible;
}
