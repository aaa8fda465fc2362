/**
 * The printable HTML pages of the reports: one self-contained file (no scripts, no external
 * fonts or images), so it opens offline, prints, and turns into a PDF in Chromium.
 */
export function esc(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Local time for the report's readers (Asia/Shanghai unless the gateway says otherwise). */
export function timeText(ms: number | undefined, tz = process.env.PW_TZ || 'Asia/Shanghai'): string {
  if (ms === undefined) return '—';
  return new Intl.DateTimeFormat('zh-CN', { timeZone: tz, dateStyle: 'short', timeStyle: 'medium' }).format(
    new Date(ms),
  );
}

export function seconds(s: number | undefined): string {
  if (s === undefined) return '—';
  return s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

export function table(head: string[], rows: (string | number)[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body || `<tr><td colspan="${head.length}">—</td></tr>`}</tbody></table>`;
}

const CSS = `
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;font-size:13px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px;border-bottom:1px solid #999}
h3{font-size:14px;margin:14px 0 6px}.sub{color:#555;margin:0 0 12px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.tier-high{color:#b00;font-weight:bold}.tier-medium{color:#b60;font-weight:bold}.tier-low{color:#070;font-weight:bold}
.drill{background:#e8f0ff;color:#124;font-weight:bold;padding:0 4px;border-radius:3px}
.sig{font-family:monospace;font-size:10px;word-break:break-all;color:#555}
svg{margin:4px 0}@media print{body{margin:0}h2{break-after:avoid}table{break-inside:auto}}`;

export function page(lang: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${esc(lang)}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${CSS}</style></head><body>
${body}
</body></html>
`;
}
