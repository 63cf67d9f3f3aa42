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
    const box = this.box.getBoundingClientRect();
    let left = Infinity;
    let right = -Infinity;
    for (const el of els) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      left = Math.min(left, r.left);
      right = Math.max(right, r.right);
    }
    if (!Number.isFinite(left)) return;
    const scrollLeft = this.box.scrollLeft;
    const target = panTarget({
      scrollLeft,
      viewWidth: this.box.clientWidth,
      contentWidth: this.box.scrollWidth,
      left: left - box.left + scrollLeft,
      right: right - box.left + scrollLeft,
      margin: Math.min(80, this.box.clientWidth / 6),
    });
    // a glide over more than a screen or two would lag behind the animation: jump instead
    const far = target !== null && Math.abs(target - scrollLeft) > 2 * this.box.clientWidth;
    const behavior = smooth && !far ? "smooth" : "auto";
    if (target !== null) this.box.scrollTo({ left: target, behavior });
    // the graph itself off screen (a phone, a scrolled page): bring its row into view
    const top = Math.min(...els.map((el) => el.getBoundingClientRect().top));
    const bottom = Math.max(...els.map((el) => el.getBoundingClientRect().bottom));
    const vh = window.innerHeight;
    if (top < 0 || bottom > vh) window.scrollBy({ top: top < 0 ? top - 20 : bottom - vh + 20, behavior });
  }
}
