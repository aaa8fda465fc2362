import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fastSign } from '../../gateway/pipeline/verifier.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { signBody, unseal, verifyBody } from '../../protocol/envelope.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { metric, type Rig, startRig, tempDir, tick } from './support/gateway-rig.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

function commandOf(wire: string): { kind: string; seq: number; boot: number; d: { seqs?: number[] } } {
  return JSON.parse(wire);
}

describe('gateway pipeline', () => {
  it('node:crypto HMAC equals the protocol signBody', () => {
    const key = 'ab'.repeat(32);
    for (const body of ['{}', '{"a":1,"node":"n1"}', 'x'.repeat(300)])
      expect(fastSign(key, body)).toBe(signBody(nodeSha256, key, body));
  });

  it('stores an alarm, then acknowledges it with a signed event_ack', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    rig.direct.push(n1.alarm(), 'n1');
    await tick();
    const events = rig.gateway.eventLog.after(0, 10);
    expect(events.map((e) => [e.kind, e.priority, e.node, e.alarm?.state])).toEqual([
      ['alarm', 'fire', 'n1', 'active'],
    ]);
    expect(events[0].placement).toEqual({ enterprise: 'E1', site: '', zone: 'Z1', location: '' });
    expect(events[0].id).toBe(`gw1:${events[0].seq}`);
    const acks = rig.commands.get('n1') ?? [];
    expect(acks).toHaveLength(1);
    const parts = unseal(acks[0]);
    expect(parts && verifyBody(nodeSha256, n1.keyHex, parts)).toBe(true);
    expect(commandOf(acks[0])).toMatchObject({ kind: 'event_ack', boot: 1, d: { seqs: [1] } });
    expect(rig.gateway.outbox.stats().depth).toBe(1);
  });

  it('rejects unknown node, bad signature, topic mismatch and replay, and counts each', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    const stranger = new NodeClient('n9', 'cd'.repeat(32));
    rig.direct.push(stranger.alarm(), 'n9');
    const forged = new NodeClient('n1', 'ef'.repeat(32));
    rig.direct.push(forged.alarm(), 'n1');
    rig.direct.push(n1.heartbeat(), 'n2');
    rig.direct.push('garbage', 'n1');
    const first = n1.alarm();
    rig.direct.push(first, 'n1');
    await tick();
    rig.direct.push(first, 'n1'); // re-send: duplicate, acknowledged again, not stored
    n1.seq += 40;
    rig.direct.push(n1.telemetry(), 'n1');
    n1.seq = 5;
    rig.direct.push(n1.telemetry(), 'n1'); // 37 below the highest: out of the replay window
    await tick();
    const text = await rig.metrics();
    expect(metric(text, 'parkwatch_rejects_total{reason="unknown_node"}')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="bad_signature"}')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="topic_mismatch"}')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="malformed"}')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="duplicate"}')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="replay"}')).toBe(1);
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.kind)).toEqual(['alarm', 'telemetry']);
    const acks = (rig.commands.get('n1') ?? []).map(commandOf);
    const firstSeq = JSON.parse(first).seq;
    expect(acks.map((a) => a.d.seqs)).toEqual([[firstSeq], [firstSeq]]);
    expect(acks[1].seq).toBeGreaterThan(acks[0].seq);
    expect(rig.gateway.panel.refusals().byReason.bad_signature).toBe(1);
  });

  it('stores a late re-send below the window once, and acknowledges it again after', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    const alarm = n1.alarm(); // seq 1: stored, its ack "lost"
    const held = n1.seal(n1.message('test', '', { by: 'button', ok: true })); // seq 2: lost on the way
    rig.direct.push(alarm, 'n1');
    for (let i = 0; i < 40; i++) rig.direct.push(n1.telemetry(), 'n1');
    await tick();
    // the node's ring re-sends both after 40 newer messages
    rig.direct.push(alarm, 'n1');
    rig.direct.push(held, 'n1');
    rig.direct.push(held, 'n1');
    await tick();
    rig.direct.push(held, 'n1');
    await tick();
    const kinds = rig.gateway.eventLog.after(0, 100).map((e) => e.kind);
    expect(kinds.filter((k) => k !== 'telemetry')).toEqual(['alarm', 'test']);
    const acked = (rig.commands.get('n1') ?? []).flatMap((w) => commandOf(w).d.seqs ?? []);
    expect(acked).toEqual([1, 1, 2, 2, 2]);
    const text = await rig.metrics();
    expect(metric(text, 'parkwatch_late_events_total')).toBe(1);
    expect(metric(text, 'parkwatch_rejects_total{reason="duplicate"}')).toBe(3);
  });

  it('stores an event once when its late re-send arrives in the same batch as the original', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    const alarm = n1.alarm(); // seq 1
    rig.direct.push(alarm, 'n1');
    for (let i = 0; i < 40; i++) rig.direct.push(n1.telemetry(), 'n1');
    rig.direct.push(alarm, 'n1'); // now 40 behind: below the window, and not committed yet
    await tick();
    const alarms = rig.gateway.eventLog.after(0, 100).filter((e) => e.kind === 'alarm');
    expect(alarms).toHaveLength(1);
    const acked = (rig.commands.get('n1') ?? []).flatMap((w) => commandOf(w).d.seqs ?? []);
    expect(acked.filter((s) => s === 1).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a replay after a restart and keeps the command seq rising', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    const alarm = n1.alarm();
    rig.direct.push(alarm, 'n1');
    await tick();
    const before = commandOf(rig.commands.get('n1')?.[0] ?? '{}').seq;
    await rig.restart();
    rig.direct.push(alarm, 'n1');
    rig.direct.push(n1.clear(), 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => [e.kind, e.alarm?.state])).toEqual([
      ['alarm', 'active'],
      ['clear', 'cleared'],
    ]);
    const acks = (rig.commands.get('n1') ?? []).map(commandOf);
    // the replayed alarm is a duplicate: acknowledged again with the clear, stored once
    expect(acks.map((a) => a.d.seqs)).toEqual([[1], [1, 2]]);
    expect(acks[1].seq).toBeGreaterThan(before);
  });

  it('refuses a node whose boot counter went back, says once what to do, and forgets it on remove', async () => {
    const warnings: { node?: string; msg: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    rig = await startRig({}, tempDir(), { logger });
    const n1 = rig.node('n1');
    n1.boot = 3;
    rig.direct.push(n1.alarm(), 'n1');
    await tick();
    // the node lost its Storage: boot 1 again, several messages
    const again = new NodeClient('n1', n1.keyHex, 1);
    rig.direct.push(again.alarm(), 'n1');
    rig.direct.push(again.heartbeat(), 'n1');
    await tick();
    rig.direct.push(again.heartbeat(), 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.kind)).toEqual(['alarm']);
    const about = warnings.filter((w) => w.node === 'n1');
    expect(about).toHaveLength(1);
    expect(about[0]?.msg).toContain('节点 n1 的启动计数倒退（收到 1，之前已到 3）');
    expect(about[0]?.msg).toContain('node n1: its boot counter went back (got 1, had 3)');
    expect(about[0]?.msg).toContain('parkwatch nodes remove n1');
    // what the advice says works: removed and registered again, boot 1 is accepted
    expect(rig.gateway.registry.remove('n1')).toBe(true);
    await rig.restart();
    const fresh = rig.node('n1');
    rig.direct.push(fresh.alarm(), 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => [e.kind, e.node])).toEqual([
      ['alarm', 'n1'],
      ['alarm', 'n1'],
    ]);
  });

  it('resets a latched water alarm through the node: command, refusal while wet, clear closes it', async () => {
    rig = await startRig();
    const n1 = rig.node('n1', ['water']);
    rig.direct.push(n1.wire('alarm', 'water', { v: 1, b: 0, th: 1, src: 'water', latch: true }), 'n1');
    await tick();
    const [cond] = rig.gateway.panel.activeConditions();
    expect(cond).toMatchObject({ node: 'n1', ch: 'water', priority: 'water', state: 'active', latched: true });
    const first = await rig.gateway.panel.act({ action: 'reset', ref: cond.ref, by: 'wang' });
    expect(first).toMatchObject({
      kind: 'reset',
      node: 'n1',
      data: { by: 'wang', ref: cond.ref, sent: 'reset' },
      alarm: { state: 'active' },
      origin: { path: 'operator' },
    });
    const resets = () => (rig?.commands.get('n1') ?? []).map(commandOf).filter((c) => c.kind === 'reset');
    expect(resets()).toMatchObject([{ boot: 1, d: { ch: 'water' } }]);
    // the probe is still wet: the node refuses, the alarm stays
    rig.direct.push(n1.wire('ack', '', { cmd: resets()[0]?.seq, ok: false, err: 'input active' }), 'n1');
    await tick();
    expect(rig.gateway.panel.activeConditions()).toMatchObject([{ ref: cond.ref, state: 'active' }]);
    // dry: the heartbeat says it waits for a reset; the second reset goes through
    rig.direct.push(n1.wire('heartbeat', '', { bat: 3900, rssi: -60, mem: 2000, ivl: 30, lat: ['water'] }), 'n1');
    await tick();
    expect(rig.gateway.panel.node('n1')?.channels).toMatchObject({ water: 'latched' });
    await rig.gateway.panel.act({ action: 'reset', ref: cond.ref, by: 'zhao' });
    expect(resets()).toHaveLength(2);
    rig.direct.push(n1.clear('water', 0), 'n1');
    await tick();
    expect(rig.gateway.panel.activeConditions()).toEqual([]);
    const history = rig.gateway.panel.history({ limit: 10, node: 'n1' }).events;
    expect(history.map((e) => [e.kind, e.alarm?.state, e.data.by ?? e.data.err])).toEqual([
      ['clear', 'closed', undefined],
      ['reset', 'active', 'zhao'],
      ['ack', undefined, 'input active'],
      ['reset', 'active', 'wang'],
      ['alarm', 'active', undefined],
    ]);
    expect(history[0]?.alarm?.by).toBe('zhao');
  });

  it('decides the alarm lifecycle with operator actions', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    rig.direct.push(n1.alarm(), 'n1');
    await tick();
    const [cond] = rig.gateway.panel.activeConditions();
    expect(cond).toMatchObject({ node: 'n1', kind: 'alarm', state: 'active' });
    await expect(rig.gateway.panel.act({ action: 'reset', ref: cond.ref, by: 'li' })).rejects.toMatchObject({
      code: 'still_active',
    });
    const ack = await rig.gateway.panel.act({ action: 'acknowledge', ref: cond.ref, by: 'li' });
    expect(ack).toMatchObject({
      kind: 'acknowledge',
      alarm: { state: 'acknowledged', by: 'li' },
      origin: { path: 'operator' },
    });
    const silence = await rig.gateway.panel.act({ action: 'silence', ref: cond.ref, seconds: 60, by: 'li' });
    expect(silence.kind).toBe('silence');
    const hush = (rig.commands.get('n1') ?? []).map(commandOf).find((c) => c.kind === 'hush');
    expect(hush).toMatchObject({ boot: 1, d: { ch: 'smoke', s: 60 } });
    rig.direct.push(n1.clear(), 'n1');
    await tick();
    expect(rig.gateway.panel.activeConditions()).toEqual([]);
    const history = rig.gateway.panel.history({ limit: 10, node: 'n1' });
    expect(history.events.map((e) => e.kind)).toEqual(['clear', 'silence', 'acknowledge', 'alarm']);
    expect(history.events[0].alarm?.state).toBe('closed');
  });
});
