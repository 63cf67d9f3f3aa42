// A small SVG heatmap of a matrix on the diverging scale, cells updated in place.

import { divergingColor, fmt, textOn } from "./colors.js";
import { setText } from "./text.js";

const SVG = "http://www.w3.org/2000/svg";

/** Largest matrix drawn as one element per cell; bigger ones are drawn as an image. */
export const MAX_RECTS = 1024;

/** Largest matrix whose cells fade to their new colour (CSS transition); bigger ones change at once. */
export const FADE_MAX_CELLS = 32;

/** Cell size for a rows×cols matrix in about `budget` pixels (numbers drawn when cells are big). */
export function heatmapCell(rows, cols, budget = 200, max = 46) {
  const cell = Math.max(2, Math.min(max, Math.floor(budget / Math.max(rows, cols, 1))));
  // a row vector (Wx with one input) gets taller cells, so a 1×64 sum is a band, not a hairline
  const cellH = rows <= 2 ? Math.max(cell, 12) : cell;
  return { cell, cellH, gap: cell >= 6 ? 1 : 0, numbers: cell >= 40 };
}

export class Heatmap {
  /** svg: the element to draw in; label: a name used in the hover titles, e.g. "∂E₃/∂Ws". */
  constructor(svg, { budget = 200, max = 46, label = "" } = {}) {
    this.svg = svg;
    this.budget = budget;
    this.max = max;
    this.label = label;
    this.shape = "";
    this.blocks = 1; // column blocks marked by a rule (gated cells' gates)
  }

  /** Mark `n` equal column blocks (a redraw rebuilds the rules). */
  setBlocks(n) {
    if (n !== this.blocks) this.shape = "";
    this.blocks = n;
  }

  /** Draw matrix m with the symmetric colour domain [-domain, domain]. */
  draw(m, domain) {
    const rows = m.length;
    const cols = rows ? m[0].length : 0;
    if (rows * cols > MAX_RECTS) {
      this.drawImage(m, domain, rows, cols);
      return;
    }
    const shape = `${rows}x${cols}`;
    if (shape !== this.shape) this.build(rows, cols);
    this.values = m; // the hover titles are written when the pointer reaches a cell
    if (this.tipped) this.writeTip(this.tipped);
    for (let i = 0; i < rows; i += 1) {
      for (let j = 0; j < cols; j += 1) {
        const v = m[i][j];
        const { rect, text } = this.cells[i][j];
        const fill = divergingColor(v, domain);
        if (rect.getAttribute("fill") !== fill) rect.setAttribute("fill", fill);
        if (text) {
          setText(text, fmt(v, 2));
          const ink = textOn(domain > 0 ? v / domain : 0);
          if (text.getAttribute("fill") !== ink) text.setAttribute("fill", ink);
        }
      }
    }
  }

  /**
   * A large matrix (over MAX_RECTS cells) as one image, a pixel per entry scaled up crisply,
   * instead of thousands of elements (64×64: 8,192 nodes per map); hover shows the entry.
   */
  drawImage(m, domain, rows, cols) {
    const { cell, cellH } = heatmapCell(rows, cols, this.budget, this.max);
    if (this.shape !== `img:${rows}x${cols}`) {
      this.shape = `img:${rows}x${cols}`;
      this.svg.setAttribute("viewBox", `0 0 ${cols * cell} ${rows * cellH}`);
      this.svg.setAttribute("width", cols * cell);
      this.svg.setAttribute("height", rows * cellH);
      this.image = document.createElementNS(SVG, "image");
      for (const [k, v] of Object.entries({ x: 0, y: 0, width: cols * cell, height: rows * cellH, preserveAspectRatio: "none" })) {
        this.image.setAttribute(k, v);
      }
      this.image.setAttribute("class", "hm-image");
      this.tip = document.createElementNS(SVG, "title");
      this.image.append(this.tip);
      this.svg.replaceChildren(this.image);
      this.canvas = document.createElement("canvas");
      this.canvas.width = cols;
      this.canvas.height = rows;
      this.svg.addEventListener("mousemove", (ev) => {
        const r = this.svg.getBoundingClientRect();
        const j = Math.floor(((ev.clientX - r.left) / r.width) * cols);
        const i = Math.floor(((ev.clientY - r.top) / r.height) * rows);
        const v = this.values && this.values[i] ? this.values[i][j] : undefined;
        if (v !== undefined) this.tip.textContent = `${this.label}[${i + 1},${j + 1}] = ${fmt(v, 6)}`;
      });
      this.cells = null;
    }
    this.values = m;
    const ctx = this.canvas.getContext("2d");
    const img = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows; i += 1) {
      for (let j = 0; j < cols; j += 1) {
        const hex = divergingColor(m[i][j], domain);
        const o = (i * cols + j) * 4;
        img.data[o] = parseInt(hex.slice(1, 3), 16);
        img.data[o + 1] = parseInt(hex.slice(3, 5), 16);
        img.data[o + 2] = parseInt(hex.slice(5, 7), 16);
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.image.setAttribute("href", this.canvas.toDataURL());
  }

  /** The hover title of cell [i, j] (a step writes no titles: only the cell pointed at gets one). */
  writeTip([i, j]) {
    this.tipped = [i, j];
    const v = this.values?.[i]?.[j];
    const cell = this.cells?.[i]?.[j];
    if (cell && v !== undefined) cell.tip.textContent = `${this.label}[${i + 1},${j + 1}] = ${fmt(v, 6)}`;
  }

  build(rows, cols) {
    const { cell, cellH, gap, numbers } = heatmapCell(rows, cols, this.budget, this.max);
    this.shape = `${rows}x${cols}`;
    this.tipped = null;
    // a fade restyles every cell in every frame for 0.35 s after a step: only for small maps
    this.svg.classList.toggle("instant", rows * cols > FADE_MAX_CELLS);
    if (!this.hoverBound) {
      this.hoverBound = true;
      this.svg.addEventListener("mouseover", (ev) => {
        const rect = ev.target.closest?.("rect[data-ij]");
        if (rect && this.cells) this.writeTip(rect.dataset.ij.split(",").map(Number));
      });
    }
    this.svg.setAttribute("viewBox", `0 0 ${cols * cell} ${rows * cellH}`);
    this.svg.setAttribute("width", cols * cell);
    this.svg.setAttribute("height", rows * cellH);
    this.cells = [];
    const kids = [];
    for (let i = 0; i < rows; i += 1) {
      const row = [];
      for (let j = 0; j < cols; j += 1) {
        const tip = document.createElementNS(SVG, "title");
        const rect = document.createElementNS(SVG, "rect");
        for (const [k, v] of Object.entries({ x: j * cell, y: i * cellH, width: cell - gap, height: cellH - gap, rx: gap ? Math.min(3, cell / 6) : 0, "data-ij": `${i},${j}` })) {
          rect.setAttribute(k, v);
        }
        rect.append(tip);
        kids.push(rect);
        let text = null;
        if (numbers) {
          text = document.createElementNS(SVG, "text");
          text.setAttribute("x", j * cell + cell / 2);
          text.setAttribute("y", i * cellH + cellH / 2 + 4);
          text.setAttribute("class", "hm-num");
          kids.push(text);
        }
        row.push({ rect, text, tip });
      }
      this.cells.push(row);
    }
    // gate blocks (LSTM i f g o, GRU r z n): a thin rule between column blocks
    for (let b = 1; b < this.blocks; b += 1) {
      const line = document.createElementNS(SVG, "line");
      const x = (b * cols * cell) / this.blocks - gap / 2;
      for (const [k, v] of Object.entries({ x1: x, x2: x, y1: 0, y2: rows * cellH, class: "hm-block" })) line.setAttribute(k, v);
      kids.push(line);
    }
    this.svg.replaceChildren(...kids);
  }
}
