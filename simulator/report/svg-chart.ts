import type { ChannelSeries, FaultSpan, TimelineEntry } from '../scenario/timeline.ts';

/**
 * One channel over time as inline SVG: the sensor signal, the node's baseline and its pre-alarm
 * and alarm thresholds over that baseline, fault spans, trace marks (ignition, the commercial
 * alarm), and two bands below: the channel's state (normal / prealarm / alarm) and troubles.
 */
const W = 920;
const H = 260;
const L = 64;
const R = 16;
const TOP = 16;
const PLOT_H = 170;
const BAND_H = 14;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (n: number) => n.toFixed(1);

interface Span {
  from: number;
  to: number;
  label: string;
  color: string;
}

export const STATE_COLORS = {
  normal: '#cfe8cf',
  prealarm: '#f5b041',
  alarm: '#d62728',
  trouble: '#f1c40f',
  offline: '#7f7f7f',
};

/** Channel states over time from the node's messages. */
export function stateSpans(
  entries: TimelineEntry[],
  s: ChannelSeries,
  endS: number,
): { state: Span[]; trouble: Span[] } {
  const mine = entries
    .filter((e) => e.node === s.node && (e.ch === s.ch || e.ch === ''))
    .sort((a, b) => a.atMs - b.atMs);
  const state: Span[] = [];
  const trouble: Span[] = [];
  let cur = { from: 0, label: 'normal' };
  const open = new Map<string, number>();
  const push = (to: number) => {
    if (to > cur.from) state.push({ ...cur, to, color: STATE_COLORS[cur.label as 'normal'] });
  };
  for (const e of mine) {
    const t = e.atMs / 1000;
    if (e.ch === s.ch && (e.kind === 'prealarm' || e.kind === 'alarm' || e.kind === 'clear')) {
      const next = e.kind === 'clear' ? 'normal' : e.kind;
      if (next === cur.label) continue;
      push(t);
      cur = { from: t, label: next };
    } else if (e.kind === 'trouble' && e.code && !open.has(e.code)) open.set(e.code, t);
    else if (e.kind === 'trouble_clear' && e.code && open.has(e.code)) {
      const from = open.get(e.code) as number;
      open.delete(e.code);
      trouble.push({
        from,
        to: t,
        label: e.code,
        color: e.code === 'offline' ? STATE_COLORS.offline : STATE_COLORS.trouble,
      });
    }
  }
  push(endS);
  for (const [code, from] of open) {
    trouble.push({
      from,
      to: endS,
      label: code,
      color: code === 'offline' ? STATE_COLORS.offline : STATE_COLORS.trouble,
    });
  }
  return { state, trouble };
}

export function channelSvg(s: ChannelSeries, entries: TimelineEntry[], faults: FaultSpan[], endS: number): string {
  const baselines = entries
    .filter((e) => e.node === s.node && e.ch === s.ch && e.b !== undefined)
    .map((e) => ({ t: e.atMs / 1000, b: e.b as number }))
    .sort((a, b) => a.t - b.t);
  const steps = [{ t: 0, b: baselines[0]?.b ?? 0 }, ...baselines];
  // a dense fire reads far above the thresholds: keep them readable and clip the trace
  const hiThreshold = Math.max(...steps.map((p) => p.b + s.alarm));
  const hiData = Math.min(Math.max(...s.v, hiThreshold), hiThreshold * 4);
  const loData = Math.min(0, ...s.v, ...steps.map((p) => p.b));
  const top = hiData + (hiData - loData) * 0.08;
  const x = (t: number) => L + ((W - L - R) * t) / Math.max(endS, 1e-9);
  const y = (v: number) => TOP + PLOT_H - (PLOT_H * (v - loData)) / Math.max(top - loData, 1e-9);
  const stepPath = (offset: number) =>
    steps
      .map((p, i) => {
        const next = steps[i + 1]?.t ?? endS;
        return `${i === 0 ? 'M' : 'L'}${f(x(p.t))},${f(y(p.b + offset))} L${f(x(next))},${f(y(p.b + offset))}`;
      })
      .join(' ');
  const trace = s.t
    .map((t, i) => `${i === 0 ? 'M' : 'L'}${f(x(t))},${f(y(Math.min(s.v[i] as number, top)))}`)
    .join(' ');
  const parts: string[] = [];
  for (const fl of faults.filter((q) => q.node === undefined || q.node === s.node)) {
    const w = Math.max(2, x(fl.toS) - x(fl.fromS));
    parts.push(
      `<rect x="${f(x(fl.fromS))}" y="${TOP}" width="${f(w)}" height="${PLOT_H}" fill="#9ecae1" opacity="0.35"/>`,
      `<text x="${f(x(fl.fromS) + 3)}" y="${TOP + 12}" class="small">${esc(fl.kind)}</text>`,
    );
  }
  s.marks
    .filter((q) => q.t >= 0 && q.t <= endS)
    .forEach((m, i) => {
      // labels on alternate rows so neighbouring marks stay readable
      const ly = TOP + PLOT_H - 6 - (i % 2) * 13;
      parts.push(
        `<line x1="${f(x(m.t))}" x2="${f(x(m.t))}" y1="${TOP}" y2="${TOP + PLOT_H}" stroke="#555" stroke-dasharray="2,3"/>`,
        `<text x="${f(x(m.t) + 3)}" y="${ly}" class="small">${esc(m.label)}</text>`,
      );
    });
  if (s.unit === 'units') {
    parts.push(
      `<path d="${stepPath(0)}" fill="none" stroke="#888" stroke-width="1.2"/>`,
      `<path d="${stepPath(s.pre)}" fill="none" stroke="${STATE_COLORS.prealarm}" stroke-dasharray="6,4"/>`,
      `<path d="${stepPath(s.alarm)}" fill="none" stroke="${STATE_COLORS.alarm}" stroke-dasharray="6,4"/>`,
    );
  }
  parts.push(`<path d="${trace}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
  const { state, trouble } = stateSpans(entries, s, endS);
  const band = (spans: Span[], row: number) =>
    spans
      .map(
        (sp) =>
          `<rect x="${f(x(sp.from))}" y="${TOP + PLOT_H + 8 + row * (BAND_H + 4)}" width="${f(Math.max(1, x(sp.to) - x(sp.from)))}" height="${BAND_H}" fill="${sp.color}"><title>${esc(sp.label)} ${f(sp.from)}-${f(sp.to)} s</title></rect>`,
      )
      .join('');
  const ticks: string[] = [];
  const step = niceStep(endS / 8);
  for (let t = 0; t <= endS + 1e-9; t += step) {
    ticks.push(`<text x="${f(x(t))}" y="${H - 4}" class="small" text-anchor="middle">${Math.round(t)} s</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">
<rect x="${L}" y="${TOP}" width="${W - L - R}" height="${PLOT_H}" fill="#fff" stroke="#ccc"/>
${parts.join('\n')}
<text x="${L - 6}" y="${TOP + 10}" class="small" text-anchor="end">${f(top)}</text>
<text x="${L - 6}" y="${TOP + PLOT_H}" class="small" text-anchor="end">${f(loData)}</text>
<text x="4" y="${TOP + PLOT_H + 19}" class="small">状态 state</text>${band(state, 0)}
<text x="4" y="${TOP + PLOT_H + 37}" class="small">故障 trouble</text>${band(trouble, 1)}
${ticks.join('')}
</svg>`;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
