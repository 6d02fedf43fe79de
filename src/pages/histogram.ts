/**
 * A score histogram as SVG markup, drawn on the server (no chart library, no script).
 * Scores are binned by share of the maximum into `bins` equal bins; the last bin
 * includes full marks.
 */
import { html, type Html } from './html.js';

export interface HistogramBin {
  /** Lower and upper bound as a percentage of the maximum score. */
  fromPercent: number;
  toPercent: number;
  count: number;
}

export function binScores(scores: ReadonlyArray<{ score: number; maxScore: number }>, bins = 10): HistogramBin[] {
  const out: HistogramBin[] = Array.from({ length: bins }, (_, i) => ({
    fromPercent: (100 * i) / bins,
    toPercent: (100 * (i + 1)) / bins,
    count: 0,
  }));
  for (const { score, maxScore } of scores) {
    const share = maxScore > 0 ? Math.min(Math.max(score / maxScore, 0), 1) : 1;
    out[Math.min(Math.floor(share * bins), bins - 1)]!.count += 1;
  }
  return out;
}

const WIDTH = 600;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 12, bottom: 36, left: 36 };

export function histogramSvg(bins: readonly HistogramBin[], title: string): Html {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const barW = plotW / Math.max(1, bins.length);
  const y = (count: number) => MARGIN.top + plotH - (plotH * count) / maxCount;
  const ticks = [...new Set([0, Math.ceil(maxCount / 2), maxCount])];
  return html`<svg class="histogram" role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" xmlns="http://www.w3.org/2000/svg" aria-labelledby="histogram-title">
<title id="histogram-title">${title}</title>
<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}"/>
<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}"/>
${ticks.map((t) => html`<text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`)}
${bins.map((b, i) => {
    const x = MARGIN.left + i * barW;
    const top = y(b.count);
    return html`<g class="bin" data-from="${b.fromPercent}" data-count="${b.count}">
<rect class="bar" x="${(x + 2).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(MARGIN.top + plotH - top).toFixed(1)}"><title>${b.fromPercent}–${b.toPercent}%: ${b.count}</title></rect>
${b.count > 0 ? html`<text x="${(x + barW / 2).toFixed(1)}" y="${(top - 3).toFixed(1)}" text-anchor="middle">${b.count}</text>` : ''}
<text x="${(x + barW / 2).toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${b.fromPercent}</text>
</g>`;
  })}
<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">score, % of maximum</text>
</svg>`;
}
