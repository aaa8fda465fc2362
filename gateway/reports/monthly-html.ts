import { esc, page, seconds, table, timeText } from './html.ts';
import type { EnterpriseFigures, MonthlyReport } from './monthly-report.ts';

/**
 * The monthly report as a printable page: Chinese by default, English with `lang: 'en'`;
 * charts are inline SVG (no script, no external file), so the page prints and becomes a PDF.
 */
export type ReportLang = 'zh' | 'en';

const TEXT = {
  title: ['园区风险与服务月报', 'Park risk and service report'],
  period: ['统计期', 'Period'],
  enterprise: ['企业', 'Enterprise'],
  risk: ['风险等级', 'Risk tier'],
  alarms: ['报警', 'Alarms'],
  real: ['真实', 'Real'],
  false: ['误报', 'False'],
  test: ['测试', 'Test'],
  drill: ['演练', 'Drill'],
  ack: ['报警到确认', 'Alarm to acknowledge'],
  median: ['中位数', 'Median'],
  worst: ['最长', 'Worst'],
  unacked: ['未确认', 'Never acknowledged'],
  nodes: ['节点', 'Nodes'],
  node: ['节点', 'Node'],
  zone: ['区域', 'Zone'],
  location: ['位置', 'Location'],
  falseRate: ['误报率', 'False-alarm rate'],
  online: ['在线率', 'Online'],
  availability: ['设备在线率', 'Node availability'],
  troubles: ['故障', 'Troubles'],
  hazards: ['隐患', 'Hazards'],
  opened: ['新增', 'Opened'],
  closed: ['关闭', 'Closed'],
  overdue: ['逾期', 'Overdue'],
  stillOpen: ['月末未关闭', 'Open at month end'],
  maintenance: ['完成维护（隐患整改）', 'Maintenance done (hazards rectified)'],
  drills: ['演练', 'Drills'],
  score: ['得分', 'Score'],
  started: ['时间', 'When'],
  scenario: ['科目', 'Scenario'],
  lastDrill: ['最近一次演练', 'Last drill'],
  none: ['无', 'none'],
  reasons: ['依据', 'Because'],
  rule: [
    '风险等级规则：本月有真实报警或积分≥4 为高；积分≥2 为中；否则为低。积分：隐患逾期 2；在线率<95% 2（<99% 1）；误报≥3 次 1；报警未确认或确认超过 300 秒 1；183 天内无演练 1。演练报警不计入真实报警。',
    'Risk tier rule: high with any real alarm this month or 4+ points; medium with 2+ points; low otherwise. Points: an overdue hazard 2; availability under 95 % 2 (under 99 % 1); 3+ false alarms 1; an alarm never acknowledged or acknowledged after 300 s 1; no drill in 183 days 1. Drill alarms never count as real.',
  ],
  generated: ['生成于', 'Generated'],
  signed: [
    '本报告由网关密钥签名（Ed25519），签名随云端副本发布。',
    'Signed with the gateway key (Ed25519); the signature travels with the cloud copy.',
  ],
} as const;

const TIER = { high: ['高', 'HIGH'], medium: ['中', 'MEDIUM'], low: ['低', 'LOW'] } as const;
const REASON: Record<string, [string, string]> = {
  real_alarm: ['本月有真实报警', 'a real alarm this month'],
  overdue_hazard: ['有隐患逾期', 'an overdue hazard'],
  availability_below_95: ['在线率低于 95%', 'availability under 95 %'],
  availability_below_99: ['在线率低于 99%', 'availability under 99 %'],
  false_alarms_3_or_more: ['误报 3 次以上', '3 or more false alarms'],
  slow_or_missing_acknowledgement: ['报警未确认或确认慢', 'an alarm unacknowledged or slow to acknowledge'],
  no_drill_in_6_months: ['半年内无演练', 'no drill in 6 months'],
};

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

/** Horizontal bars, one per row: label, value, scaled to the largest (or to `max`). */
export function barChart(rows: { label: string; value: number; text: string; color: string }[], max?: number): string {
  const W = 520;
  const LABEL = 150;
  const H = 18;
  const top = max ?? Math.max(1, ...rows.map((r) => r.value));
  const bars = rows
    .map((r, i) => {
      const y = i * (H + 6);
      const w = Math.max(0, ((W - LABEL - 70) * r.value) / top);
      return (
        `<text x="0" y="${y + 13}" font-size="11">${esc(r.label)}</text>` +
        `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${H}" fill="${r.color}"/>` +
        `<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + 13}" font-size="11">${esc(r.text)}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${rows.length * (H + 6)}" role="img">${bars}</svg>`;
}

function enterpriseSection(f: EnterpriseFigures, L: (k: keyof typeof TEXT) => string, lang: ReportLang): string {
  const i = lang === 'zh' ? 0 : 1;
  const alarmBars = barChart([
    { label: L('real'), value: f.alarms.real, text: String(f.alarms.real), color: '#c62828' },
    { label: L('false'), value: f.alarms.false, text: String(f.alarms.false), color: '#ef6c00' },
    { label: L('test'), value: f.alarms.test, text: String(f.alarms.test), color: '#6d6d6d' },
    { label: L('drill'), value: f.alarms.drill, text: String(f.alarms.drill), color: '#1e56b3' },
  ]);
  const onlineBars = barChart(
    f.nodes.map((n) => ({
      label: n.node,
      value: n.online,
      text: pct(n.online),
      color: n.online < 0.95 ? '#c62828' : n.online < 0.99 ? '#ef6c00' : '#2e7d32',
    })),
    1,
  );
  return [
    `<h2>${esc(f.enterprise)} · ${esc(L('risk'))}: <span class="tier-${f.risk.tier}">${esc(TIER[f.risk.tier][i])}</span></h2>`,
    `<p>${esc(L('reasons'))}: ${esc(f.risk.reasons.map((r) => REASON[r]?.[i] ?? r).join('; ') || L('none'))}</p>`,
    `<h3>${esc(L('alarms'))}</h3>`,
    alarmBars,
    `<h3>${esc(L('ack'))}</h3>`,
    table(
      [L('median'), L('worst'), L('unacked')],
      [[seconds(f.ack.medianS ?? undefined), seconds(f.ack.worstS ?? undefined), f.ack.unacknowledged]],
    ),
    `<h3>${esc(L('nodes'))} · ${esc(L('availability'))} ${esc(pct(f.availability))}</h3>`,
    onlineBars,
    table(
      [L('node'), L('zone'), L('location'), L('alarms'), L('false'), L('falseRate'), L('online')],
      f.nodes.map((n) => [n.node, n.zone, n.location, n.alarms, n.falseAlarms, pct(n.falseRate), pct(n.online)]),
    ),
    `<h3>${esc(L('troubles'))} / ${esc(L('hazards'))}</h3>`,
    table(
      ['', L('opened'), L('closed'), L('overdue'), L('stillOpen')],
      [
        [L('troubles'), f.troubles.opened, f.troubles.closed, '—', '—'],
        [L('hazards'), f.hazards.opened, f.hazards.closed, f.hazards.overdue, f.hazards.open],
      ],
    ),
    `<p>${esc(L('maintenance'))}: ${f.maintenance}</p>`,
    `<h3>${esc(L('drills'))}</h3>`,
    table(
      ['#', L('started'), L('zone'), L('scenario'), L('score')],
      f.drills.map((d) => [d.id, timeText(d.startedAt), d.zone || '—', d.scenario, `${d.score} (${d.grade})`]),
    ),
    `<p>${esc(L('lastDrill'))}: ${esc(f.lastDrillAt === null ? L('none') : timeText(f.lastDrillAt))}</p>`,
  ].join('\n');
}

export function monthlyHtml(r: MonthlyReport, lang: ReportLang = 'zh'): string {
  const i = lang === 'zh' ? 0 : 1;
  const L = (k: keyof typeof TEXT) => TEXT[k][i];
  const body = [
    `<h1>${esc(L('title'))} ${esc(r.month)}</h1>`,
    `<p class="sub">${esc(r.park)}/${esc(r.gw)} · ${esc(L('period'))} ${esc(timeText(r.from))} – ${esc(timeText(r.to))}</p>`,
    table(
      [L('enterprise'), L('risk'), L('real'), L('false'), L('test'), L('drill'), L('availability')],
      r.enterprises.map((f) => [
        f.enterprise,
        TIER[f.risk.tier][i],
        f.alarms.real,
        f.alarms.false,
        f.alarms.test,
        f.alarms.drill,
        pct(f.availability),
      ]),
    ),
    `<p class="sub">${esc(L('rule'))}</p>`,
    ...r.enterprises.map((f) => enterpriseSection(f, L, lang)),
    `<p class="sub">${esc(L('generated'))} ${esc(timeText(r.generatedAt))} · ${esc(L('signed'))}</p>`,
  ].join('\n');
  return page(lang === 'zh' ? 'zh-CN' : 'en', `${L('title')} ${r.month}`, body);
}
