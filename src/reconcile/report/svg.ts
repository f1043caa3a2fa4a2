/** Simple inline SVG charts (no external assets): horizontal bars, stacked or single. */

/** Escapes text for HTML/SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A bar's segments: value and colour. */
export interface BarPart {
  label: string;
  value: number;
  color: string;
}

/** One labelled bar. */
export interface Bar {
  label: string;
  parts: BarPart[];
}

const ROW = 22;
const LABEL_W = 180;
const BAR_W = 420;

/** Horizontal (stacked) bars with a legend; scaled to the largest total. */
export function barChart(title: string, bars: readonly Bar[], unit = ''): string {
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((a, p) => a + p.value, 0)));
  const legend = [...new Map(bars.flatMap((b) => b.parts.map((p) => [p.label, p.color] as const))).entries()];
  const height = 28 + bars.length * ROW + 24;
  const rows = bars.map((b, i) => {
    const y = 28 + i * ROW;
    let x = LABEL_W;
    const rects = b.parts.map((p) => {
      const w = (p.value / max) * BAR_W;
      const r = w > 0 ? `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${p.color}"><title>${esc(`${p.label}: ${p.value}${unit}`)}</title></rect>` : '';
      x += w;
      return r;
    });
    const total = b.parts.reduce((a, p) => a + p.value, 0);
    return `<text x="${LABEL_W - 6}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>${rects.join('')}<text x="${(x + 4).toFixed(1)}" y="${y + 12}">${esc(`${total.toLocaleString('en-US')}${unit}`)}</text>`;
  });
  const legendY = 28 + bars.length * ROW + 12;
  const legendItems = legend.map(([label, color], i) => `<rect x="${LABEL_W + i * 130}" y="${legendY - 9}" width="10" height="10" fill="${color}"/><text x="${LABEL_W + i * 130 + 14}" y="${legendY}">${esc(label)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${LABEL_W + BAR_W + 120}" height="${height}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${rows.join('')}${legendItems.join('')}</svg>`;
}
