// A small SVG heatmap of a matrix on the diverging scale, cells updated in place.

import { divergingColor, fmt, textOn } from "./colors.js";

const SVG = "http://www.w3.org/2000/svg";

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
  }

  /** Draw matrix m with the symmetric colour domain [-domain, domain]. */
  draw(m, domain) {
    const rows = m.length;
    const cols = rows ? m[0].length : 0;
    const shape = `${rows}x${cols}`;
    if (shape !== this.shape) this.build(rows, cols);
    for (let i = 0; i < rows; i += 1) {
      for (let j = 0; j < cols; j += 1) {
        const v = m[i][j];
        const { rect, text, tip } = this.cells[i][j];
        rect.setAttribute("fill", divergingColor(v, domain));
        tip.textContent = `${this.label}[${i + 1},${j + 1}] = ${fmt(v, 6)}`;
        if (text) {
          text.textContent = fmt(v, 2);
          text.setAttribute("fill", textOn(domain > 0 ? v / domain : 0));
        }
      }
    }
  }

  build(rows, cols) {
    const { cell, cellH, gap, numbers } = heatmapCell(rows, cols, this.budget, this.max);
    this.shape = `${rows}x${cols}`;
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
        for (const [k, v] of Object.entries({ x: j * cell, y: i * cellH, width: cell - gap, height: cellH - gap, rx: gap ? Math.min(3, cell / 6) : 0 })) {
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
    this.svg.replaceChildren(...kids);
  }
}
