import type { DecidedEvent } from '../wire/events.ts';
import { CAUSE_LABELS } from './incident.ts';
import type { IncidentPacket } from './packet.ts';
import { STEP_LABELS } from './timeline.ts';

/**
 * The printable page of an incident packet (Chinese first): summary, response figures, timeline,
 * each event's chain proof, the signed head and how to verify. The packet itself is embedded as
 * JSON, so `parkwatch incidents verify` checks the page as it checks the .json file.
 */
const PACKET_SCRIPT_ID = 'parkwatch-incident-packet';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function timeText(ms: number | null, tz: string): string {
  if (ms === null) return '—';
  const f = new Intl.DateTimeFormat('zh-CN', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return `${f.format(new Date(ms))}.${String(ms % 1000).padStart(3, '0')}`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  return s < 120 ? `${s.toFixed(1)} 秒 / s` : `${(s / 60).toFixed(1)} 分 / min`;
}

const PRIORITY: Record<string, string> = { fire: '火警 / fire', water: '漏水 / water leak' };
const STATE: Record<string, string> = {
  open: '报警中 / open',
  ended: '报警已结束，待结案 / alarm ended, awaiting a cause',
  closed: '已结案 / closed',
};

export function packetHtml(p: IncidentPacket, tz = 'Asia/Shanghai'): string {
  const i = p.incident;
  const where = i.placement
    ? [i.placement.enterprise, i.placement.site, i.placement.zone, i.placement.location].filter(Boolean).join(' · ')
    : '—';
  const row = (k: string, v: string) => `<tr><th>${k}</th><td>${v}</td></tr>`;
  const summary = [
    row('事件档案 / Incident', `<code>${esc(i.id)}</code>`),
    row('类型 / Kind', PRIORITY[i.priority] + (i.drill ? '（演练 / DRILL）' : '')),
    row('位置 / Where', esc(where)),
    row('探测器 / Detector', `${esc(i.node ?? '—')} (${esc(i.ch)})`),
    row('状态 / State', STATE[i.state]),
    row('原因 / Cause', i.cause ? CAUSE_LABELS[i.cause] : '—'),
    row('结案 / Closed', i.closedAt ? `${timeText(i.closedAt, tz)} · ${esc(i.closedBy ?? '')}` : '—'),
    row('结案说明 / Closing note', esc(i.closingNote ?? '—')),
    row('报警到确认 / Alarm to acknowledge', duration(p.figures.alarmToAcknowledgeMs)),
    row('报警到恢复 / Alarm to clear', duration(p.figures.alarmToClearMs)),
    row('确认人 / Acknowledged by', esc(i.acknowledgedBy ?? '—')),
  ].join('\n');
  const timeline = p.timeline
    .map(
      (t) =>
        `<tr><td class="t">${timeText(t.at, tz)}</td><td>${STEP_LABELS[t.step]}</td><td>${t.seq}</td><td>${esc(
          [t.by, t.text].filter(Boolean).join(' · '),
        )}</td></tr>`,
    )
    .join('\n');
  const proofs = p.events
    .map((e) => {
      const ev = JSON.parse(e.body) as DecidedEvent;
      return `<tr><td>${e.seq}</td><td>${esc(ev.kind)}</td><td class="t">${timeText(ev.at, tz)}</td><td class="h">${e.prevHash}</td><td class="h">${e.hash}</td></tr>`;
    })
    .join('\n');
  const h = p.chain.head;
  const json = JSON.stringify(p).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>事件档案 / Incident ${esc(i.id)}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; width: 14em; }
td.t { white-space: nowrap; } td.h { font-family: monospace; font-size: 0.75em; word-break: break-all; }
pre { white-space: pre-wrap; font-size: 0.8em; }
@media print { body { margin: 1cm; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>事件档案 / Incident file · ${PRIORITY[i.priority]} · ${esc(where)}</h1>
<p>园区 / Park ${esc(p.park)} · 网关 / Gateway ${esc(p.gw)} · 导出时间 / Exported ${timeText(p.exportedAt, tz)} (${esc(tz)})</p>
<h2>摘要 / Summary</h2>
<table>${summary}</table>
<h2>时间线 / Timeline</h2>
<table><tr><th>时间 / Time</th><th>步骤 / Step</th><th>事件 / Event</th><th>人员、说明 / Who, note</th></tr>
${timeline}</table>
<h2>链证明 / Chain proof</h2>
<p>每个事件的哈希 = SHA-256(前一哈希 ‖ [seq, at, node, kind, SHA-256(正文)])，链段共 ${p.chain.rows.length} 行，止于网关签名的链头。
Each event's hash = SHA-256(previous hash ‖ [seq, at, node, kind, SHA-256(body)]); the segment has ${p.chain.rows.length} rows and ends at a head the gateway signed.</p>
<table><tr><th>seq</th><th>类型 / Kind</th><th>时间 / Time</th><th>前一哈希 / Previous hash</th><th>哈希 / Hash</th></tr>
${proofs}</table>
<table>
${row('签名链头 / Signed head', `seq ${h.seq} · ${timeText(h.signedAt, tz)}`)}
${row('链头哈希 / Head hash', `<code class="h">${h.hash}</code>`)}
${row('Ed25519 签名 / signature', `<code class="h">${esc(h.sig)}</code>`)}
</table>
<h2>网关公钥 / Gateway public key</h2>
<pre>${esc(p.publicKey)}</pre>
<h2>离线校验 / Verify offline</h2>
<p>本页内嵌完整档案包。用安装时登记的网关公钥校验：/ This page embeds the whole packet. Verify it against the gateway key recorded at installation:</p>
<pre>parkwatch incidents verify 本文件 / THIS-FILE --pubkey gateway-public.pem</pre>
<script type="application/json" id="${PACKET_SCRIPT_ID}">${json}</script>
</body>
</html>
`;
}

/** The packet embedded in a page made by packetHtml, or the text itself when it is the .json file. */
export function packetText(fileText: string): string {
  const m = new RegExp(`<script type="application/json" id="${PACKET_SCRIPT_ID}">([\\s\\S]*?)</script>`).exec(fileText);
  return m ? m[1] : fileText;
}
