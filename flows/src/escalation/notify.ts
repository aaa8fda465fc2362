/**
 * Function node "notification request": turns one Notice into the HTTP request its contact
 * understands (WeCom robot, DingTalk robot, or the generic SMS gateway), bilingual, Chinese first.
 * The robots' URLs come from the contact routing; the SMS gateway from PW_SMS_URL / PW_SMS_TOKEN.
 * The "sign and send" node turns the result into the http request node's inputs.
 */
import type { EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import type { Level, Notice, PendingRequest } from './types.ts';

const LEVEL_TEXT: Record<Level, string> = {
  enterprise: '1 企业安全负责人 / enterprise safety contact',
  security: '2 园区安保 / park security',
  duty: '3 应急管理值班 / emergency-management duty line',
};

export function onMessage(msg: NodeMessage, node: NodeApi, env: EnvAccess): NodeOutput {
  const notice = msg.payload as Notice;
  const text = noticeText(notice, env);
  const contact = notice.contact;
  const what = contact.type + ' ' + notice.level + ' ' + notice.reason + ' ' + notice.alarm.eventId;
  let request: PendingRequest;
  if (contact.type === 'sms') {
    const url = env.get('PW_SMS_URL');
    if (!url) {
      node.error('PW_SMS_URL 未设置 / PW_SMS_URL is not set: cannot send ' + what);
      return null;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = env.get('PW_SMS_TOKEN');
    if (token) headers.authorization = 'Bearer ' + token;
    request = { url, headers, body: { to: contact.to ?? [], text }, attempt: 1, what };
  } else if (contact.type === 'wecom') {
    const body = { msgtype: 'text', text: { content: text, mentioned_mobile_list: contact.to ?? [] } };
    request = { url: contact.url ?? '', headers: { 'content-type': 'application/json' }, body, attempt: 1, what };
  } else {
    const body = { msgtype: 'text', text: { content: text }, at: { atMobiles: contact.to ?? [], isAtAll: false } };
    request = { url: contact.url ?? '', headers: { 'content-type': 'application/json' }, body, attempt: 1, what };
  }
  if (contact.type === 'dingtalk' && contact.secret) request.dingtalkSecret = contact.secret;
  return { topic: what, pwRequest: request };
}

function noticeText(notice: Notice, env: EnvAccess): string {
  const a = notice.alarm;
  const p = a.placement;
  const zone = env.get('PW_TZ') || 'Asia/Shanghai';
  const time = new Intl.DateTimeFormat('zh-CN', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(
    new Date(a.at),
  );
  const what =
    a.priority === 'trouble'
      ? '隐患逾期 / HAZARD OVERDUE'
      : a.priority === 'fire'
        ? '火警 / FIRE ALARM'
        : '漏水报警 / WATER LEAK ALARM';
  const minutes = Math.max(1, Math.round(notice.elapsedS / 60));
  const head = headline(notice, what, minutes);
  // a drill must never be mistaken for a fire: said first, on its own line, and on the headline
  const lines = a.drill
    ? [
        '【演练 / DRILL】演练 #' + a.drill.id + '，非真实报警 / drill #' + a.drill.id + ', not a real alarm',
        '演练 / DRILL ' + head,
      ]
    : [head];
  if (p) {
    lines.push('企业 / Enterprise: ' + p.enterprise);
    lines.push('位置 / Where: ' + [p.site, p.zone, p.location].join(' · '));
  } else {
    lines.push('位置 / Where: 未登记 / not registered');
  }
  lines.push('探测器 / Detector: ' + (a.node ?? '-') + (a.ch ? ' (' + a.ch + ')' : ''));
  lines.push('时间 / Time: ' + time + ' (' + zone + ')');
  lines.push('通知级别 / Level: ' + LEVEL_TEXT[notice.level]);
  lines.push('事件 / Event: ' + a.eventId + ' · ' + a.park + '/' + a.gw);
  const panel = env.get('PW_PANEL_URL');
  if (panel) lines.push('报警面板 / Panel: ' + panel);
  lines.push('parkwatch');
  return lines.join('\n');
}

function headline(notice: Notice, what: string, minutes: number): string {
  if (notice.reason === 'overdue' && notice.hazard) {
    const h = notice.hazard;
    return (
      '【' +
      what +
      '】隐患 #' +
      h.id +
      ' (' +
      h.cause +
      ', ' +
      h.severity +
      ') 已过整改期限，请尽快整改 / ' +
      'hazard #' +
      h.id +
      ' is past its rectification deadline: put it right now'
    );
  }
  if (notice.reason === 'alarm')
    return '【' + what + '】请立即处理并在报警面板确认 / act now and acknowledge on the panel';
  if (notice.reason === 'escalated') {
    return (
      '【' + what + '】已 ' + minutes + ' 分钟无人确认，升级通知 / unacknowledged for ' + minutes + ' min, escalated'
    );
  }
  if (notice.reason === 'acknowledged') {
    const by = notice.by ?? '?';
    return '【已确认 / ACKNOWLEDGED】' + what + ' 已由 ' + by + ' 确认 / acknowledged by ' + by;
  }
  return '【已恢复 / CLEARED】' + what + ' 已恢复 / the alarm has cleared';
}
