import { afterEach, describe, expect, it } from 'vitest';
import { DecidedEvent } from '../../gateway/wire/events.ts';
import { type Rig, startRig, tick } from './support/gateway-rig.ts';

/**
 * The gateway's PanelBackend and the DecidedEvent contract: every event the gateway stores,
 * whatever made it (node, gateway, operator), parses with the shared zod schema.
 */
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('panel backend over the real gateway', () => {
  it('stores only events that satisfy the DecidedEvent contract', async () => {
    rig = await startRig();
    const n1 = rig.node('n1', ['smoke', 'water']);
    rig.direct.push(
      n1.wire('hello', '', { fw: '1.0.0', fwh: 'ab', cfh: 'cd', rst: 'power', chs: ['smoke', 'water'] }),
      'n1',
    );
    rig.direct.push(n1.heartbeat(), 'n1');
    rig.direct.push(n1.wire('prealarm', 'smoke', { v: 300, b: 100, th: 250 }), 'n1');
    rig.direct.push(n1.alarm('smoke'), 'n1');
    rig.direct.push(n1.alarm('water', 50), 'n1');
    rig.direct.push(n1.wire('trouble', '', { code: 'battery_low', v: 2900 }), 'n1');
    rig.direct.push(n1.wire('test', '', { by: 'button', ok: true }), 'n1');
    rig.direct.push(n1.wire('hush', 'smoke', { by: 'button', until: 60_000 }), 'n1');
    rig.direct.push(n1.wire('ack', '', { cmd: 1, ok: true }), 'n1');
    rig.direct.push(n1.telemetry('smoke', 130), 'n1');
    await tick();
    const conditions = rig.gateway.panel.activeConditions();
    expect(conditions.map((c) => [c.kind, c.ch, c.priority]).sort()).toEqual([
      ['alarm', 'smoke', 'fire'],
      ['alarm', 'water', 'water'],
      ['trouble', '', 'trouble'],
    ]);
    const smoke = conditions.find((c) => c.ch === 'smoke');
    expect(smoke?.last.kind).toBe('alarm');
    const ack = await rig.gateway.panel.act({ action: 'acknowledge', ref: smoke?.ref ?? '', by: '李工' });
    await rig.gateway.panel.act({
      action: 'note',
      event: ack.id,
      note: '误报：焊接烟雾 / false alarm: welding fumes',
      by: '李工',
    });
    // the note is tied to the alarm it was written on: same node, place and condition
    const noted = rig.gateway.panel.activeConditions().find((c) => c.ref === smoke?.ref);
    expect(noted?.notes).toEqual([
      expect.objectContaining({ by: '李工', note: '误报：焊接烟雾 / false alarm: welding fumes' }),
    ]);
    const note = rig.gateway.panel.history({ kinds: ['note'], limit: 1 }).events[0];
    expect(note).toMatchObject({
      node: 'n1',
      ch: 'smoke',
      placement: smoke?.placement,
      data: { alarmRef: smoke?.ref },
    });
    await rig.gateway.panel.act({ action: 'test', node: 'n1', by: '李工' });
    await expect(rig.gateway.panel.act({ action: 'note', event: 'gw1:999', note: 'x', by: 'a' })).rejects.toMatchObject(
      {
        code: 'unknown_event',
      },
    );
    await expect(rig.gateway.panel.act({ action: 'test', node: 'nope', by: 'a' })).rejects.toMatchObject({
      code: 'unknown_node',
    });
    // refused actions leave no gap in the gateway sequence
    rig.direct.push(n1.telemetry('smoke', 131), 'n1');
    await tick();
    const all = rig.gateway.panel.eventsAfter(0, 100);
    // the trouble also opens a hazard for its enterprise, logged when the hazard watch runs
    expect(all.filter((e) => e.kind === 'hazard')).toHaveLength(1);
    expect(all.map((e) => e.kind).filter((k) => k !== 'hazard')).toEqual([
      'hello',
      'prealarm',
      'alarm',
      'alarm',
      'trouble',
      'test',
      'hush',
      'ack',
      'telemetry',
      'acknowledge',
      'note',
      'test_request',
      'telemetry',
    ]);
    for (const e of all) expect(DecidedEvent.safeParse(e).success, e.kind).toBe(true);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    // the pre-alarm became the alarm: one condition, the pre-alarm's ref
    expect(all[2].alarm?.ref).toBe(all[1].id);
    const state = rig.gateway.panel.node('n1');
    expect(state).toMatchObject({
      fw: '1.0.0',
      battery: 3000,
      troubles: ['battery_low'],
      channels: { smoke: 'normal' },
    });
  });

  it('pages history newest first with filters, and reads readings', async () => {
    rig = await startRig();
    const a = rig.node('a');
    const b = rig.node('b');
    for (let i = 0; i < 5; i++) {
      rig.direct.push(a.telemetry('smoke', 100 + i), 'a');
      rig.direct.push(b.telemetry('smoke', 200 + i), 'b');
    }
    rig.direct.push(a.alarm(), 'a');
    await tick();
    const page1 = rig.gateway.panel.history({ node: 'a', limit: 4 });
    expect(page1.events.map((e) => e.kind)).toEqual(['alarm', 'telemetry', 'telemetry', 'telemetry']);
    const page2 = rig.gateway.panel.history({ node: 'a', limit: 4, before: page1.next });
    expect(page2.events).toHaveLength(2);
    expect(page2.next).toBeUndefined();
    expect(rig.gateway.panel.history({ kinds: ['alarm'], zone: 'Z1', limit: 10 }).events).toHaveLength(1);
    expect(rig.gateway.panel.history({ enterprise: 'nobody', limit: 10 }).events).toHaveLength(0);
    const readings = rig.gateway.panel.readings('b', { since: 0, limit: 3 });
    expect(readings.map((r) => r.v)).toEqual([200, 201, 202]);
    expect(rig.gateway.panel.identity()).toEqual({ gw: 'gw1', park: 'park1' });
    const live: string[] = [];
    const off = rig.gateway.panel.subscribe((e) => live.push(e.kind));
    rig.direct.push(b.alarm(), 'b');
    await tick();
    off();
    expect(live).toEqual(['alarm']);
  });
});
