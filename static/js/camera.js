// The camera of the unfolded graph: keeps the animated element in view by panning the graph's
// scroll box (smoothly), and the play pace. panTarget and stepMs are pure; Camera touches
// only the scroll box.

/**
 * Where to scroll so that the span [left, right] (content pixels) is in view with `margin`
 * pixels to spare: null when it already is, else the new scrollLeft, centring the span.
 */
export function panTarget({ scrollLeft, viewWidth, contentWidth, left, right, margin = 40 }) {
  const maxScroll = Math.max(0, contentWidth - viewWidth);
  const inView = left >= scrollLeft + margin && right <= scrollLeft + viewWidth - margin;
  if (inView || maxScroll === 0) return null;
  const centre = (left + right) / 2 - viewWidth / 2;
  const target = Math.round(Math.max(0, Math.min(maxScroll, centre)));
  return target === Math.round(scrollLeft) ? null : target;
}

/**
 * Milliseconds an animation step stays on screen while playing: the lecture's pace (1 s,
 * 0.65 s for a forward step) for short timelines, quicker for long ones so a whole play lasts
 * about `budgetMs`, then divided by the speed control.
 */
export function stepMs(kind, nSteps, speed = 1, { budgetMs = 30000, minMs = 60 } = {}) {
  const base = kind === "forward" ? 650 : 1000;
  const fitted = Math.min(base, (budgetMs / Math.max(1, nSteps)) * (kind === "forward" ? 0.65 : 1));
  return Math.max(minMs / Math.max(speed, 1), fitted / speed);
}

export class Camera {
  /** box: the scroll container of the graph. */
  constructor(box) {
    this.box = box;
  }

  /**
   * Pan so that the elements (SVG or HTML) are in view; `smooth` animates the pan (a
   * person's step), a jump of many columns still glides but quickly.
   */
  show(elements, { smooth = true } = {}) {
    const els = elements.filter(Boolean);
    if (els.length === 0) return;
    // every rectangle read in one go, before any scroll is asked for (one layout, not one per element)
    const box = this.box.getBoundingClientRect();
    const rects = els.map((el) => el.getBoundingClientRect()).filter((r) => r.width !== 0 || r.height !== 0);
    if (rects.length === 0) return;
    const left = Math.min(...rects.map((r) => r.left));
    const right = Math.max(...rects.map((r) => r.right));
    const top = Math.min(...rects.map((r) => r.top));
    const bottom = Math.max(...rects.map((r) => r.bottom));
    const scrollLeft = this.box.scrollLeft;
    const viewWidth = this.box.clientWidth;
    const target = panTarget({
      scrollLeft,
      viewWidth,
      contentWidth: this.box.scrollWidth,
      left: left - box.left + scrollLeft,
      right: right - box.left + scrollLeft,
      margin: Math.min(80, viewWidth / 6),
    });
    // a glide over more than a screen or two would lag behind the animation: jump instead
    const far = target !== null && Math.abs(target - scrollLeft) > 2 * viewWidth;
    const behavior = smooth && !far ? "smooth" : "auto";
    if (target !== null) this.box.scrollTo({ left: target, behavior });
    // the graph itself off screen (a phone, a scrolled page): bring its row into view
    const vh = window.innerHeight;
    if (top < 0 || bottom > vh) window.scrollBy({ top: top < 0 ? top - 20 : bottom - vh + 20, behavior });
  }
}
