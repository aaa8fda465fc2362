// A node's readings over the window it claims (24 h by default) as inline SVG: the readings in
// their unit, the baseline dashed, the pre-alarm and alarm thresholds as lines, the moments of
// pre-alarm and alarm marked, and the axis labelled in the panel's language.
import { channelLabel, scaled, unitOf } from './channels.js';
import { formatClock, formatNumber, t } from './i18n.js';

const W = 900;
const H = 300;
const PAD = { l: 64, r: 16, t: 28, b: 30 };
const COLORS = ['#4fb3ff', '#a1c349', '#c38cff', '#f3a712'];
const HOUR = 3_600_000;

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Points closer than a gap are joined; a longer silence leaves a break, not a ramp across it. */
function segments(points, gapMs) {
  const out = [];
  let current = [];
  for (const p of points) {
    if (current.length && p.at - current[current.length - 1].at > gapMs) {
      out.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

/** The latest threshold each kind of event reported, in the unit shown. */
function thresholds(rs, ch) {
  const out = {};
  for (const r of rs)
    if (r.th !== undefined && (r.kind === 'prealarm' || r.kind === 'alarm')) out[r.kind] = scaled(ch, r.th);
  return out;
}

/** `window` is { from, to } in ms: the period the page says it shows. */
export function readingsChart(readings, window, emptyText) {
  if (readings.length === 0) return `<p class="muted">${esc(emptyText)}</p>`;
  const { from: t0, to: t1 } = window;
  const channels = [...new Set(readings.map((r) => r.ch))];
  const series = channels.map((ch) => {
    const rs = readings.filter((r) => r.ch === ch);
    return { ch, rs, th: thresholds(rs, ch), v: (r) => scaled(ch, r.v), b: (r) => scaled(ch, r.b) };
  });
  const values = series.flatMap((s) => [
    ...s.rs.flatMap((r) => (r.b === undefined ? [s.v(r)] : [s.v(r), s.b(r)])),
    ...Object.values(s.th),
  ]);
  const v0 = Math.min(0, ...values);
  let v1 = Math.max(...values) * 1.1;
  if (v1 <= v0) v1 = v0 + 1;
  const x = (at) => PAD.l + ((at - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - ((v - v0) / (v1 - v0)) * (H - PAD.t - PAD.b);
  const xy = (at, v) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`;
  const unit = unitOf(channels[0]);
  const parts = [];
  // value grid: five lines, labelled in the unit
  for (let i = 0; i <= 4; i++) {
    const v = v0 + ((v1 - v0) * i) / 4;
    parts.push(
      `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}"/>` +
        `<text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${esc(formatNumber(v, v1 - v0 < 1 ? 3 : 1))}</text>`,
    );
  }
  parts.push(`<text x="${PAD.l - 6}" y="${PAD.t - 12}" text-anchor="end">${esc(unit)}</text>`);
  // time grid: a tick every 1, 3 or 6 hours across the whole window
  const span = t1 - t0;
  const step = span > 12 * HOUR ? 3 * HOUR : span > 3 * HOUR ? HOUR : span / 4;
  const withSeconds = span < 2 * HOUR;
  const first = Math.ceil(t0 / step) * step;
  for (let at = first; at <= t1; at += step) {
    parts.push(
      `<line class="grid" x1="${x(at)}" x2="${x(at)}" y1="${PAD.t}" y2="${H - PAD.b}"/>` +
        `<text x="${x(at)}" y="${H - 10}" text-anchor="middle">${esc(formatClock(at, withSeconds))}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    for (const [kind, v] of Object.entries(s.th)) {
      const label = `${t(kind === 'alarm' ? 'alarmLine' : 'prealarmLine')} ${formatNumber(v, 3)} ${unit}`;
      parts.push(
        `<line class="th-${kind}" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}"/>` +
          `<text class="th-${kind}" x="${PAD.l + 4}" y="${y(v) - 4}">${esc(label)}</text>`,
      );
    }
    const gaps = s.rs
      .slice(1)
      .map((r, j) => r.at - s.rs[j].at)
      .sort((a, b) => a - b);
    const gap = Math.max(15 * 60_000, 3 * (gaps[gaps.length >> 1] ?? 0));
    for (const seg of segments(s.rs, gap)) {
      parts.push(
        `<polyline class="reading" stroke="${color}" points="${seg.map((r) => xy(r.at, s.v(r))).join(' ')}"/>`,
      );
      const base = seg.filter((r) => r.b !== undefined);
      if (base.length > 1)
        parts.push(
          `<polyline class="baseline" stroke="${color}" points="${base.map((r) => xy(r.at, s.b(r))).join(' ')}"/>`,
        );
      if (seg.length === 1) parts.push(`<circle cx="${x(seg[0].at)}" cy="${y(s.v(seg[0]))}" r="3" fill="${color}"/>`);
    }
    // the moments a pre-alarm or alarm was declared
    for (const r of s.rs.filter((r) => r.kind === 'prealarm' || r.kind === 'alarm')) {
      parts.push(
        `<line class="moment-${r.kind}" x1="${x(r.at)}" x2="${x(r.at)}" y1="${PAD.t}" y2="${H - PAD.b}"/>` +
          `<circle class="moment-${r.kind}" cx="${x(r.at)}" cy="${y(s.v(r))}" r="5"/>` +
          `<text class="moment-${r.kind}" x="${Math.max(x(r.at) - 4, PAD.l + 150)}" y="${r.kind === 'alarm' ? PAD.t - 4 : PAD.t + 12}" text-anchor="end">${esc(t(`kind.${r.kind}`))} ${esc(formatClock(r.at, true))}</text>`,
      );
    }
    parts.push(
      `<text x="${PAD.l + 8 + i * 160}" y="${PAD.t - 12}" fill="${color}">${esc(channelLabel(s.ch))} ━ · ${esc(t('baseline'))} ┄</text>`,
    );
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img">${parts.join('')}</svg>`;
}
