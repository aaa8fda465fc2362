import type { DrillGrade, DrillReport } from './drill-report.ts';
import { esc, page, seconds, table, timeText } from './html.ts';

/** The drill report as a printable page in the AQ/T 9009-2015 evaluation layout, Chinese first. */
const GRADE: Record<DrillGrade, string> = {
  excellent: '优秀 / excellent',
  good: '良好 / good',
  pass: '合格 / pass',
  fail: '不合格 / fail',
};
const LEVEL: Record<string, string> = {
  enterprise: '企业安全负责人 / enterprise safety contact',
  security: '园区安保 / park security',
  duty: '应急管理值班 / emergency-management duty line',
};
const ITEM: Record<string, string> = {
  detection: '探测报警 / detection',
  acknowledgement: '响应确认 / acknowledgement',
  escalation: '逐级通知 / escalation',
  closure: '处置恢复 / closure',
};
const SCENARIO: Record<string, string> = { fire: '火灾 / fire', water: '漏水 / water leak' };

export function drillHtml(r: DrillReport): string {
  const d = r.drill;
  const body = [
    `<h1>应急演练评估报告 <span class="drill">演练 / DRILL</span></h1>`,
    `<p class="sub">Emergency drill evaluation report · AQ/T 9009-2015 · ${esc(r.park)}/${esc(r.gw)} · 演练 #${d.id}</p>`,
    '<h2>一、演练基本情况 / Drill overview</h2>',
    table(
      ['项目 / Item', '内容 / Value'],
      [
        ['企业 / Enterprise', d.enterprise],
        ['区域 / Zone', d.zone || '全部 / all'],
        ['演练科目 / Scenario', SCENARIO[d.scenario] ?? d.scenario],
        ['开始 / Started', `${timeText(d.startedAt)} (${d.startedBy})`],
        [
          '结束 / Stopped',
          d.stoppedAt === null ? '进行中 / running' : `${timeText(d.stoppedAt)} (${d.stoppedBy ?? ''})`,
        ],
        [
          '升级时限 / Escalation steps',
          `安保 / security ${r.timers.securityAfterS} s, 值班 / duty ${r.timers.dutyAfterS} s`,
        ],
      ],
    ),
    '<h2>二、演练执行情况 / How the drill ran</h2>',
    table(
      ['时间 / Time', '事件 / Event', '探测器 / Detector', '操作人 / By', '编号 / Id'],
      r.timeline.map((e) => [
        timeText(e.at),
        e.kind,
        `${e.node ?? '-'}${e.ch ? `/${e.ch}` : ''}`,
        e.by ?? '',
        e.eventId,
      ]),
    ),
    '<h2>三、各方响应情况 / Each party’s response</h2>',
    '<h3>报警响应 / Alarms</h3>',
    table(
      [
        '探测器 / Detector',
        '报警 / Alarm',
        '确认人 / Acknowledged by',
        '确认用时 / To acknowledge',
        '恢复用时 / To clear',
        '通知到 / Escalation reached',
      ],
      r.alarms.map((a) => [
        `${a.node ?? '-'}${a.ch ? `/${a.ch}` : ''} ${a.location}`,
        timeText(a.alarmAt),
        a.acknowledgedBy ?? '未确认 / none',
        seconds(a.ackS),
        seconds(a.clearS),
        a.escalation.map((l) => LEVEL[l]).join(' → '),
      ]),
    ),
    '<h3>通知各方 / Parties told</h3>',
    table(
      ['参与方 / Party', '被通知的报警数 / Alarms told'],
      r.parties.map((p) => [LEVEL[p.level], p.told]),
    ),
    '<h3>确认人员 / Responders</h3>',
    table(
      ['人员 / Person', '确认次数 / Acknowledged', '最快 / Fastest', '最慢 / Slowest'],
      r.responders.map((p) => [p.by, p.acknowledged, seconds(p.fastestS), seconds(p.slowestS)]),
    ),
    '<h2>四、演练评估 / Evaluation</h2>',
    table(
      ['评估项 / Item', '满分 / Max', '得分 / Score'],
      [...r.score.items.map((i) => [ITEM[i.item], i.max, i.got]), ['合计 / Total', 100, r.score.total]],
    ),
    `<p>评估结论 / Result: <b>${esc(GRADE[r.score.grade])}</b></p>`,
    '<h2>五、存在问题与改进建议 / Problems found and improvements</h2>',
    r.findings.length === 0
      ? '<p>未发现问题 / none found</p>'
      : `<ol>${r.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ol>`,
    `<p class="sub">生成于 / generated ${esc(timeText(r.generatedAt))} · parkwatch</p>`,
  ].join('\n');
  return page('zh-CN', `应急演练评估报告 #${d.id} / drill report`, body);
}
