import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import type { DecidedEvent, EventKind } from './wire/events.ts';

/**
 * One log line per stored event an operator acts on (alarms, troubles, clears, operator actions,
 * a node's hello), so whoever tails the gateway's log sees a fire without opening the panel.
 * Telemetry is left out: it is periodic, and the database keeps it. All at info, so a gateway run at
 * `log.level: warn` (the bench, under thousands of alarms a second) does not write a line per event.
 */
const WORDS: Partial<Record<EventKind, string>> = {
  alarm: '报警 / alarm',
  prealarm: '预警 / pre-alarm',
  clear: '恢复 / clear',
  trouble: '故障 / trouble',
  trouble_clear: '故障恢复 / trouble cleared',
  test: '测试 / test',
  hush: '消音 / hush',
  hello: '节点上线 / node hello',
  ack: '节点应答 / node ack',
  acknowledge: '已确认 / acknowledged',
  silence: '已消音 / silenced',
  reset: '已复位 / reset',
  note: '备注 / note',
  test_request: '请求测试 / test requested',
  hazard: '隐患 / hazard',
};

export function journalLine(e: DecidedEvent): { fields: Record<string, unknown>; msg: string } | undefined {
  const word = WORDS[e.kind];
  if (!word) return undefined;
  const fields: Record<string, unknown> = { id: e.id, kind: e.kind, priority: e.priority, at: e.at };
  if (e.node !== null) fields.node = e.node;
  if (e.ch !== '') fields.ch = e.ch;
  if (e.trouble) fields.trouble = e.trouble;
  if (e.alarm) fields.state = e.alarm.state;
  if (typeof e.data.by === 'string') fields.by = e.data.by;
  if (e.placement) {
    const p = e.placement;
    fields.place = [p.enterprise, p.site, p.zone, p.location].filter((part) => part !== '').join(' / ');
  }
  return { fields, msg: word };
}

/** Logs every journaled event after its commit; returns the unsubscribe. */
export function journalEvents(bus: Bus, logger: Logger): () => void {
  return bus.on('committed', (events) => {
    if (!logger.isLevelEnabled('info')) return;
    for (const e of events) {
      const line = journalLine(e);
      if (!line) continue;
      logger.info(line.fields, line.msg);
    }
  });
}
