import { channelLabel } from './channels.js';
import { formatClock, formatNumber } from './i18n.js';

// A line chart of a node's readings as inline SVG: one line per channel, baseline dashed.
const W = 720;
const H = 260;
const PAD = { l: 48, r: 12, t: 12, b: 28 };
const COLORS = ['#e4572e', '#2e86ab', '#a1c349', '#f3a712', '#8e44ad'];

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function readingsChart(readings, emptyText) {
  if (readings.length === 0) return `<p class="muted">${esc(emptyText)}</p>`;
  const t0 = Math.min(...readings.map((r) => r.at));
  const t1 = Math.max(...readings.map((r) => r.at), t0 + 1);
  const values = readings.flatMap((r) => (r.b === undefined ? [r.v] : [r.v, r.b]));
  let v0 = Math.min(...values);
  let v1 = Math.max(...values);
  if (v1 === v0) {
    v0 -= 1;
    v1 += 1;
  }
  const x = (t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - ((v - v0) / (v1 - v0)) * (H - PAD.t - PAD.b);
  const channels = [...new Set(readings.map((r) => r.ch))];
  const lines = channels.map((ch, i) => {
    const rs = readings.filter((r) => r.ch === ch);
    const color = COLORS[i % COLORS.length];
    const pts = rs.map((r) => `${x(r.at).toFixed(1)},${y(r.v).toFixed(1)}`).join(' ');
    const base = rs.filter((r) => r.b !== undefined);
    const basePts = base.map((r) => `${x(r.at).toFixed(1)},${y(r.b).toFixed(1)}`).join(' ');
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>` +
      (base.length ? `<polyline fill="none" stroke="${color}" stroke-dasharray="4 4" points="${basePts}"/>` : '') +
      `<text x="${W - PAD.r - 4}" y="${PAD.t + 14 + i * 16}" text-anchor="end" fill="${color}">${esc(channelLabel(ch))}</text>`
    );
  });
  const ticks = [v0, (v0 + v1) / 2, v1].map(
    (v) =>
      `<text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${esc(formatNumber(v))}</text>` +
      `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
  );
  const withSeconds = t1 - t0 < 2 * 3_600_000;
  const time = (t) => formatClock(t, withSeconds);
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img">` +
    ticks.join('') +
    `<text x="${PAD.l}" y="${H - 8}">${esc(time(t0))}</text>` +
    `<text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">${esc(time(t1))}</text>` +
    lines.join('') +
    '</svg>'
  );
}
