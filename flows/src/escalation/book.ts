/**
 * Function node "escalation book": keeps the open fire/water alarms and decides who is told
 * when. Input: decided events (MQTT text) and a 1 s "tick". Output: one Notice per contact.
 * State lives in node context, so with a file-backed context store it survives a restart
 * and the escalation resumes where it was.
 */
import type { ContextStore, EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import { type EventView, readEvent } from '../shared/decided-event.ts';
import type { Contact, EscalationConfig, Level, Notice, OpenAlarm } from './types.ts';

const LEVEL_ORDER: Level[] = ['enterprise', 'security', 'duty'];
/** ids of recent events, to drop MQTT re-deliveries and gateway replays */
const RECENT_IDS = 2000;
/** an alarm fully escalated but never acknowledged is forgotten after a day */
const FORGET_MS = 24 * 3600 * 1000;
const STOP_KINDS = ['acknowledge', 'clear', 'reset'];
const STOP_STATES = ['acknowledged', 'cleared', 'closed'];

interface Counters {
  events: number;
  alarms: number;
  notices: number;
  duplicates: number;
  invalid: number;
  noContact: number;
}

export function onStart(node: NodeApi, context: ContextStore, env: EnvAccess): void {
  try {
    context.set('config', readConfig(env));
    node.status({ fill: 'green', shape: 'dot', text: '就绪 / ready' });
  } catch (err) {
    context.set('config', null);
    node.error('升级通知配置错误 / escalation config error: ' + (err as Error).message);
    node.status({ fill: 'red', shape: 'ring', text: '配置错误 / config error' });
  }
}

export function onMessage(msg: NodeMessage, node: NodeApi, context: ContextStore): NodeOutput {
  const config = context.get('config') as EscalationConfig | null;
  if (!config) return null;
  const now = Date.now();
  const alarms = (context.get('alarms') as Record<string, OpenAlarm> | undefined) ?? {};
  const counters = (context.get('counters') as Counters | undefined) ?? {
    events: 0,
    alarms: 0,
    notices: 0,
    duplicates: 0,
    invalid: 0,
    noContact: 0,
  };
  const notices: Notice[] = [];
  if (msg.topic !== 'tick') {
    const event = readEvent(msg.payload);
    if (typeof event === 'string') {
      counters.invalid++;
      node.warn('无效事件已忽略 / invalid event ignored (' + String(msg.topic) + '): ' + event);
    } else if (event.priority === 'telemetry') {
      // readings never escalate; keeping their ids would push the alarms' ids out of the recent list
    } else if (isRecent(context, event.id)) {
      counters.duplicates++;
    } else {
      counters.events++;
      applyEvent(event, config, alarms, notices, counters, now);
    }
  }
  escalateDue(alarms, config, notices, counters, node, now);
  counters.notices += notices.length;
  context.set('alarms', alarms);
  context.set('counters', counters);
  const open = Object.keys(alarms).length;
  node.status({
    fill: open > 0 ? 'red' : 'green',
    shape: 'dot',
    text: open + ' 未确认 / unacknowledged, ' + counters.notices + ' 通知 / notices',
  });
  if (notices.length === 0) return null;
  return [notices.map((n) => ({ topic: n.level, payload: n }))];
}

function applyEvent(
  event: EventView,
  config: EscalationConfig,
  alarms: Record<string, OpenAlarm>,
  notices: Notice[],
  counters: Counters,
  now: number,
): void {
  const key = event.park + '/' + event.gw + '/' + (event.node ?? '-') + '/' + event.ch;
  if (event.kind === 'hazard') {
    if (event.data.overdue === true && event.data.state !== 'closed') tellOverdue(event, key, config, notices, now);
    return;
  }
  const state = event.alarm ? event.alarm.state : 'active';
  if (event.kind === 'alarm' && (event.priority === 'fire' || event.priority === 'water') && state === 'active') {
    if (alarms[key]) return; // this channel's alarm is already being escalated
    counters.alarms++;
    alarms[key] = {
      key,
      ref: event.alarm ? event.alarm.ref : event.id,
      eventId: event.id,
      gw: event.gw,
      park: event.park,
      node: event.node,
      ch: event.ch,
      priority: event.priority,
      placement: event.placement,
      at: event.at,
      openedAt: now,
      told: 0,
      toldLevels: [],
      nextAt: now,
    };
    if (event.drill) alarms[key].drill = { id: event.drill.id, scenario: event.drill.scenario };
    return;
  }
  const stops =
    STOP_KINDS.includes(event.kind) || (event.alarm !== undefined && STOP_STATES.includes(event.alarm.state));
  if (!stops) return;
  // By ref when the event has one: a trouble on the same channel has its own ref and must not
  // stop the alarm's escalation. By channel only for events without a ref.
  const ref = event.alarm ? event.alarm.ref : typeof event.data.ref === 'string' ? event.data.ref : undefined;
  const open = ref !== undefined ? Object.values(alarms).find((a) => a.ref === ref) : alarms[key];
  if (!open || open.park !== event.park || open.gw !== event.gw) return;
  delete alarms[open.key];
  // Everyone already told learns that someone has it in hand, so nobody else turns out.
  const acknowledged =
    event.kind === 'acknowledge' || (event.alarm !== undefined && event.alarm.state === 'acknowledged');
  const by =
    event.alarm && event.alarm.by ? event.alarm.by : typeof event.data.by === 'string' ? event.data.by : undefined;
  for (const level of open.toldLevels) {
    for (const contact of contactsFor(config, open, level)) {
      notices.push({
        reason: acknowledged ? 'acknowledged' : 'cleared',
        level,
        contact,
        alarm: open,
        by,
        elapsedS: Math.round((now - open.openedAt) / 1000),
      });
    }
  }
}

/** An overdue hazard: its owner and park security at once, the duty line too when it is high. */
function tellOverdue(event: EventView, key: string, config: EscalationConfig, notices: Notice[], now: number): void {
  const d = event.data;
  const hazard = {
    id: Number(d.hazard),
    cause: String(d.cause),
    severity: String(d.severity),
    deadline: Number(d.deadline),
  };
  const subject: OpenAlarm = {
    key,
    ref: event.id,
    eventId: event.id,
    gw: event.gw,
    park: event.park,
    node: event.node,
    ch: event.ch,
    priority: 'trouble',
    placement: event.placement,
    at: event.at,
    openedAt: now,
    told: 0,
    toldLevels: [],
    nextAt: null,
  };
  const levels: Level[] = hazard.severity === 'high' ? ['enterprise', 'security', 'duty'] : ['enterprise', 'security'];
  for (const level of levels)
    for (const contact of contactsFor(config, subject, level))
      notices.push({ reason: 'overdue', level, contact, alarm: subject, hazard, elapsedS: 0 });
}

/** Tells every level whose time has come; a level with nobody to tell passes straight to the next. */
function escalateDue(
  alarms: Record<string, OpenAlarm>,
  config: EscalationConfig,
  notices: Notice[],
  counters: Counters,
  node: NodeApi,
  now: number,
): void {
  for (const alarm of Object.values(alarms)) {
    while (alarm.nextAt !== null && alarm.nextAt <= now) {
      const level = LEVEL_ORDER[alarm.told];
      alarm.told++;
      const contacts = contactsFor(config, alarm, level);
      if (contacts.length === 0) {
        counters.noContact++;
        node.warn(
          '没有可通知的联系人 / nobody to notify: level ' +
            level +
            ', enterprise ' +
            enterpriseOf(alarm) +
            ', event ' +
            alarm.eventId,
        );
      } else {
        alarm.toldLevels.push(level);
      }
      for (const contact of contacts) {
        notices.push({
          reason: alarm.told === 1 ? 'alarm' : 'escalated',
          level,
          contact,
          alarm,
          elapsedS: Math.round((now - alarm.openedAt) / 1000),
        });
      }
      if (alarm.told >= LEVEL_ORDER.length) alarm.nextAt = null;
      else if (contacts.length === 0) alarm.nextAt = now;
      else alarm.nextAt = alarm.openedAt + 1000 * (alarm.told === 1 ? config.securityAfterS : config.dutyAfterS);
    }
    if (alarm.nextAt === null && now - alarm.openedAt > FORGET_MS) delete alarms[alarm.key];
  }
}

function contactsFor(config: EscalationConfig, alarm: OpenAlarm, level: Level): Contact[] {
  if (level === 'security') return config.contacts.security;
  if (level === 'duty') return config.contacts.duty;
  return config.contacts.enterprises[enterpriseOf(alarm)] ?? config.contacts.fallback ?? [];
}

function enterpriseOf(alarm: OpenAlarm): string {
  return alarm.placement ? alarm.placement.enterprise : '';
}

function isRecent(context: ContextStore, id: string): boolean {
  const recent = (context.get('recent') as string[] | undefined) ?? [];
  if (recent.includes(id)) return true;
  recent.push(id);
  if (recent.length > RECENT_IDS) recent.splice(0, recent.length - RECENT_IDS);
  context.set('recent', recent);
  return false;
}

/** Reads PW_ESC_* from the environment; throws with the variable's name and what to fix. */
function readConfig(env: EnvAccess): EscalationConfig {
  const text = env.get('PW_ESC_CONTACTS');
  if (!text) throw new Error('PW_ESC_CONTACTS is not set: give the contact routing as JSON (see docs/flows.md)');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error('PW_ESC_CONTACTS is not valid JSON: ' + (err as Error).message);
  }
  const book = raw as Record<string, unknown>;
  if (typeof book !== 'object' || book === null) throw new Error('PW_ESC_CONTACTS must be a JSON object');
  const enterprises: Record<string, Contact[]> = {};
  const listed = book.enterprises ?? {};
  if (typeof listed !== 'object' || listed === null) throw new Error('PW_ESC_CONTACTS.enterprises must be an object');
  for (const [name, list] of Object.entries(listed)) enterprises[name] = readContacts(list, 'enterprises.' + name, env);
  const contacts = {
    enterprises,
    fallback: book.fallback === undefined ? undefined : readContacts(book.fallback, 'fallback', env),
    security: readContacts(book.security ?? [], 'security', env),
    duty: readContacts(book.duty ?? [], 'duty', env),
  };
  const securityAfterS = readSeconds(env, 'PW_ESC_SECURITY_AFTER_S', 300);
  const dutyAfterS = readSeconds(env, 'PW_ESC_DUTY_AFTER_S', 600);
  if (dutyAfterS <= securityAfterS) {
    throw new Error(
      'PW_ESC_DUTY_AFTER_S (' + dutyAfterS + ') must be later than PW_ESC_SECURITY_AFTER_S (' + securityAfterS + ')',
    );
  }
  return { contacts, securityAfterS, dutyAfterS };
}

function readContacts(list: unknown, where: string, env: EnvAccess): Contact[] {
  if (!Array.isArray(list)) throw new Error('PW_ESC_CONTACTS.' + where + ' must be a list of contacts');
  return list.map((item: Record<string, unknown>, i: number) => {
    const at = 'PW_ESC_CONTACTS.' + where + '[' + i + ']';
    const to = item.to === undefined ? undefined : item.to;
    if (to !== undefined && (!Array.isArray(to) || !to.every((n) => typeof n === 'string'))) {
      throw new Error(at + '.to must be a list of phone numbers');
    }
    if (item.type === 'sms') {
      if (!to || to.length === 0) throw new Error(at + ': an sms contact needs "to" phone numbers');
      if (!env.get('PW_SMS_URL'))
        throw new Error(at + ' is an sms contact but PW_SMS_URL (the SMS gateway) is not set');
      return { type: 'sms', to };
    }
    if (item.type === 'wecom' || item.type === 'dingtalk') {
      if (typeof item.url !== 'string' || !/^https?:\/\//.test(item.url))
        throw new Error(at + '.url must be the robot webhook URL');
      if (item.secret !== undefined && typeof item.secret !== 'string') throw new Error(at + '.secret must be text');
      // WeCom robots have no request signing (the key is part of the webhook URL): a secret would
      // be silently ignored and the operator would believe the robot is signed.
      if (item.type === 'wecom' && item.secret !== undefined)
        throw new Error(
          at + ': 企业微信机器人不支持加签，请删除 secret / WeCom robots are not signed: remove "secret"',
        );
      return { type: item.type, url: item.url, secret: item.secret as string | undefined, to };
    }
    throw new Error(at + '.type must be "wecom", "dingtalk" or "sms"');
  });
}

function readSeconds(env: EnvAccess, name: string, fallback: number): number {
  const text = env.get(name);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(name + ' must be a number of seconds, not "' + text + '"');
  return value;
}
