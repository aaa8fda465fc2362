import { passed, type RunResult } from './run-result.ts';
import { channelSvg, STATE_COLORS } from './svg-chart.ts';

/**
 * One self-contained HTML file (no scripts, no external files, works offline) with every
 * scenario: its expectations, faults, notes, and a chart per channel.
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function htmlReport(runs: RunResult[], title = 'parkwatch 仿真报告 / simulation report'): string {
  const sections = runs.map((r) => {
    const ok = passed(r);
    const head = `<h2 class="${ok ? 'pass' : 'fail'}">${ok ? '✔' : '✘'} ${esc(r.name)}</h2><p class="file">${esc(r.file)}</p>`;
    if (r.error !== undefined) return `<section>${head}<pre class="error">${esc(r.error)}</pre></section>`;
    const tl = r.timeline;
    const rows = r.results
      .map(
        (x) =>
          `<tr class="${x.ok ? 'pass' : 'fail'}"><td>${x.ok ? '通过 pass' : '失败 FAIL'}</td><td>${esc(x.label)}</td><td>${esc(x.detail)}</td></tr>`,
      )
      .join('');
    const faults =
      tl && tl.faults.length > 0
        ? `<p>故障注入 / faults: ${tl.faults.map((fl) => `${esc(fl.kind)}${fl.node ? ` (${esc(fl.node)})` : ''} ${fl.fromS}-${fl.toS} s`).join('; ')}</p>`
        : '';
    const notes =
      tl && tl.notes.length > 0 ? `<ul class="notes">${tl.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
    const charts = tl
      ? tl.series
          .map(
            (s) =>
              `<figure><figcaption>${esc(s.node)} / ${esc(s.ch)} (${s.unit === 'units' ? 'node units over the factory zero; smoke: 0.001 dB/m' : '1 = active'})</figcaption>${channelSvg(s, tl.entries, tl.faults, tl.durationS)}</figure>`,
          )
          .join('\n')
      : '';
    const meta = tl ? `<p>${tl.mode} · ${tl.durationS} s simulated in ${(tl.wallMs / 1000).toFixed(2)} s</p>` : '';
    return `<section>${head}${meta}<table><tr><th>结果 result</th><th>期望 expectation</th><th>详情 detail</th></tr>${rows}</table>${faults}${notes}${charts}</section>`;
  });
  const legend = Object.entries(STATE_COLORS)
    .map(([k, c]) => `<span><i style="background:${c}"></i>${k}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:980px}
h2.pass{color:#1a7f37}h2.fail{color:#c62828}.file{color:#666;margin-top:-8px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}
tr.fail td{background:#fdecea}.small{font-size:11px;fill:#444}figure{margin:12px 0}figcaption{font-size:13px;color:#444}
.legend span{margin-right:12px;font-size:13px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.notes{color:#8a4b00}pre.error{background:#fdecea;padding:8px;white-space:pre-wrap}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="legend">蓝线 signal · 灰线 baseline · 橙虚线 pre-alarm · 红虚线 alarm threshold · ${legend}</p>
${sections.join('\n')}
</body></html>
`;
}
